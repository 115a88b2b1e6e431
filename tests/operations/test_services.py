"""Operations: versions, conflicts, approval, review, amendments, participation."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from pydantic import ValidationError

from haven.accounts.models import Agency
from haven.audit.models import AuditRecord
from haven.core.errors import Conflict, Forbidden, NotFound, RuleViolation, ValidationFailed
from haven.operations.models import Area, OperationAgency, OperationStatus, VersionKind
from haven.operations.selectors import current_plan, operation_for, operations_visible_to
from haven.operations.services import operation_approve, operation_create, plan_import, plan_save
from haven.plans import parse_plan
from tests.operations.fixtures import make_operation, task_force_data, task_force_plan, without_agency

pytestmark = pytest.mark.django_db


def _plan(**changes):
    return parse_plan(json.dumps(task_force_data(changes=changes)))


def test_creating_an_operation_maps_every_plan_agency_to_a_haven_agency(persona):
    operation = make_operation(approved=False)
    listed = set(OperationAgency.objects.filter(operation=operation).values_list("plan_id", flat=True))
    assert listed == {a.id for a in current_plan(operation).agencies}
    full = set(
        OperationAgency.objects.filter(operation=operation, on_full_plan=True).values_list(
            "plan_id", flat=True
        )
    )
    assert full == {"metro-pd", "hsi", "county-da", "usao"}
    assert set(Area.objects.filter(operation=operation).values_list("plan_id", "holds")) == {
        ("community-room", "potential_victims"),
        ("undetermined-room", "undetermined"),
        ("precinct-holding", "suspects"),
    }


def test_only_coordinators_of_investigative_agencies_create_operations(persona):
    with pytest.raises(Forbidden):
        operation_create(actor=persona("investigator"), plan=task_force_plan())
    with pytest.raises(Forbidden):
        operation_create(actor=persona("advocate"), plan=task_force_plan())


def test_a_plan_that_would_lock_out_its_author_is_refused(persona):
    plan = _plan(**{"distribution.full_plan": ["hsi", "county-da", "usao"]})
    with pytest.raises(ValidationFailed) as refused:
        operation_create(actor=persona("coordinator"), plan=plan)
    assert refused.value.problems[0].path == "distribution.full_plan"


def test_a_plan_cannot_raise_an_agencys_type(persona):
    persona("advocate")  # harbor-vs exists in Haven as a victim service provider
    plan = _plan(**{"agencies[4].type": "law_enforcement"})
    with pytest.raises(ValidationFailed) as refused:
        operation_create(actor=persona("coordinator"), plan=plan)
    assert refused.value.problems[0].path == "agencies[4].type"
    assert "differs from the type Haven knows harbor-vs by" in refused.value.problems[0].message


def test_a_user_whose_agency_is_not_on_the_plan_does_not_see_the_operation(persona):
    operation = make_operation()
    outsider = persona("outsider")
    assert not operations_visible_to(outsider).exists()
    with pytest.raises(NotFound):
        operation_for(outsider, operation.code)
    with pytest.raises(NotFound):
        operation_for(outsider, "NO-SUCH-CODE")
    assert operations_visible_to(persona("advocate")).get() == operation


def test_every_save_makes_a_version_saying_who_and_what(persona):
    operation = make_operation(approved=False)
    actor = persona("coordinator")
    result = plan_save(
        actor=actor, operation=operation, plan=_plan(**{"anticipated.persons": 20}), base_version=1
    )
    assert result.changed
    assert result.version.number == 2
    assert result.version.author == actor
    assert result.version.sections_changed == ["anticipated"]
    same = plan_save(
        actor=actor, operation=operation, plan=_plan(**{"anticipated.persons": 20}), base_version=2
    )
    assert not same.changed
    assert operation.versions.count() == 2


def test_a_second_save_of_the_same_section_is_refused_as_a_conflict(persona):
    operation = make_operation(approved=False)
    actor = persona("coordinator")
    plan_save(
        actor=actor,
        operation=operation,
        plan=_plan(**{"anticipated.persons": 20}),
        base_version=1,
        sections=["anticipated"],
    )
    with pytest.raises(Conflict, match="anticipated changed since you opened the plan"):
        plan_save(
            actor=actor,
            operation=operation,
            plan=_plan(**{"anticipated.persons": 9}),
            base_version=1,
            sections=["anticipated"],
        )
    operation.refresh_from_db()
    assert current_plan(operation).anticipated.persons == 20
    assert AuditRecord.objects.filter(event_type="plan.save_refused").count() == 1


def test_whole_plans_saved_from_the_same_version_merge_when_they_change_different_sections(persona):
    """A whole plan (as PUT /plan sends) changes what differs from the version its author opened; the
    sections someone else changed meanwhile are theirs and are kept (it was refused, naming them)."""
    operation = make_operation(approved=False)
    actor = persona("coordinator")
    plan_save(actor=actor, operation=operation, plan=_plan(**{"anticipated.persons": 20}), base_version=1)
    result = plan_save(
        actor=actor,
        operation=operation,
        plan=_plan(**{"victim_services.staging.name": "Harbor Center annex"}),
        base_version=1,
    )
    assert result.changed
    assert result.version.sections_changed == ["victim_services"]
    operation.refresh_from_db()
    merged = current_plan(operation)
    assert merged.anticipated.persons == 20  # type: ignore[union-attr]
    assert merged.victim_services.staging.name == "Harbor Center annex"  # type: ignore[union-attr]
    with pytest.raises(Conflict, match="anticipated changed since you opened the plan"):
        plan_save(actor=actor, operation=operation, plan=_plan(**{"anticipated.persons": 9}), base_version=1)


def test_saves_of_different_sections_from_the_same_version_both_land(persona):
    operation = make_operation(approved=False)
    actor = persona("coordinator")
    plan_save(
        actor=actor,
        operation=operation,
        plan=_plan(**{"anticipated.persons": 20}),
        base_version=1,
        sections=["anticipated"],
    )
    plan_save(
        actor=actor,
        operation=operation,
        plan=_plan(**{"communications.command_post": "Lot C"}),
        base_version=1,
        sections=["communications"],
    )
    operation.refresh_from_db()
    plan = current_plan(operation)
    assert plan.anticipated.persons == 20
    assert plan.communications.command_post == "Lot C"


def test_approval_is_refused_while_a_rule_fails_and_names_it(persona):
    operation = make_operation(approved=False, changes={"victim_services.staging.private_space": False})
    with pytest.raises(RuleViolation, match=r"services\.private-space"):
        operation_approve(actor=persona("coordinator"), operation=operation)
    operation.refresh_from_db()
    assert operation.status == OperationStatus.IN_REVIEW
    assert AuditRecord.objects.filter(event_type="operation.approval_refused").exists()


def test_approval_names_the_version_it_approved(persona):
    operation = make_operation(approved=False)
    version = operation_approve(actor=persona("coordinator"), operation=operation, version=1)
    operation.refresh_from_db()
    assert operation.approved_version == version
    assert operation.approved_by == persona("coordinator")


def test_approving_a_version_one_did_not_review_is_refused(persona):
    operation = make_operation(approved=False)
    plan_save(
        actor=persona("coordinator"),
        operation=operation,
        plan=_plan(**{"anticipated.persons": 20}),
        base_version=1,
    )
    with pytest.raises(Conflict):
        operation_approve(actor=persona("coordinator"), operation=operation, version=1)


def test_editing_an_approved_plan_before_the_action_returns_it_to_review(persona):
    operation = make_operation(approved=True)
    result = plan_save(
        actor=persona("coordinator"),
        operation=operation,
        plan=_plan(**{"anticipated.persons": 20}),
        base_version=1,
    )
    operation.refresh_from_db()
    assert result.returned_to_review
    assert operation.status == OperationStatus.IN_REVIEW
    assert operation.approved_version is not None  # the approval on record still names what it approved


def test_changes_after_the_action_started_are_amendments_and_keep_the_approval(persona):
    operation = make_operation(starts_in=-timedelta(hours=1), approved=True)
    data = dict(operation.current_version.document)
    data["anticipated"] = {**data["anticipated"], "persons": 20}
    plan = parse_plan(json.dumps(data))
    result = plan_save(actor=persona("coordinator"), operation=operation, plan=plan, base_version=1)
    operation.refresh_from_db()
    assert result.version.kind == VersionKind.AMENDMENT
    assert operation.status == OperationStatus.APPROVED
    amendment = AuditRecord.objects.get(event_type="plan.amended")
    assert amendment.actor_label == persona("coordinator").username


def test_only_a_coordinator_on_the_full_plan_writes_it(persona):
    operation = make_operation(approved=False)
    for who in ("investigator", "advocate", "federal_agent"):
        with pytest.raises(Forbidden):
            plan_save(
                actor=persona(who),
                operation=operation,
                plan=_plan(**{"anticipated.persons": 3}),
                base_version=1,
            )


def test_an_operation_keeps_its_code(persona):
    operation = make_operation(approved=False)
    with pytest.raises(ValidationFailed) as refused:
        plan_save(
            actor=persona("coordinator"),
            operation=operation,
            plan=_plan(**{"operation.code": "XX-1"}),
            base_version=1,
        )
    assert refused.value.problems[0].path == "operation.code"


def test_importing_the_same_plan_twice_changes_nothing(persona):
    actor = persona("coordinator")
    plan = task_force_plan()
    first = plan_import(actor=actor, plan=plan)
    events = AuditRecord.objects.count()
    second = plan_import(actor=actor, plan=plan)
    assert first.created
    assert not second.created
    assert not second.changed
    assert second.operation.versions.count() == 1
    assert AuditRecord.objects.count() == events


def test_a_new_agency_whose_name_matches_an_existing_one_is_refused_naming_it(persona):
    """Issue 13: `harbour-vs` (a typo) created a second "Harbor Victim Services" that no user belonged to — the
    real provider never saw the operation. A plan agency Haven lacks, named like one it has, is refused."""
    persona("advocate")  # Harbor Victim Services, harbor-vs
    data = task_force_data()
    typo = without_agency(data, "harbor-vs", instead="harbour-vs", keep_entry=True)
    for entry in typo["agencies"]:
        if entry["id"] == "harbor-vs":
            entry["id"] = "harbour-vs"
            entry["name"] = "Harbor  Victim Services."
    with pytest.raises(ValidationFailed) as refused:
        operation_create(actor=persona("coordinator"), plan=parse_plan(json.dumps(typo)))
    [problem] = refused.value.problems
    assert problem.path.startswith("agencies[")
    assert problem.path.endswith("].id")
    assert "harbor-vs" in problem.message
    assert "Harbor Victim Services" in problem.message
    assert not Agency.objects.filter(slug="harbour-vs").exists()


def test_a_version_changed_behind_the_services_back_is_read_as_stored_not_as_first_parsed(persona):
    # the parsed plan is kept per process by its stored text (selectors._stored_plan): a document changed
    # by an UPDATE outside the services must still be read as it now stands
    operation = make_operation(approved=False)
    first = current_plan(operation)
    version = operation.current_version
    document = dict(version.document)
    document["anticipated"] = {**document["anticipated"], "persons": first.anticipated.persons + 7}
    type(version).objects.filter(pk=version.pk).update(document=document)
    operation.refresh_from_db()
    assert current_plan(operation).anticipated.persons == first.anticipated.persons + 7
    # the same text twice: one parsed plan, shared, which nobody can change
    assert current_plan(operation) is current_plan(operation)
    with pytest.raises(ValidationError):
        current_plan(operation).anticipated.persons = 1  # type: ignore[misc]
