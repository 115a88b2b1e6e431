"""The access-control matrix: every route × every persona, read as a table.

A new route that is not in MATRIX fails `test_every_route_is_in_the_matrix`: add its row in the same
commit as the route. Statuses: 200 page, 302 redirect (to sign-in for the anonymous), 403 refused,
404 hidden or missing, 405 wrong method.
"""

from __future__ import annotations

import pytest
from django.test import Client

from haven.accounts.models import Agency, User
from tests.access.routes import all_routes
from tests.personas import PASSWORD, make_user, sign_in

PERSONAS = ("anonymous", "unverified", "investigator", "advocate", "auditor", "admin")

# route pattern → (method, {persona: expected status}); "*" is every persona not named.
A = "anonymous"
U = "unverified"
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "": ("GET", {A: 302, U: 302, "*": 200}),
    "sign-in/": ("GET", {A: 200, U: 200, "*": 302}),
    "sign-in/code/": ("GET", {A: 302, U: 200, "*": 302}),
    "sign-in/enrol/": ("GET", {A: 302, U: 302, "*": 302}),
    "sign-out/": ("GET", {A: 302, "*": 405}),
    "account/password/": ("GET", {A: 302, U: 302, "*": 200}),
    "audit/": ("GET", {A: 302, U: 302, "auditor": 200, "*": 403}),
    "manage/users/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/new/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/<uuid:user_id>/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/<uuid:user_id>/<slug:action>/": ("POST", {A: 302, U: 302, "admin": 302, "*": 403}),
    "manage/agencies/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/agencies/new/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/agencies/<uuid:agency_id>/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    # The Django admin: accounts and agencies only, for admins only; signing in and out is Haven's.
    "django-admin/login/": ("GET", {A: 302, "*": 302}),
    "django-admin/logout/": ("GET", {A: 302, U: 302, "*": 405}),
    "django-admin/password_change/": ("GET", {A: 302, U: 302, "*": 302}),
    "django-admin/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/password_change/done/": ("GET", {A: 302, U: 302, "*": 302}),
    "django-admin/autocomplete/": ("GET", {A: 302, U: 302, "admin": 403, "*": 302}),
    "django-admin/jsi18n/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/r/<path:content_type_id>/<path:object_id>/": (
        "GET",
        {A: 302, U: 302, "admin": 404, "*": 302},
    ),
    "django-admin/accounts/agency/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/agency/add/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/agency/<path:object_id>/history/": (
        "GET",
        {A: 302, U: 302, "admin": 200, "*": 302},
    ),
    "django-admin/accounts/agency/<path:object_id>/delete/": (
        "GET",
        {A: 302, U: 302, "admin": 403, "*": 302},
    ),
    "django-admin/accounts/agency/<path:object_id>/change/": (
        "GET",
        {A: 302, U: 302, "admin": 200, "*": 302},
    ),
    "django-admin/accounts/agency/<path:object_id>/": ("GET", {A: 302, U: 302, "admin": 302, "*": 302}),
    "django-admin/accounts/user/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/user/add/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/user/<path:object_id>/history/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/user/<path:object_id>/delete/": ("GET", {A: 302, U: 302, "admin": 403, "*": 302}),
    "django-admin/accounts/user/<path:object_id>/change/": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/accounts/user/<path:object_id>/": ("GET", {A: 302, U: 302, "admin": 302, "*": 302}),
    "django-admin/^(?P<app_label>accounts)/$": ("GET", {A: 302, U: 302, "admin": 200, "*": 302}),
    "django-admin/(?P<url>.*)$": ("GET", {A: 302, U: 302, "admin": 404, "*": 302}),
}


def _url(pattern: str, target: User, agency: Agency) -> str:
    concrete = {
        "<uuid:user_id>": str(target.pk),
        "<uuid:agency_id>": str(agency.pk),
        "<slug:action>": "unlock",
        "<path:object_id>": str(target.pk if "/user/" in pattern else agency.pk),
        "<path:content_type_id>": "1",
        "^(?P<app_label>accounts)/$": "accounts/",
        "(?P<url>.*)$": "no-such-page/",
    }
    url = pattern
    for placeholder, value in concrete.items():
        url = url.replace(placeholder, value)
    return "/" + url


def _client(key: str) -> Client:
    client = Client()
    if key == "anonymous":
        return client
    if key == "unverified":
        user = make_user("investigator")
        client.post("/sign-in/", {"username": user.username, "password": PASSWORD})
        return client
    sign_in(client, make_user(key))
    return client


def test_every_route_is_in_the_matrix():
    missing = [route.pattern for route in all_routes() if route.pattern not in MATRIX]
    assert missing == [], f"routes without a row in the access-control matrix: {missing}"
    stale = set(MATRIX) - {route.pattern for route in all_routes()}
    assert stale == set(), f"matrix rows for routes that no longer exist: {stale}"


@pytest.mark.django_db
@pytest.mark.parametrize("who", PERSONAS)
def test_matrix(who: str) -> None:
    target = make_user("advocate")
    agency = target.agency
    client = _client(who)
    failures = []
    for pattern, (method, expected) in MATRIX.items():
        url = _url(pattern, target, agency)
        want = expected.get(who, expected.get("*"))
        response = client.post(url) if method == "POST" else client.get(url)
        if response.status_code != want:
            failures.append(f"{method} {url}: {response.status_code}, expected {want}")
        if (
            who in ("anonymous", "unverified")
            and response.status_code == 302
            and pattern not in ("sign-in/code/", "sign-in/enrol/", "django-admin/login/")
        ):
            location = response["Location"]
            assert location.startswith(("/sign-in/", "/django-admin/login/")), f"{url} → {location}"
    assert failures == []
