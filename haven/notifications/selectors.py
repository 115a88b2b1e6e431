"""Reading notifications: a user's own, and nobody else's."""

from __future__ import annotations

import uuid
from dataclasses import dataclass

from django.db.models import QuerySet

from haven.access.policies import may_read_notification
from haven.accounts.models import User
from haven.core.errors import NotFound
from haven.notifications.models import ALWAYS_EMAILED, EmailSettings, Kind, Notification, Preference

PAGE = 100


def email_address(user: User) -> str:
    return EmailSettings.objects.filter(user=user).values_list("address", flat=True).first() or ""


def notifications_for(actor: User) -> QuerySet[Notification]:
    """The actor's notifications, newest first, with their e-mail's state: those addressed to the actor,
    the only ones the policy (`may_read_notification`) lets anyone read."""
    if not may_read_notification(actor, actor.pk):
        return Notification.objects.none()
    return Notification.objects.filter(recipient=actor).select_related("delivery").order_by("-created_at")


def unread_count(actor: User) -> int:
    """How many of the actor's notifications are unread (the header's count)."""
    if not actor.is_authenticated:
        return 0
    return notifications_for(actor).filter(read_at__isnull=True).count()


def notification_for(actor: User, notification_id: uuid.UUID) -> Notification:
    """Fetch and authorise: the actor's own notification; anyone else's and a missing one look the same."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None or not may_read_notification(actor, notification.recipient_id):
        raise NotFound("No such notification.")
    return notification


@dataclass(frozen=True)
class Choice:
    kind: str
    label: str
    by_email: bool
    locked: bool  # danger alerts: always e-mailed


def preferences_for(actor: User) -> tuple[str, list[Choice]]:
    """The actor's e-mail address and, per kind, whether it is e-mailed."""
    chosen = dict(Preference.objects.filter(user=actor).values_list("kind", "by_email"))
    return email_address(actor), [
        Choice(
            kind=kind,
            label=label,
            by_email=kind in ALWAYS_EMAILED or chosen.get(kind, True),
            locked=kind in ALWAYS_EMAILED,
        )
        for kind, label in Kind.choices
    ]
