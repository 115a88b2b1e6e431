"""Admins manage accounts and agencies in Haven's pages and in the Django admin, audited either way."""

from __future__ import annotations

import pytest

from haven.accounts.models import AccountChange, Agency, User
from haven.audit.models import AuditRecord

pytestmark = pytest.mark.django_db


def test_admin_creates_an_account_in_their_agency_with_roles_and_interviewing_profile(persona, client_for):
    agency = persona("admin").agency
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "new.advocate",
            "name": "Nia Newcomer",
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
    assert user.agency == agency
    event = AuditRecord.objects.get(event_type="account.created", target_id=str(user.pk))
    assert event.actor_label == "adm.admin"


def test_a_weak_password_is_refused_naming_the_field(persona, client_for):
    persona("advocate")
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "weak.one",
            "name": "Wes Weak",
            "password": "short",
        },
    )
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(username="weak.one").exists()


@pytest.mark.parametrize("typed", ["english", "en_US", "und"])
def test_a_bad_language_tag_is_refused_and_nothing_is_stored(persona, client_for, typed):
    persona("advocate")
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "lang.bad",
            "name": "Lan Bad",
            "languages": f"en, {typed}",
            "password": "sparrow lantern quilt 55",
        },
    )
    page = response.content.decode()
    assert "(e.g. en, es, yue, zh-Hant)" in page
    assert "Languages spoken (BCP 47 tags" in page
    assert not User.objects.filter(username="lang.bad").exists()


