"""Signing in (password, then TOTP), enrolling an authenticator, signing out."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods, require_POST

from haven.accounts import services
from haven.accounts.models import User
from haven.accounts.otp import second_factor_passed
from haven.core.errors import ValidationFailed
from haven.web.forms import CodeForm, PasswordChangeForm, SignInForm

SIGN_IN_REFUSED = (
    "The username or password is not right, or the account is locked. After five failed attempts an "
    "account stays locked until an administrator unlocks it."
)
NEXT_KEY = "haven_next"


def _safe_next(request: HttpRequest, target: str | None) -> str:
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}):
        return target
    return reverse("web:home")


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in(request: HttpRequest) -> HttpResponse:
    if second_factor_passed(request.user):
        return redirect("web:home")
    form = SignInForm(request.POST or None)
    if request.method == "POST":
        wait = services.sign_in_throttle()
        if wait:
            response = render(request, "web/sign_in.html", {"form": SignInForm(), "wait": wait}, status=429)
            response["Retry-After"] = str(wait)
            return response
    if request.method == "POST" and form.is_valid():
        user = services.sign_in_password(
            request=request, username=form.cleaned_data["username"], password=form.cleaned_data["password"]
        )
        if user is not None:
            request.session[NEXT_KEY] = _safe_next(request, request.GET.get("next"))
            if user.must_change_password:
                return redirect("web:password")
            if services.confirmed_device(user) is None:
                services.second_factor_enrolment_start(request=request, user=user)
                return redirect("web:enrol")
            return redirect("web:sign-in-code")
        form.add_error(None, SIGN_IN_REFUSED)
    expired = request.GET.get("expired") == "1"
    return render(request, "web/sign_in.html", {"form": form, "expired": expired}, status=200)


def _after_second_factor(request: HttpRequest) -> HttpResponse:
    return HttpResponseRedirect(_safe_next(request, request.session.pop(NEXT_KEY, None)))


@never_cache
@require_http_methods(["GET", "POST"])
def sign_in_code(request: HttpRequest) -> HttpResponse:
    user = request.user
    if not isinstance(user, User):
        return redirect("web:sign-in")
    if second_factor_passed(user):
        return redirect("web:home")
    if services.confirmed_device(user) is None:
        return redirect("web:enrol")
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.sign_in_second_factor(request=request, user=user, token=form.cleaned_data["code"]):
            return _after_second_factor(request)
        if not request.user.is_authenticated:
            messages.error(request, SIGN_IN_REFUSED)
            return redirect("web:sign-in")
        form.add_error("code", "That code is not right. Use the current code from your authenticator app.")
    return render(request, "web/sign_in_code.html", {"form": form})


@never_cache
@require_http_methods(["GET", "POST"])
def enrol(request: HttpRequest) -> HttpResponse:
    import segno  # noqa: PLC0415 - only this page draws QR codes

    user = request.user
    if not isinstance(user, User):
        return redirect("web:sign-in")
    if services.confirmed_device(user) is not None:
        return redirect("web:home" if second_factor_passed(user) else "web:sign-in-code")
    # The secret this session is enrolling, shown again on a reload (browsers also fetch the page for
    # its icon); a new one when this session has none, or another sign-in has since started enrolment.
    device = services.enrolment_device(request, user)
    if device is None:
        if request.method == "POST":
            return redirect("web:enrol")
        device = services.second_factor_enrolment_start(request=request, user=user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if services.second_factor_enrol(request=request, user=user, token=form.cleaned_data["code"]):
            messages.success(request, "Your authenticator is set up.")
            return _after_second_factor(request)
        if not request.user.is_authenticated:
            messages.error(request, SIGN_IN_REFUSED)
            return redirect("web:sign-in")
        form.add_error(
            "code", "That code is not right. Check the time on your phone and try the current code."
        )
    qr_svg = segno.make(device.config_url, error="m").svg_inline(
        scale=5,
        dark="#111",
        light="#fff",
        omitsize=True,
        border=4,
        title="QR code for your authenticator app",
    )
    secret = services.totp_secret_base32(device)
    grouped = " ".join(secret[i : i + 4] for i in range(0, len(secret), 4))
    return render(request, "web/enrol.html", {"form": form, "qr_svg": qr_svg, "secret": grouped})


@require_POST
def sign_out(request: HttpRequest) -> HttpResponse:
    user = request.user
    if isinstance(user, User):
        services.sign_out(request=request, user=user)
    messages.info(request, "You are signed out. Every session of your account has ended.")
    return redirect("web:sign-in")


@never_cache
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = request.user
    assert isinstance(user, User)
    first = user.must_change_password
    then_enrol = first and services.confirmed_device(user) is None
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            changed = services.password_change(
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except ValidationFailed as error:
            for problem in error.problems:
                form.add_error("new_password", problem.message)
        else:
            if changed:
                messages.success(
                    request,
                    "Your password is changed. Sign in with it to set up your authenticator."
                    if then_enrol
                    else "Your password is changed. Every session of your account has ended.",
                )
                return redirect("web:sign-in")
            user.refresh_from_db()
            if user.is_locked:
                logout(request)
                messages.error(request, SIGN_IN_REFUSED)
                return redirect("web:sign-in")
            form.add_error(
                "current_password",
                "This is not your current password. Five wrong attempts in a row lock the account.",
            )
    return render(request, "web/password.html", {"form": form, "first": first, "then_enrol": then_enrol})
