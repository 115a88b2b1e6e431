"""Access-matrix rows for the notification centre: everyone signed in has their own; one's notification is
nobody else's (another's, or a missing one, is 404 alike)."""

from __future__ import annotations

from haven.notifications.models import Kind
from haven.notifications.services import notification_send
from tests.personas import make_user

A = "anonymous"
U = "unverified"
SIGNED_IN = {A: 302, U: 302}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "notifications/": ("GET", {**SIGNED_IN, "*": 200}),
    # an empty form is a choice: no address, nothing by e-mail but danger alerts
    "notifications/preferences/": ("POST", {**SIGNED_IN, "*": 303}),
    "notifications/read-all/": ("POST", {**SIGNED_IN, "*": 303}),
    # the investigator's own notification: opening it goes to what it is about
    "notifications/<uuid:notification_id>/": ("GET", {**SIGNED_IN, "investigator": 302, "*": 404}),
    "notifications/<uuid:notification_id>/read/": ("POST", {**SIGNED_IN, "investigator": 303, "*": 404}),
}


def arrange() -> dict[str, str]:
    (notification,) = notification_send(
        actor=None,
        kind=Kind.SEPARATION,
        recipients=[make_user("investigator")],
        operation_id=None,
        operation_code="NL-2026-12",
        target="/",
    )
    return {"<uuid:notification_id>": str(notification.pk)}
