"""Every write of notifications: raising them (with their e-mail in the outbox), marking them read, and
each user's choices.

Who is notified is decided by the service that raises the event, from the access policy (the recipients
it passes may read what the notification is about: `haven.operations.selectors.readers_on`); this module
never widens that list, writes no case content, and queues e-mail only once the event's transaction
commits.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import ValidationFailed
from haven.core.problems import Problem
from haven.notifications import tasks
from haven.notifications.models import (
    ALWAYS_EMAILED,
    Delivery,
    EmailSettings,
    Kind,
    Notification,
    Preference,
)
from haven.notifications.selectors import email_address, notification_for, notifications_for


@dataclass(frozen=True)
class CalendarEntry:
    """An interview's calendar entry: its id (the same as in the interviewer's .ics feed), its times, and
    the id of the entry it replaces (a moved interview)."""

    uid: str
    starts_at: datetime
    ends_at: datetime
    replaces_uid: str = ""


def wants_email(user: User, kind: str) -> bool:
    """Rule (issue 14): each user chooses e-mail or not per kind (yes unless they said no); danger alerts
    cannot be turned off."""
    if kind in ALWAYS_EMAILED:
        return True
    choice = Preference.objects.filter(user=user, kind=kind).values_list("by_email", flat=True).first()
    return True if choice is None else bool(choice)


def notification_send(
    *,
    actor: User | None,
    kind: Kind,
    recipients: Iterable[User],
    operation_id: uuid.UUID | None,
    operation_code: str,
    target: str,
    sections: Sequence[str] = (),
    calendar: CalendarEntry | None = None,
) -> list[Notification]:
    """Notify each recipient once (never the actor, who did it, nor an inactive account), with its e-mail
    in the outbox where the recipient wants it, queued when the caller's transaction commits. Rule: no
    case content — the kind, the operation's code, plan section names, an interview's times, a path."""
    with transaction.atomic():
        people = {u.pk: u for u in recipients if u.is_active and (actor is None or u.pk != actor.pk)}
        created: list[Notification] = []
        outbox: list[uuid.UUID] = []
        now = timezone.now()
        for user in sorted(people.values(), key=lambda u: u.username):
            notification = Notification(
                recipient=user,
                kind=kind,
                operation_id=operation_id,
                operation_code=operation_code,
                sections=list(sections),
                target=target,
                calendar_uid=calendar.uid if calendar else "",
                replaces_uid=calendar.replaces_uid if calendar else "",
                starts_at=calendar.starts_at if calendar else None,
                ends_at=calendar.ends_at if calendar else None,
            )
            notification.full_clean()
            notification.save()
            created.append(notification)
            address = email_address(user)
            if address and wants_email(user, kind):
                delivery = Delivery(notification=notification, address=address, next_attempt_at=now)
                delivery.full_clean()
                delivery.save()
                outbox.append(delivery.pk)
        if created:
            record(
                actor=actor,
                actor_label="" if actor else "haven",
                event=AuditEvent.NOTIFICATIONS_SENT,
                target_type="notification",
                operation_id=operation_id,
                details={"kind": kind.value, "count": len(created)},
            )
        tasks.enqueue_on_commit(outbox)
    return created


@transaction.atomic
def notification_mark_read(*, actor: User, notification_id: uuid.UUID, read: bool = True) -> Notification:
    """Mark one of the actor's notifications read (or unread again). Rule: only the recipient."""
    notification = notification_for(actor, notification_id)
    if (notification.read_at is not None) == read:
        return notification
    notification.read_at = timezone.now() if read else None
    notification.save(update_fields=["read_at", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.NOTIFICATION_READ,
        target=notification,
        operation_id=notification.operation_id,
        details={"status": "read" if read else "unread"},
    )
    return notification


@transaction.atomic
def notifications_mark_all_read(*, actor: User) -> int:
    """Mark every unread notification of the actor read; returns how many."""
    count = (
        notifications_for(actor)
        .filter(read_at__isnull=True)
        .update(read_at=timezone.now(), updated_at=timezone.now())
    )
    if count:
        record(
            actor=actor,
            event=AuditEvent.NOTIFICATION_READ,
            target_type="notification",
            details={"status": "read", "count": count},
        )
    return count


@transaction.atomic
def notification_preferences_set(*, actor: User, address: str, by_email: Iterable[str]) -> list[str]:
    """Set where the actor's e-mail goes and which kinds they want by e-mail. Rules: their own choices only;
    an address Django's validator accepts (or none: no e-mail); danger alerts stay on whatever is chosen.
    Returns the kinds e-mailed."""
    chosen = set(by_email)
    unknown = sorted(chosen - set(Kind.values))
    problems = [Problem("by_email", f"'{k}' is not one of {', '.join(Kind.values)}") for k in unknown]
    settings_, _ = EmailSettings.objects.get_or_create(user=actor)
    settings_.address = address.strip()
    try:
        settings_.full_clean()
    except ValidationError:
        problems.append(Problem("address", "is an e-mail address such as name@agency.example, or empty"))
    if problems:
        raise ValidationFailed(problems, what="notification preferences")
    settings_.save()
    emailed = sorted({*chosen, *ALWAYS_EMAILED})
    for kind in Kind.values:
        Preference.objects.update_or_create(user=actor, kind=kind, defaults={"by_email": kind in emailed})
    record(
        actor=actor,
        event=AuditEvent.NOTIFICATION_PREFERENCES_CHANGED,
        target=actor,
        details={"kinds": emailed, "status": "address set" if settings_.address else "no address"},
    )
    return emailed