def test_an_interpreter_of_cantonese_and_traditional_chinese_is_recorded_with_bcp_47_tags(
    persona, client_for
):
    persona("advocate")
    response = client_for("admin").post(
        "/manage/users/new/",
        {
            "username": "cantonese.interpreter",
            "name": "Kam Interpreter",
            "languages": "en, YUE, zh-hant, zh-cmn",
            "password": "sparrow lantern quilt 55",
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="cantonese.interpreter")
    assert sorted(user.language_codes) == ["cmn", "en", "yue", "zh-Hant"]
    edit = client_for("admin").get(f"/manage/users/{user.pk}/").content.decode()
    assert "zh-Hant" in edit


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
    user = persona("investigator")
    admin = client_for("admin")
    response = admin.post(
        f"/django-admin/accounts/user/{user.pk}/change/",
        {
            "name": "Ivy Investigator-Renamed",
            "agency": str(user.agency_id),
            "gender": "female",
            "is_active": "on",
            "is_coordinator": "on",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    user.refresh_from_db()
    assert user.name == "Ivy Investigator-Renamed"
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
    refused = client.post(f"/manage/users/{admin_user.pk}/", {**form, "roles": ["admin", "coordinator"]})
    assert refused.status_code == 403
    assert "You cannot change your own agency or roles; another admin can." in refused.content.decode()
    # the account page has no agency to choose: a move is proposed, and another admin decides it
    client.post(f"/manage/users/{admin_user.pk}/", {**form, "agency": str(harbor.pk)})
    django_admin = client.post(
        f"/django-admin/accounts/user/{admin_user.pk}/change/",
        {"name": admin_user.name, "agency": str(harbor.pk), "is_active": "on", "is_admin": "on"},
    )
    assert django_admin.status_code == 403
    admin_user.refresh_from_db()
    assert (admin_user.agency_id, admin_user.is_coordinator) == (home, False)
    assert (
        AuditRecord.objects.filter(event_type="access.denied", actor_label=admin_user.username).count() == 2
    )
    renamed = client.post(f"/manage/users/{admin_user.pk}/", {**form, "name": "Adam Admin-Renamed"})
    assert admin_user.agency_id == home
    assert renamed.status_code == 302
    admin_user.refresh_from_db()
    assert admin_user.name == "Adam Admin-Renamed"


# --- changes that take two admins (issue 12) -----------------------------------------------------------


def _second_admin(slug: str, username: str) -> User:
    from haven.accounts import services
    from tests.personas import PASSWORD, agency, secret_for

    user = services.user_create(
        actor=None,
        username=username,
        name=username.title(),
        agency=agency(slug),
        password=PASSWORD,
        roles=["admin"],
    )
    services.second_factor_provision(actor=None, user=user, secret_base32=secret_for(username))
    return user


def _client_of(user: User):
    from django.test import Client

    from tests.personas import sign_in

    client = Client()
    sign_in(client, user)
    return client


def test_an_account_in_another_agency_is_proposed_on_one_page_and_approved_by_its_admin(persona, client_for):
    legal = persona("attorney").agency
    proposer = client_for("admin")
    proposed = proposer.post(
        "/manage/changes/",
        {
            "proposal": "create_account",
            "create_account-username": "lee.lawyer",
            "create_account-name": "Lee Lawyer",
            "create_account-agency": str(legal.pk),
            "create_account-roles": [],
        },
    )
    assert proposed.status_code == 302
    assert not User.objects.filter(username="lee.lawyer").exists()
    legal_admin = _second_admin("legal-aid", "lou.legaladmin")
    waiting = proposer.get("/manage/changes/").content.decode()
    assert "Waiting for an admin of Metro Immigrant Legal Aid" in waiting
    change = AccountChange.objects.get()
    # the proposer cannot approve it
    assert (
        proposer.post(
            f"/manage/changes/{change.pk}/approve/", {f"{change.pk}-password": "x" * 20}
        ).status_code
        == 403
    )
    approver = _client_of(legal_admin)
    page = approver.get("/manage/changes/").content.decode()
    assert "Approve and carry out" in page
    approved = approver.post(
        f"/manage/changes/{change.pk}/approve/", {f"{change.pk}-password": "willow harbour candle 42"}
    )
    assert approved.status_code == 302
    user = User.objects.get(username="lee.lawyer")
    assert user.agency == legal
    assert user.check_password("willow harbour candle 42")


def test_a_proposal_with_problems_names_its_fields(persona, client_for):
    response = client_for("admin").post(
        "/manage/changes/",
        {"proposal": "create_account", "create_account-username": "Bad Name", "create_account-name": "",
         "create_account-agency": str(persona("attorney").agency_id)},
    )  # fmt: skip
    assert response.status_code == 400
    html = response.content.decode()
    assert 'id="id_create_account-name_error"' in html
    assert not AccountChange.objects.exists()


def test_the_agency_page_does_not_change_a_type(persona, client_for):
    lingua = persona("interpreter").agency
    client_for("admin").post(
        f"/manage/agencies/{lingua.pk}/", {"name": lingua.name, "type": "law_enforcement", "is_active": "on"}
    )
    lingua.refresh_from_db()
    assert lingua.type == "interpreter_service"


def test_an_admin_lists_and_opens_only_their_agencys_accounts(persona, client_for):
    attorney = persona("attorney")
    client = client_for("admin")
    listed = client.get("/manage/users/").content.decode()
    assert "adm.admin" in listed
    assert attorney.username not in listed
    assert client.get(f"/manage/users/{attorney.pk}/").status_code == 404
    assert client.post(f"/manage/users/{attorney.pk}/reset-second-factor/").status_code == 404


def test_another_agency_is_deactivated_only_by_two_admins_and_the_page_says_who_decides(persona, client_for):
    """The insider review deactivated the provider and the forensic interviewers alone from the agency page."""
    harbor = persona("advocate").agency
    proposer = client_for("admin")
    refused = proposer.post(f"/manage/agencies/{harbor.pk}/", {"name": harbor.name, "type": harbor.type})
    assert refused.status_code == 403
    assert "deactivating or reactivating another agency takes two admins" in refused.content.decode()
    harbor.refresh_from_db()
    assert harbor.is_active
    proposed = proposer.post(
        "/manage/changes/", {"proposal": "deactivate_agency", "deactivate_agency-agency": str(harbor.pk)}
    )
    assert proposed.status_code == 302
    waiting = proposer.get("/manage/changes/").content.decode()
    assert "Waiting for an admin of another agency than Metro City Police Department" in waiting
    change = AccountChange.objects.get(kind="deactivate_agency")
    colleague = _client_of(_second_admin("metro-pd", "max.metroadmin"))
    assert colleague.post(f"/manage/changes/{change.pk}/approve/").status_code == 404  # not theirs to decide
    approver = _client_of(_second_admin("legal-aid", "lou.legaladmin"))
    assert approver.post(f"/manage/changes/{change.pk}/approve/").status_code == 302
    harbor.refresh_from_db()
    assert not harbor.is_active


def test_the_changes_page_title_is_plain_text_and_each_agency_field_says_what_it_is_for(client_for):
    html = client_for("admin").get("/manage/changes/").content.decode()
    title = html[html.index("<title>") : html.index("</title>")]
    assert "<" not in title.removeprefix("<title>")
    for label in ("Agency to deactivate", "Agency to reactivate", "To agency"):
        assert label in html
