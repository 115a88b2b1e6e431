"""Admins manage accounts and agencies in Haven's pages and in the Django admin, audited either way."""

from __future__ import annotations

import pytest

from haven.accounts.models import Agency, User
from haven.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_admin_creates_an_account_with_roles_and_interviewing_profile(persona, client_for):
    agency = persona("advocate").agency
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "new.advocate",
            "name": "Nia Newcomer",
            "agency": str(agency.pk),
            "roles": ["coordinator"],
            "gender": "female",
            "interviewer_roles": [],
            "languages": "en, es",
            "password": "sparrow lantern quilt 55",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="new.advocate")
    assert user.is_coordinator
    assert not user.is_admin
    assert user.language_codes == ["en", "es"]
    event = AuditRecord.objects.get(event_type="account.created", target_id=str(user.pk))
    assert event.actor_label == "adm.admin"


def test_a_weak_password_is_refused_naming_the_field(persona, client_for):
    agency = persona("advocate").agency
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "weak.one",
            "name": "Wes Weak",
            "agency": str(agency.pk),
            "password": "short",
        },
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="weak.one").exists()


def test_a_bad_language_code_is_refused_and_nothing_is_stored(persona, client_for):
    agency = persona("advocate").agency
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "lang.bad",
            "name": "Lan Bad",
            "agency": str(agency.pk),
            "languages": "english",
            "password": "sparrow lantern quilt 55",
        },
    )
    assert "is not an ISO 639-1 code" in response.content.decode()
    assert not User.objects.filter(username="lang.bad").exists()


def test_admin_creates_and_renames_an_agency(client_for):
    admin = client_for("admin")
    assert (
        admin.post(
            "/manage/agencies/new/", {"slug": "north-shelter", "name": "North Shelter", "type": "shelter"}
        ).status_code
        == 302
    )
    agency = Agency.objects.get(slug="north-shelter")
    admin.post(
        f"/manage/agencies/{agency.pk}/",
        {"name": "North Shelter House", "type": "shelter", "is_active": "on"},
    )
    agency.refresh_from_db()
    assert agency.name == "North Shelter House"
    assert AuditRecord.objects.filter(event_type="agency.changed", target_id=str(agency.pk)).exists()


def test_a_bad_agency_slug_names_the_field(client_for):
    response = client_for("admin").post(
        "/manage/agencies/new/", {"slug": "Bad Slug", "name": "X", "type": "shelter"}
    )
    assert "Use 1–40 lower-case letters" in response.content.decode()


def test_django_admin_changes_go_through_the_services(persona, client_for):
    user = persona("advocate")
    admin = client_for("admin")
    response = admin.post(
        f"/django-admin/accounts/user/{user.pk}/change/",
        {
            "name": "Ada Advocate-Renamed",
            "agency": str(user.agency_id),
            "gender": "female",
            "is_active": "on",
            "is_coordinator": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.name == "Ada Advocate-Renamed"
    assert user.is_coordinator
    assert AuditRecord.objects.filter(event_type="account.changed", target_id=str(user.pk)).exists()


def test_admin_sees_no_case_content_models_in_the_django_admin(client_for):
    html = client_for("admin").get("/django-admin/").content.decode()
    assert "Agencies" in html
    assert "Users" in html
    assert "Groups" not in html
    assert "TOTP" not in html


def test_changing_ones_password_ends_every_session(persona, client_for):
    client = client_for("investigator")
    response = client.post(
        "/account/password/",
        {
            "current_password": "correct horse battery staple 7",
            "new_password": "meadow kettle orbit 81",
            "new_password_again": "meadow kettle orbit 81",
        },
    )
    assert response["Location"] == "/sign-in/"
    assert client.get("/").status_code == 302
    assert persona("investigator").check_password("meadow kettle orbit 81")


def test_an_admin_cannot_give_themselves_an_agency_or_a_role_but_may_change_their_name(persona, client_for):
    """An admin sees no case content by being admin (access-policy.md): moving oneself into an agency on
    an operation, or making oneself coordinator, takes another admin — in Haven's pages and in the
    Django admin alike; the refusal is audited."""
    admin_user, harbor = persona("admin"), persona("advocate").agency
    home = admin_user.agency_id
    client = client_for("admin")
    form = {
        "username": admin_user.username,
        "name": admin_user.name,
        "agency": str(admin_user.agency_id),
        "roles": ["admin"],
        "gender": "",
        "interviewer_roles": [],
        "languages": "",
    }
    for change in ({"agency": str(harbor.pk)}, {"roles": ["admin", "coordinator"]}):
        refused = client.post(f"/manage/users/{admin_user.pk}/", {**form, **change})
        assert refused.status_code == 403
        assert "You cannot change your own agency or roles; another admin can." in refused.content.decode()
    django_admin = client.post(
        f"/django-admin/accounts/user/{admin_user.pk}/change/",
        {"name": admin_user.name, "agency": str(harbor.pk), "is_active": "on", "is_admin": "on"},
    )
    assert django_admin.status_code == 403
    admin_user.refresh_from_db()
    assert (admin_user.agency_id, admin_user.is_coordinator) == (home, False)
    assert (
        AuditRecord.objects.filter(event_type="access.denied", actor_label=admin_user.username).count() == 3
    )
    renamed = client.post(f"/manage/users/{admin_user.pk}/", {**form, "name": "Adam Admin-Renamed"})
    assert renamed.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.name == "Adam Admin-Renamed"
