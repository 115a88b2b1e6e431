"""Access-matrix rows for the foundation's routes: signing in, accounts, agencies, the audit trail, the
Django admin. Statuses: 200 page, 302 redirect (to sign-in for the anonymous), 403 refused, 404 hidden or
missing, 405 wrong method. "*" is every persona not named."""

from __future__ import annotations

from haven.accounts import services
from tests.personas import PASSWORD, agency, make_user

A = "anonymous"
U = "unverified"
MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    "": ("GET", {A: 302, U: 302, "*": 200}),
    "healthz": ("GET", {"*": 200}),
    "sign-in/": ("GET", {A: 200, U: 200, "*": 302}),
    "sign-in/code/": ("GET", {A: 302, U: 200, "*": 302}),
    "sign-in/enrol/": ("GET", {A: 302, U: 302, "*": 302}),
    "sign-out/": ("GET", {A: 302, "*": 405}),
    "account/password/": ("GET", {A: 302, U: 302, "*": 200}),
    "audit/": ("GET", {A: 302, U: 302, "auditor": 200, "*": 403}),
    "audit/export.csv": ("GET", {A: 302, U: 302, "auditor": 200, "*": 403}),
    "audit/verify/": ("POST", {A: 302, U: 302, "auditor": 302, "*": 403}),
    "manage/users/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/new/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/<uuid:user_id>/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/users/<uuid:user_id>/<slug:action>/": ("POST", {A: 302, U: 302, "admin": 302, "*": 403}),
    "manage/agencies/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/agencies/new/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/agencies/<uuid:agency_id>/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/changes/": ("GET", {A: 302, U: 302, "admin": 200, "*": 403}),
    "manage/changes/<uuid:change_id>/<slug:decision>/": ("POST", {A: 302, U: 302, "admin": 302, "*": 403}),
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


def arrange() -> dict[str, str]:
    # an account of the admin persona's own agency (another agency's is hidden: tests/web/test_account_admin.py)
    target = make_user("investigator")
    # proposed by an admin of another agency: the admin persona is the second person who may decide it
    second_admin = services.user_create(
        actor=None, username="lin.linguaadmin", name="Lin Linguaadmin", agency=agency("lingua"), password=PASSWORD,
        roles=["admin"],
    )  # fmt: skip
    change = services.account_change_propose(
        actor=second_admin, kind="create_account", agency=agency("legal-aid"), username="lee.lawyer", name="Lee Lawyer"
    )  # fmt: skip
    return {
        "<uuid:change_id>": str(change.pk),
        "<slug:decision>": "reject",
        "<uuid:user_id>": str(target.pk),
        "<uuid:agency_id>": str(target.agency_id),
        "<slug:action>": "unlock",
        "accounts/user/<path:object_id>": f"accounts/user/{target.pk}",
        "accounts/agency/<path:object_id>": f"accounts/agency/{target.agency_id}",
        "<path:content_type_id>": "1",
        "<path:object_id>": str(target.pk),
        "^(?P<app_label>accounts)/$": "accounts/",
        "(?P<url>.*)$": "no-such-page/",
    }
