"""The notification centre: a user's own notifications, read and unread, and what they want by e-mail.

A notification names the kind of thing and the operation; opening it (the link in its e-mail, too) needs
sign-in, marks it read and goes to the page it is about, which checks access as every page does.
"""

from __future__ import annotations

from typing import Any
from uuid import UUID

from django import forms
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_GET, require_POST

from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.clock import clock_moment
from haven.core.errors import ValidationFailed
from haven.notifications import services
from haven.notifications.email import detail, headline
from haven.notifications.models import ALWAYS_EMAILED, Kind
from haven.notifications.selectors import (
    PAGE,
    notification_for,
    notifications_for,
    preferences_for,
    unread_count,
)
from haven.operations.models import Operation


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PreferencesForm(forms.Form):
    address = forms.CharField(
        label="E-mail address",
        required=False,
        max_length=254,
        help_text="Where Haven e-mails your notifications. Leave empty for none (you still see them here).",
    )
    by_email = forms.MultipleChoiceField(
        label="E-mail me when",
        required=False,
        choices=Kind.choices,
        widget=forms.CheckboxSelectMultiple,
        help_text="Imminent danger is always e-mailed: it cannot be turned off.",
    )


def _page(request: HttpRequest, form: PreferencesForm | None = None, status: int = 200) -> HttpResponse:
    actor = _actor(request)
    address, choices = preferences_for(actor)
    if form is None:
        form = PreferencesForm(
            initial={"address": address, "by_email": [c.kind for c in choices if c.by_email]}
        )
    notifications = list(notifications_for(actor)[:PAGE])
    # dated on each operation's own clock, as every page of an operation is (issue 14)
    offsets: dict[UUID | None, int] = dict(
        Operation.objects.filter(
            pk__in={n.operation_id for n in notifications if n.operation_id}
        ).values_list("pk", "utc_offset_minutes")
    )
    items = [
        {
            "notification": n,
            "headline": headline(n),
            "detail": detail(n),
            "when": clock_moment(n.created_at, offsets.get(n.operation_id, 0)),
        }
        for n in notifications
    ]
    record(
        actor=actor,
        event=AuditEvent.NOTIFICATIONS_VIEWED,
        target_type="notification",
        details={"count": len(items)},
    )
    context: dict[str, Any] = {
        "items": items,
        "unread": unread_count(actor),
        "form": form,
        "locked": sorted(ALWAYS_EMAILED),
        "saved": request.GET.get("saved") == "preferences",
    }
    return render(request, "web/notifications.html", context, status=status)


@require_GET
def notification_list(request: HttpRequest) -> HttpResponse:
    return _page(request)


@require_POST
def notification_preferences(request: HttpRequest) -> HttpResponse:
    form = PreferencesForm(request.POST)
    if form.is_valid():
        try:
            services.notification_preferences_set(
                actor=_actor(request),
                address=form.cleaned_data["address"],
                by_email=form.cleaned_data["by_email"],
            )
        except ValidationFailed as error:
            for problem in error.problems:
                form.add_error(problem.path if problem.path in form.fields else None, problem.message)
        else:
            return HttpResponseRedirect(
                reverse("web:notifications") + "?saved=preferences#preferences", status=303
            )
    return _page(request, form, status=400)


@require_GET
def notification_open(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """The notification's own link: marks it read and opens what it is about (a path on Haven only)."""
    actor = _actor(request)
    notification = notification_for(actor, notification_id)
    services.notification_mark_read(actor=actor, notification_id=notification.pk)
    target = notification.target
    if not target.startswith("/") or not url_has_allowed_host_and_scheme(target, allowed_hosts=None):
        target = reverse("web:notifications")
    return HttpResponseRedirect(target)


@require_POST
def notification_read(request: HttpRequest, notification_id: UUID) -> HttpResponse:
    """Mark one read, or unread again (`read=0`)."""
    services.notification_mark_read(
        actor=_actor(request), notification_id=notification_id, read=request.POST.get("read", "1") != "0"
    )
    return HttpResponseRedirect(reverse("web:notifications") + f"#n-{notification_id}", status=303)


@require_POST
def notification_read_all(request: HttpRequest) -> HttpResponse:
    services.notifications_mark_all_read(actor=_actor(request))
    return HttpResponseRedirect(reverse("web:notifications"), status=303)
