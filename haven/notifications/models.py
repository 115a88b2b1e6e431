"""Notifications: what needs a user's attention, read or not; what they want by e-mail; the e-mail outbox.

A notification carries no case content: its kind, the operation's code, when, and where to look once
signed in (`target`, a path on Haven that checks access itself when opened). E-mail is sent from the
outbox (`Delivery`), written in the same transaction as the event, so a message is never lost: the worker
sends it, retries it, and sweeps up any whose task went missing.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from haven.core.models import BaseModel


class Kind(models.TextChoices):
    """What needs the user: one kind per event that notifies (issue 14)."""

    DANGER = "danger", "Imminent danger raised"
    SEPARATION = "separation", "Separation alert"
    INTERVIEW_BOOKED = "interview_booked", "Interview booked"
    INTERVIEW_MOVED = "interview_moved", "Interview moved"
    INTERVIEW_CANCELLED = "interview_cancelled", "Interview cancelled"
    PLAN_AMENDED = "plan_amended", "Plan amended"
    BRIEFING_AMENDED = "briefing_amended", "Service briefing amended"
    CONSENT_REVOKED = "consent_revoked", "Consent revoked"


# Danger alerts reach everyone they are meant for by e-mail too: no preference turns them off.
ALWAYS_EMAILED = frozenset({Kind.DANGER})


class Notification(BaseModel):
    """One thing that needs one user. Rule: no case content — the kind, the operation's code, the plan
    sections an amendment changed (for those who read the full plan), an interview's times (for the
    interviewer's calendar), and a path behind sign-in."""

    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    # the operation by id and code, not by key: notifications sit below operations (docs/architecture.md)
    operation_id = models.UUIDField(null=True, blank=True)
    operation_code = models.CharField(max_length=32, blank=True)
    sections = models.JSONField(default=list, blank=True)
    target = models.CharField(max_length=300)
    # an interview's calendar entry (booked, moved, cancelled): its id and times, never who or where
    calendar_uid = models.CharField(max_length=80, blank=True)
    replaces_uid = models.CharField(max_length=80, blank=True)
    starts_at = models.DateTimeField(null=True, blank=True)
    ends_at = models.DateTimeField(null=True, blank=True)
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-created_at",)
        indexes = [models.Index(fields=["recipient", "read_at"], name="notification_unread_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} · {self.operation_code}"


class EmailSettings(BaseModel):
    """Where a user's e-mail goes (their own choice, on the notification page)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_email"
    )
    address = models.EmailField(blank=True)

    class Meta:
        ordering = ("user",)

    def __str__(self) -> str:
        return f"e-mail of {self.user_id}"


class Preference(BaseModel):
    """Whether a user wants one kind by e-mail. No row: yes. Danger alerts ignore it (ALWAYS_EMAILED)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notification_preferences"
    )
    kind = models.CharField(max_length=24, choices=Kind.choices)
    by_email = models.BooleanField(default=True)

    class Meta:
        ordering = ("user", "kind")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="unique_notification_preference")
        ]

    def __str__(self) -> str:
        return f"{self.user_id}:{self.kind}={self.by_email}"


class DeliveryStatus(models.TextChoices):
    PENDING = "pending", "Waiting to be sent"
    SENT = "sent", "Sent"
    FAILED = "failed", "Not delivered after every retry"


class Delivery(BaseModel):
    """The e-mail of one notification: the outbox row the worker sends from. `claimed_until` keeps two
    workers (or a task and the sweep) from sending it twice; `last_error` names the error's kind only."""

    notification = models.OneToOneField(Notification, on_delete=models.CASCADE, related_name="delivery")
    address = models.EmailField()
    status = models.CharField(max_length=8, choices=DeliveryStatus.choices, default=DeliveryStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(default=0)
    next_attempt_at = models.DateTimeField()
    claimed_until = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    last_error = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ("next_attempt_at",)
        verbose_name_plural = "deliveries"
        indexes = [models.Index(fields=["status", "next_attempt_at"], name="delivery_due_idx")]

    def __str__(self) -> str:
        return f"{self.notification_id}:{self.status}"
