"""Sending the e-mail outbox: one attempt at a time, retried with growing delays, never sent twice.

Rule (issue 14): sending never blocks a request and never loses a message. A `Delivery` is written with
the event that raised it; the worker (`haven worker`) runs `attempt` for it, and on a failure schedules
the next attempt (30 s, doubling, at most an hour apart) until `HAVEN_EMAIL_MAX_ATTEMPTS` have failed.
Whatever was due and never tried (a task lost between the commit and the queue) is found by `due`.
"""

from __future__ import annotations

import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.notifications import email
from haven.notifications.models import Delivery, DeliveryStatus

logger = logging.getLogger(__name__)

FIRST_RETRY = timedelta(seconds=30)
LONGEST_WAIT = timedelta(hours=1)
# how long one attempt may hold a delivery before another may try it (an SMTP timeout is far shorter)
CLAIM = timedelta(minutes=5)
# a delivery due this long without an attempt lost its task: the sweep queues it again
OVERDUE = timedelta(minutes=1)


def max_attempts() -> int:
    return int(getattr(settings, "HAVEN_EMAIL_MAX_ATTEMPTS", 12))


def retry_delay(failures: int) -> timedelta:
    """The wait after the n-th failed attempt: 30 s, 1 min, 2 min … at most an hour."""
    wait: timedelta = FIRST_RETRY * (2 ** max(failures - 1, 0))
    return min(wait, LONGEST_WAIT)


@dataclass(frozen=True)
class Attempt:
    """What one attempt did: `sent`, `retry` (at `retry_at`), `failed` (no retry left) or `skipped`
    (already sent, not due yet, or being sent by another attempt)."""

    outcome: str
    retry_at: datetime | None = None


def _claim(delivery_id: uuid.UUID, now: datetime) -> Delivery | None:
    """Take the delivery for this attempt, if it is pending, due and nobody else holds it."""
    taken = (
        Delivery.objects.filter(pk=delivery_id, status=DeliveryStatus.PENDING, next_attempt_at__lte=now)
        .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
        .update(claimed_until=now + CLAIM, updated_at=now)
    )
    if not taken:
        return None
    return Delivery.objects.select_related("notification").get(pk=delivery_id)


def attempt(delivery_id: uuid.UUID) -> Attempt:
    """Try to send one delivery's e-mail once, and record what happened (audited, with the attempt's
    number and the error's kind only)."""
    now = timezone.now()
    delivery = _claim(delivery_id, now)
    if delivery is None:
        return Attempt("skipped")
    notification = delivery.notification
    error = ""
    try:
        outgoing = email.message(notification, delivery.address)
        outgoing.connection = get_connection(timeout=getattr(settings, "EMAIL_TIMEOUT", None) or 30)
        if outgoing.send(fail_silently=False) != 1:
            error = "the mail server accepted no message"
    except Exception as failure:  # any failure of the mail server is retried, never lost
        error = type(failure).__name__
        logger.warning("E-mail of notification %s failed (%s); it will be retried", notification.pk, error)
    finished = timezone.now()
    with transaction.atomic():
        delivery.attempts += 1
        delivery.claimed_until = None
        if not error:
            delivery.status, delivery.sent_at, delivery.last_error = DeliveryStatus.SENT, finished, ""
            result = Attempt("sent")
        elif delivery.attempts >= max_attempts():
            delivery.status, delivery.last_error = DeliveryStatus.FAILED, error[:200]
            result = Attempt("failed")
        else:
            delivery.next_attempt_at = finished + retry_delay(delivery.attempts)
            delivery.last_error = error[:200]
            result = Attempt("retry", retry_at=delivery.next_attempt_at)
        delivery.full_clean()
        delivery.save()
        record(
            actor=None,
            actor_label="haven",
            event=AuditEvent.NOTIFICATION_EMAILED,
            outcome=Outcome.SUCCESS if not error else Outcome.FAILURE,
            target=notification,
            operation_id=notification.operation_id,
            details={"kind": notification.kind, "attempt": delivery.attempts, "status": delivery.status},
        )
    return result


def due(now: datetime | None = None) -> list[uuid.UUID]:
    """Pending deliveries overdue with no attempt under way: their task was lost, or never queued. Each is
    marked as looked after (due again only after another `OVERDUE`), so a sweep does not queue it twice."""
    now = now or timezone.now()
    with transaction.atomic():
        overdue = list(
            Delivery.objects.filter(status=DeliveryStatus.PENDING, next_attempt_at__lte=now - OVERDUE)
            .filter(Q(claimed_until__isnull=True) | Q(claimed_until__lt=now))
            .values_list("pk", flat=True)[:500]
        )
        Delivery.objects.filter(pk__in=overdue).update(next_attempt_at=now, updated_at=now)
    return overdue
