"""Session lifetime and the second factor, enforced for every request before any view runs."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode

from haven.accounts.otp import second_factor_passed
from haven.accounts.services import LAST_ACTIVITY, SIGNED_IN_AT, session_expire

# Pages a person must reach before the second factor: signing in, enrolling, signing out.
_BEFORE_SECOND_FACTOR = ("web:sign-in", "web:sign-in-code", "web:enrol", "web:sign-out")
# The only pages of someone whose password an admin set, until they change it: not even enrolment.
_BEFORE_PASSWORD_CHANGE = ("web:password", "web:sign-out")
_PUBLIC = ("web:sign-in", "web:health")


def _paths(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(reverse(name) for name in names)


def is_auto_refresh(request: HttpRequest) -> bool:
    """A page's own polling says so in a header; it must not count as the person being active."""
    header = "HTTP_" + settings.HAVEN_AUTO_REFRESH_HEADER.upper().replace("-", "_")
    return request.META.get(header) == "1"


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def _to_sign_in(request: HttpRequest, message: str) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"code": "not_authenticated", "message": message}, status=401)
    target = reverse("web:sign-in")
    if request.method == "GET" and not request.headers.get("HX-Request"):
        target += "?" + urlencode({"next": request.get_full_path()})
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


def _to_password_change(request: HttpRequest) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse(
            {
                "code": "password_change_required",
                "message": "Change the password an administrator set first, on the password page.",
            },
            status=401,
        )
    target = reverse("web:password")
    if request.headers.get("HX-Request"):
        response = HttpResponse(status=401)
        response["HX-Redirect"] = target
        return response
    return HttpResponseRedirect(target)


ABSOLUTE = "absolute"
IDLE = "idle"


def lifetime_ended(session: Mapping[str, Any], now: float) -> str | None:
    """Why a session's lifetime has ended at `now` (a timestamp): `ABSOLUTE` (12 hours since sign-in),
    `IDLE` (30 minutes since the person's last activity), or None while it lasts. A session that never
    recorded these times has not ended (the middleware records them at its first request)."""
    started, last = session.get(SIGNED_IN_AT), session.get(LAST_ACTIVITY)
    if started is not None and now - float(started) >= settings.HAVEN_ABSOLUTE_TIMEOUT_SECONDS:
        return ABSOLUTE
    if last is not None and now - float(last) >= settings.HAVEN_IDLE_TIMEOUT_SECONDS:
        return IDLE
    return None


class SessionLifetimeMiddleware:
    """Rule (access-policy.md, "Accounts"): a session ends after 30 minutes without activity — a
    page's own automatic refresh is not activity — and after 12 hours in any case."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if user.is_authenticated:
            now = timezone.now().timestamp()
            if request.session.get(SIGNED_IN_AT) is None:
                request.session[SIGNED_IN_AT] = now
            if request.session.get(LAST_ACTIVITY) is None:
                request.session[LAST_ACTIVITY] = now
            ended = lifetime_ended(request.session, now)
            if ended == ABSOLUTE:
                session_expire(request=request, user=user, reason="12 hours since sign-in")
                return _to_sign_in(request, "Your session reached its 12-hour limit. Please sign in again.")
            if ended == IDLE:
                session_expire(request=request, user=user, reason="30 minutes without activity")
                return _to_sign_in(request, "Your session ended after 30 minutes without activity.")
            if not is_auto_refresh(request):
                request.session[LAST_ACTIVITY] = now
        return self.get_response(request)


class SecondFactorRequiredMiddleware:
    """Rules: every page but signing in, enrolment and signing out needs a signed-in user who has
    passed the second factor (TOTP); someone whose password an admin set reaches only the password page
    (and signing out) until they have changed it — before the second factor, and before enrolment, so
    the secret they enrol is made after only they know the password (issue 12)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response
        self._before_second_factor: frozenset[str] | None = None
        self._before_password_change: frozenset[str] | None = None
        self._public: frozenset[str] | None = None

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if self._before_second_factor is None or self._before_password_change is None or self._public is None:
            self._before_second_factor = _paths(_BEFORE_SECOND_FACTOR)
            self._before_password_change = _paths(_BEFORE_PASSWORD_CHANGE)
            self._public = _paths(_PUBLIC)
        path = request.path
        if path.startswith(f"/{settings.STATIC_URL.strip('/')}/") or path in self._public:
            return self.get_response(request)
        user = request.user
        if not user.is_authenticated:
            return _to_sign_in(request, "Sign in first.")
        if getattr(user, "must_change_password", False):
            if path in self._before_password_change:
                return self.get_response(request)
            return _to_password_change(request)
        if path in self._before_second_factor or second_factor_passed(user):
            return self.get_response(request)
        if _wants_json(request):
            return JsonResponse(
                {"code": "second_factor_required", "message": "Enter your authentication code first."},
                status=401,
            )
        return HttpResponseRedirect(reverse("web:sign-in-code"))
