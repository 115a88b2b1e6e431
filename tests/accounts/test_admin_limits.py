"""Admins manage the accounts of their own agency and never reach case content (issue 12).

Creating an account in another agency, moving an account between agencies or changing an agency's type
is a two-person action: proposed by one admin, carried out only when an admin of the affected agency
approves (for an agency with no admin yet, a second admin); both steps audited. An agency's type cannot
change while it is on an operation with records.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest

from haven.accounts import services
from haven.accounts.models import AccountChange, AccountChangeStatus, User
from haven.audit.models import AuditRecord
from haven.core.errors import Forbidden, NotFound, RuleViolation, ValidationFailed
from tests.personas import PASSWORD, agency

pytestmark = pytest.mark.django_db

NEW_PASSWORD = "a different long passphrase 9"


def _admin_of(slug: str, username: str) -> User:
    return services.user_create(
        actor=None, username=username, name=username.title(), agency=agency(slug), password=PASSWORD,
        roles=["admin"],
    )  # fmt: skip


@pytest.fixture
def admins(persona):
    """The metro-pd admin (persona), an admin of legal aid, and a second metro-pd admin."""
    return {
        "metro": persona("admin"),
        "legal": _admin_of("legal-aid", "lea.legaladmin"),
        "metro2": _admin_of("metro-pd", "max.metroadmin"),
    }


# --- the attack of the issue: an account in another agency -------------------------------------------


def test_an_admin_cannot_create_an_account_in_another_agency_directly(admins):
    with pytest.raises(Forbidden, match="another agency"):
        services.user_create(
            actor=admins["metro"], username="mole", name="Mole", agency=agency("legal-aid"), password=PASSWORD
        )
    assert not User.objects.filter(username="mole").exists()


def test_an_account_in_another_agency_is_created_only_when_its_admin_approves(admins):
    change = services.account_change_propose(
        actor=admins["metro"],
        kind="create_account",
        agency=agency("legal-aid"),
        username="new.attorney",
        name="New Attorney",
        roles=["member"],
    )
    assert change.status == AccountChangeStatus.PENDING
    assert not User.objects.filter(username="new.attorney").exists()
    # neither the proposer nor an admin of another agency may carry it out
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["metro"], change=change, password=NEW_PASSWORD)
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["metro2"], change=change, password=NEW_PASSWORD)
    created = services.account_change_approve(actor=admins["legal"], change=change, password=NEW_PASSWORD)
    change.refresh_from_db()
    assert change.status == AccountChangeStatus.APPROVED
    assert change.decided_by == admins["legal"]
    user = User.objects.get(username="new.attorney")
    assert created == user
    assert user.agency.slug == "legal-aid"
    assert user.check_password(NEW_PASSWORD)  # set by the approver; the proposer never knew it
    events = list(
        AuditRecord.objects.filter(target_id=str(change.pk)).order_by("sequence").values_list("event_type", "actor_label")
    )  # fmt: skip
    assert events == [
        ("account_change.proposed", admins["metro"].username),
        ("account_change.approved", admins["legal"].username),
    ]
    assert AuditRecord.objects.filter(event_type="account.created", target_id=str(user.pk)).exists()


def test_for_an_agency_with_no_admin_yet_a_second_admin_approves(admins):
    change = services.account_change_propose(
        actor=admins["metro"], kind="create_account", agency=agency("lingua"), username="lin.admin",
        name="Lin Admin", roles=["admin"],
    )  # fmt: skip
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["metro"], change=change, password=NEW_PASSWORD)
    services.account_change_approve(actor=admins["legal"], change=change, password=NEW_PASSWORD)
    assert User.objects.get(username="lin.admin").agency.slug == "lingua"


def test_a_rejected_or_withdrawn_proposal_changes_nothing(admins):
    change = services.account_change_propose(
        actor=admins["metro"], kind="create_account", agency=agency("legal-aid"), username="no.one", name="No One"
    )  # fmt: skip
    with pytest.raises(Forbidden):
        services.account_change_reject(actor=admins["metro2"], change=change)
    services.account_change_reject(actor=admins["legal"], change=change)
    with pytest.raises(RuleViolation):
        services.account_change_approve(actor=admins["legal"], change=change, password=NEW_PASSWORD)
    other = services.account_change_propose(
        actor=admins["metro"], kind="create_account", agency=agency("legal-aid"), username="no.two", name="No Two"
    )  # fmt: skip
    with pytest.raises(Forbidden):
        services.account_change_withdraw(actor=admins["legal"], change=other)
    services.account_change_withdraw(actor=admins["metro"], change=other)
    assert not User.objects.filter(username__in=["no.one", "no.two"]).exists()
    assert set(AccountChange.objects.values_list("status", flat=True)) == {"rejected", "withdrawn"}


def test_a_proposal_with_a_taken_username_or_bad_roles_is_refused_naming_the_field(admins, persona):
    persona("attorney")
    with pytest.raises(ValidationFailed) as refused:
        services.account_change_propose(
            actor=admins["metro"], kind="create_account", agency=agency("legal-aid"), username="ari.attorney",
            name="Copy", roles=["boss"],
        )  # fmt: skip
    paths = {problem.path for problem in refused.value.problems}
    assert paths == {"username", "roles"}
    assert not AccountChange.objects.exists()


def test_only_admins_propose(persona):
    with pytest.raises(Forbidden):
        services.account_change_propose(
            actor=persona("coordinator"), kind="create_account", agency=agency("legal-aid"), username="x.y", name="X"
        )  # fmt: skip


# --- moving an account between agencies ----------------------------------------------------------------


def test_moving_an_account_to_another_agency_takes_that_agencys_admin(admins, persona):
    investigator = persona("investigator")
    with pytest.raises(Forbidden, match="another agency"):
        services.user_update(actor=admins["metro"], user=investigator, agency=agency("legal-aid"))
    change = services.account_change_propose(
        actor=admins["metro"], kind="move_account", user=investigator, agency=agency("legal-aid")
    )
    investigator.refresh_from_db()
    assert investigator.agency.slug == "metro-pd"
    services.account_change_approve(actor=admins["legal"], change=change)
    investigator.refresh_from_db()
    assert investigator.agency.slug == "legal-aid"
    change.refresh_from_db()
    assert change.from_agency.slug == "metro-pd"


def test_an_admin_manages_only_their_own_agencys_accounts(admins, persona):
    attorney = persona("attorney")
    for attempt in (
        lambda: services.user_update(actor=admins["metro"], user=attorney, name="Renamed"),
        lambda: services.user_set_active(actor=admins["metro"], user=attorney, active=False),
        lambda: services.user_set_password(actor=admins["metro"], user=attorney, password=NEW_PASSWORD),
        lambda: services.second_factor_reset(actor=admins["metro"], user=attorney),
        lambda: services.user_unlock(actor=admins["metro"], user=attorney),
    ):
        with pytest.raises(NotFound):
            attempt()
    attorney.refresh_from_db()
    assert attorney.name == "Ari Attorney"
    assert attorney.is_active
    assert attorney.check_password(PASSWORD)
    assert list(services_users(admins["metro"])) == sorted(
        User.objects.filter(agency__slug="metro-pd").values_list("username", flat=True)
    )


def services_users(actor: User) -> list[str]:
    from haven.accounts.selectors import users_for_admin

    return sorted(users_for_admin(actor).values_list("username", flat=True))


# --- changing an agency's type --------------------------------------------------------------------------


def test_changing_an_agencys_type_takes_its_admin(admins):
    lingua = agency("lingua")
    with pytest.raises(Forbidden, match="type"):
        services.agency_update(actor=admins["metro"], agency=lingua, type="law_enforcement")
    lingua_admin = _admin_of("lingua", "lia.linguaadmin")
    change = services.account_change_propose(
        actor=admins["metro"], kind="change_agency_type", agency=lingua, agency_type="law_enforcement"
    )
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["legal"], change=change)  # lingua has its own admin
    services.account_change_approve(actor=lingua_admin, change=change)
    lingua.refresh_from_db()
    assert lingua.type == "law_enforcement"


def test_an_agency_on_an_operation_with_records_keeps_its_type(admins, persona):
    from haven.encounters import services as encounters
    from tests.operations.fixtures import make_operation

    persona("investigator")
    persona("interpreter")
    operation = make_operation(starts_in=-timedelta(hours=1))
    encounters.person_register(
        actor=persona("investigator"), operation=operation, code="P-001",
        encountered_at=operation.starts_at + timedelta(minutes=5), tags=("adult",), languages=("zh",),
        area="community-room",
    )  # fmt: skip
    with pytest.raises(RuleViolation, match="on an operation with records"):
        services.account_change_propose(
            actor=admins["metro"], kind="change_agency_type", agency=agency("lingua"), agency_type="law_enforcement"
        )  # fmt: skip
    assert agency("lingua").type == "interpreter_service"


# --- a second person, not a second account (found by the insider review) ---------------------------------


def test_an_admin_the_proposer_made_in_their_own_agency_is_not_the_second_person(admins):
    """An admin creates admins in their own agency alone, so one of them approving is one person approving
    twice: the second admin belongs to another agency than the proposer's (the review made `hkim2`, had it
    approve an account in legal aid, and read attorney notes)."""
    puppet = services.user_create(
        actor=admins["metro"], username="sock.puppet", name="Sock Puppet", agency=agency("metro-pd"),
        password=PASSWORD, roles=["admin"],
    )  # fmt: skip
    change = services.account_change_propose(
        actor=admins["metro"], kind="create_account", agency=agency("lingua"), username="lin.mole",
        name="Lin Mole", roles=["member"],
    )  # fmt: skip
    for same_agency in (puppet, admins["metro2"]):
        with pytest.raises(Forbidden, match="another agency than the proposer"):
            services.account_change_approve(actor=same_agency, change=change, password=NEW_PASSWORD)
    assert not User.objects.filter(username="lin.mole").exists()
    services.account_change_approve(actor=admins["legal"], change=change, password=NEW_PASSWORD)
    assert User.objects.get(username="lin.mole").agency.slug == "lingua"


def test_an_agencys_own_type_change_takes_an_admin_of_another_agency(admins):
    metro = agency("metro-pd")
    change = services.account_change_propose(
        actor=admins["metro"], kind="change_agency_type", agency=metro, agency_type="prosecutor"
    )
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["metro2"], change=change)
    services.account_change_approve(actor=admins["legal"], change=change)
    metro.refresh_from_db()
    assert metro.type == "prosecutor"


def test_the_account_being_moved_does_not_approve_its_own_move_and_arrives_without_its_roles(admins):
    """Roles are an agency's: a moved admin is not an admin of the agency it joins (the review moved `hkim2`
    into legal aid, had it approve its own move, and create an account there alone)."""
    moved = admins["metro2"]
    change = services.account_change_propose(
        actor=admins["metro"], kind="move_account", user=moved, agency=agency("lingua")
    )
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=moved, change=change)
    services.account_change_approve(actor=admins["legal"], change=change)
    moved.refresh_from_db()
    assert moved.agency.slug == "lingua"
    assert moved.roles == ["member"]
    (event,) = AuditRecord.objects.filter(event_type="account.changed", target_id=str(moved.pk))
    assert json.loads(event.details)["fields"] == ["agency", "roles"]


def test_an_admin_cannot_deactivate_or_rename_another_agency_alone(admins, persona):
    harbor = agency("harbor-vs")
    advocate = persona("advocate")
    for attempt in (
        lambda: services.agency_update(actor=admins["metro"], agency=harbor, is_active=False),
        lambda: services.agency_update(actor=admins["metro"], agency=harbor, name="Harbor Gone"),
    ):
        with pytest.raises(Forbidden, match="own agency"):
            attempt()
    harbor.refresh_from_db()
    assert (harbor.is_active, harbor.name) == (True, "Harbor Victim Services")
    # proposed, then approved by an admin of another agency than the proposer's (harbor-vs has none)
    change = services.account_change_propose(actor=admins["metro"], kind="deactivate_agency", agency=harbor)
    with pytest.raises(Forbidden):
        services.account_change_approve(actor=admins["metro2"], change=change)
    harbor.refresh_from_db()
    assert harbor.is_active
    services.account_change_approve(actor=admins["legal"], change=change)
    harbor.refresh_from_db()
    assert not harbor.is_active
    advocate.refresh_from_db()
    assert not advocate.is_active or not advocate.agency.is_active
    again = services.account_change_propose(actor=admins["legal"], kind="reactivate_agency", agency=harbor)
    services.account_change_approve(actor=admins["metro"], change=again)
    harbor.refresh_from_db()
    assert harbor.is_active
    with pytest.raises(ValidationFailed, match="already active"):
        services.account_change_propose(actor=admins["legal"], kind="reactivate_agency", agency=harbor)


def test_an_admin_renames_and_deactivates_their_own_agency(admins):
    metro = agency("metro-pd")
    services.agency_update(actor=admins["metro"], agency=metro, name="Metro City Police")
    metro.refresh_from_db()
    assert metro.name == "Metro City Police"
