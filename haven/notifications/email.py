"""The words of a notification, on the page and in its e-mail, and an interview's calendar file.

Rule (issue 14): nothing of the case — no person's code, no name, no place, no text from a record. A
notification says what kind of thing needs the reader, on which operation, and links to Haven, where
signing in and the access policy decide what they see. The calendar file of an interview carries its
times and its id (so a calendar replaces or cancels the same entry), nothing else.
"""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.core.mail import EmailMessage
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar, Event

from haven.notifications.models import Kind, Notification

_WHAT = {
    Kind.DANGER: "Imminent danger was raised",
    Kind.SEPARATION: "A separation alert was raised",
    Kind.INTERVIEW_BOOKED: "An interview was booked for you",
    Kind.INTERVIEW_MOVED: "An interview of yours was moved",
    Kind.INTERVIEW_CANCELLED: "An interview of yours was cancelled",
    Kind.PLAN_AMENDED: "The plan was amended",
    Kind.BRIEFING_AMENDED: "The service briefing changed",
    Kind.CONSENT_REVOKED: "A consent naming your agency was revoked",
}


def headline(notification: Notification) -> str:
    """One line: what happened, and on which operation."""
    what = _WHAT[Kind(notification.kind)]
    return f"{what} on operation {notification.operation_code}" if notification.operation_code else what


def detail(notification: Notification) -> str:
    """What else a reader may know without signing in: the sections an amendment changed."""
    if notification.kind == Kind.PLAN_AMENDED and notification.sections:
        return "Sections changed: " + ", ".join(notification.sections) + "."
    return ""


def base_url() -> str:
    return str(getattr(settings, "HAVEN_BASE_URL", "http://127.0.0.1:8000")).rstrip("/")


def link(notification: Notification) -> str:
    """The notification's own address on Haven: it needs sign-in, marks it read and opens what it is about."""
    return base_url() + reverse("web:notification-open", kwargs={"notification_id": notification.pk})


def calendar_file(notification: Notification) -> bytes | None:
    """The interview's calendar entry (new, moved or cancelled), or None for other kinds."""
    if not notification.calendar_uid or notification.starts_at is None or notification.ends_at is None:
        return None
    calendar = Calendar()
    calendar.add("prodid", "-//Haven//Interview schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("method", "PUBLISH")
    stamp: datetime = timezone.now()
    summary = f"Interview · {notification.operation_code}"
    if notification.replaces_uid:
        calendar.add_component(
            _event(notification.replaces_uid, stamp, notification, summary, cancelled=True)
        )
    cancelled = notification.kind == Kind.INTERVIEW_CANCELLED
    calendar.add_component(
        _event(notification.calendar_uid, stamp, notification, summary, cancelled=cancelled)
    )
    return bytes(calendar.to_ical())


def _event(uid: str, stamp: datetime, notification: Notification, summary: str, *, cancelled: bool) -> Event:
    event = Event()
    event.add("uid", uid)
    event.add("dtstamp", stamp)
    event.add("dtstart", notification.starts_at)
    event.add("dtend", notification.ends_at)
    # a later change to the same entry must win in the reader's calendar
    event.add("sequence", int(stamp.timestamp()))
    event.add("summary", summary)
    event.add("url", link(notification))
    if cancelled:
        event.add("status", "CANCELLED")
    return event


def message(notification: Notification, address: str) -> EmailMessage:
    """The e-mail of a notification: the headline, the link, and the calendar file of an interview."""
    lines = [headline(notification) + "."]
    if more := detail(notification):
        lines.append(more)
    lines += [
        "",
        f"Sign in to Haven to see it: {link(notification)}",
        "",
        "Haven's e-mails never carry case details. To choose which notifications reach you by e-mail: "
        + base_url()
        + reverse("web:notifications"),
    ]
    email = EmailMessage(
        subject=f"Haven: {headline(notification)}",
        body="\n".join(lines),
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[address],
    )
    if (ics := calendar_file(notification)) is not None:
        email.attach(f"{notification.operation_code}-interview.ics", ics, "text/calendar")
    return email
