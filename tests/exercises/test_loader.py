"""The exercise loader: all or nothing through every guardrail; the same file twice changes nothing; a
differing file is refused naming the differences unless reset, which keeps the audit trail."""

from __future__ import annotations

import base64
import json
from typing import Any

import pytest
from django.db.models import Max

from haven.accounts.models import Agency, Authenticator, User
from haven.audit.events import AuditEvent, Outcome
from haven.audit.models import AuditRecord
from haven.audit.verify import verify_chain
from haven.encounters.models import (
    Consent,
    DangerFlag,
    Designation,
    Interview,
    InterviewStatus,
    NeedsAssessment,
    Person,
    ReliefStep,
    SeparationAlert,
)
from haven.encounters.sealing import open_field
from haven.exercises.demo import DEMO_EXERCISE
from haven.exercises.loader import ExerciseDiffers, ExerciseRefused, exercise_load
from haven.operations.models import Operation, OperationStatus, PlanVersion
from tests.exercises.builders import at, demo_data, inline_plan, row_counts, small_data, write
from tests.operations.fixtures import make_operation
from tests.plans.builders import DELETE

pytestmark = pytest.mark.django_db


def last_updates() -> dict[str, object]:
    """When each kind of record that keeps `updated_at` was last changed."""
    return {
        model.__name__: model.objects.aggregate(last=Max("updated_at"))["last"]
        for model in (User, Agency, Operation, PlanVersion, Person, Interview, Consent, DangerFlag)
    }


def load(tmp_path: Any, data: dict[str, Any], *, reset: bool = False) -> Any:
    return exercise_load(write(tmp_path, data), reset=reset)


# -- the demo exercise ---------------------------------------------------------------------------------------


def test_the_demo_exercise_loads_through_every_guardrail():
    report = exercise_load(DEMO_EXERCISE)
    assert report.changed
    operation = Operation.objects.get(code="NL-2026-12")
    assert operation.is_exercise
    assert operation.status == OperationStatus.APPROVED
    assert operation.approved_version_id == operation.current_version_id
    assert operation.created_by.username == "arivera"
    assert report.counts == {
        "users": 11,
        "persons": 14,
        "designations": 14,
        "placements": 2,
        "observations": 6,
        "danger_flags": 2,
        "needs": 7,
        "information": 6,
        "safety_plans": 3,
        "services": 6,
        "case_notes": 1,
        "attorney_notes": 2,
        "interviews": 4,
        "relief": 2,
        "consents": 4,
    }
    assert Person.objects.filter(operation=operation).count() == 14
    assert Interview.objects.filter(status=InterviewStatus.CONDUCTED).count() == 3
    # the mid-level manager: undetermined, then a suspect — and the alert his change raised was cleared
    # when he was moved away from the potential victim he shared a room with
    history = Designation.objects.filter(person__code="P-003").order_by("at")
    assert [d.status for d in history] == ["undetermined", "suspect"]
    # (raised when he was first seen controlling her, before any designation: issue 13)
    [alert] = SeparationAlert.objects.all()
    assert (alert.suspect.code, alert.potential_victim.code) == ("P-003", "P-004")
    assert alert.raised_at < history[1].at
    assert alert.reason == "suspect_with_victim"
    assert alert.cleared_at is not None
    # imminent danger still open for one person; Continued Presence requested for a foreign national
    assert [f.person.code for f in DangerFlag.objects.filter(responded_at__isnull=True)] == ["P-009"]
    cp = ReliefStep.objects.get(kind="continued_presence")
    assert (cp.person.code, cp.by.agency.slug, cp.status) == ("P-001", "hsi", "requested")
    # sealed like any record written through the application
    needs = NeedsAssessment.objects.get(person__code="P-001")
    assert b"insulin" not in bytes(needs.medical_sealed)
    assert "insulin" in open_field(needs, "medical", needs.agency_id)
    # people still waiting: encountered, with no contact with a provider yet
    waiting = Person.objects.filter(
        operation=operation, needs_assessments__isnull=True, information__isnull=True
    )
    assert {"P-010", "P-011", "P-013", "P-014"} <= {p.code for p in waiting}
    loaded = AuditRecord.objects.get(event_type=AuditEvent.EXERCISE_LOADED)
    assert loaded.outcome == Outcome.SUCCESS
    assert str(loaded.operation_id).replace("-", "") == operation.pk.hex


def test_the_demo_exercise_loads_twice_and_the_second_time_writes_nothing():
    exercise_load(DEMO_EXERCISE)
    before, touched = row_counts(), last_updates()
    report = exercise_load(DEMO_EXERCISE)
    assert not report.changed
    assert report.users_created == report.users_updated == 0
    assert row_counts() == before
    assert last_updates() == touched
    assert before["audit.AuditRecord"] > 100


def test_every_demo_account_signs_in_with_its_password_and_authenticator():
    exercise_load(DEMO_EXERCISE)
    for entry in demo_data()["users"]:
        user = User.objects.get(username=entry["username"])
        assert user.check_password(entry["password"])
        (device,) = Authenticator.objects.filter(user=user, confirmed=True)
        assert device.bin_key == base64.b32decode(entry["totp_secret"])
        assert user.agency.slug == entry["agency"]


# -- differing files and reset ---------------------------------------------------------------------------


def test_a_differing_file_is_refused_naming_the_differences(tmp_path):
    data = demo_data()
    load(tmp_path, data)
    before = row_counts()
    changed = json.loads(json.dumps(data))
    changed["encounter"]["interviews"][0]["minutes"] = 50
    changed["encounter"]["needs"][0]["medical"] = "Needs insulin now"
    changed["encounter"]["persons"].append({"code": "P-015", "tags": ["male"], "area": "undetermined-room"})
    del changed["encounter"]["case_notes"]
    changed["users"][4]["name"] = "Mara Lopez"
    with pytest.raises(ExerciseDiffers) as caught:
        load(tmp_path, changed)
    assert caught.value.differences == [
        "users[4] (mlopez): name differs from the account in Haven",
        "encounter.persons[14]: not in the exercise as loaded",
        "encounter.persons[14].area: not in the exercise as loaded",
        "encounter.needs[0].medical: differs from the exercise as loaded",
        "encounter.case_notes: the case note of P-007 by mlopez at 2026-12-03T13:42:00+00:00 is loaded but not "
        "in the file",
        "encounter.interviews[0].minutes: 50 in the file, 60 as loaded",
    ]
    # nothing changed but the refusal, which is on record
    after = row_counts()
    assert after.pop("audit.AuditRecord") == before.pop("audit.AuditRecord") + 1
    assert after == before
    refusal = AuditRecord.objects.order_by("-sequence").first()
    assert refusal is not None
    assert (refusal.event_type, refusal.outcome) == (AuditEvent.EXERCISE_LOADED, Outcome.FAILURE)
    assert json.loads(refusal.details) == {"code": "NL-2026-12", "rule": "exercise.differs"}


def test_a_changed_plan_is_a_difference(tmp_path):
    data = small_data()
    load(tmp_path, data)
    changed = small_data({"plan_file": DELETE, "plan": inline_plan({"operation.name": "Operation Polaris"})})
    with pytest.raises(ExerciseDiffers) as caught:
        load(tmp_path, changed)
    assert caught.value.differences == ["plan: operation differs from the plan as loaded"]


def test_reset_reloads_the_file_and_the_audit_trail_keeps_the_removal(tmp_path):
    load(tmp_path, demo_data())
    operation = Operation.objects.get(code="NL-2026-12")
    events_before = list(AuditRecord.objects.order_by("sequence").values_list("sequence", "hash"))
    changed = demo_data()
    changed["encounter"]["interviews"][0]["minutes"] = 50
    changed["users"][4]["name"] = "Mara Lopez"
    changed["users"][4]["password"] = "a brand new harbor candle 18"

    report = load(tmp_path, changed, reset=True)

    assert report.reset
    assert report.changed
    assert report.removed == {"persons": 14, "plan_versions": 1}
    assert report.users_updated == 1
    assert report.users_created == 0
    assert not Operation.objects.filter(pk=operation.pk).exists()
    assert not PlanVersion.objects.filter(operation_id=operation.pk).exists()
    reloaded = Operation.objects.get(code="NL-2026-12")
    assert reloaded.is_exercise
    assert Interview.objects.get(person__code="P-001").minutes == 50
    mlopez = User.objects.get(username="mlopez")
    assert mlopez.name == "Mara Lopez"
    assert mlopez.check_password("a brand new harbor candle 18")
    assert User.objects.count() == 11
    # every event before the reset is still there, unchanged, and the removal is on record
    assert (
        list(AuditRecord.objects.order_by("sequence").values_list("sequence", "hash"))[: len(events_before)]
        == events_before
    )
    reset = AuditRecord.objects.get(event_type=AuditEvent.EXERCISE_RESET)
    assert str(reset.operation_id).replace("-", "") == operation.pk.hex
    assert json.loads(reset.details) == {"code": "NL-2026-12", "count": 14, "version": 1}
    assert verify_chain().intact
    # and the reset file, loaded again, changes nothing
    before = row_counts()
    assert not load(tmp_path, changed).changed
    assert row_counts() == before


def test_reset_without_a_loaded_exercise_just_loads(tmp_path):
    report = load(tmp_path, small_data(), reset=True)
    assert report.changed
    assert report.removed == {}
    assert Person.objects.count() == 3


def test_an_operation_that_is_not_an_exercise_is_never_overwritten_or_reset(tmp_path):
    real = make_operation()
    assert real.code == "NL-2026-12"
    assert not real.is_exercise
    for reset in (False, True):
        with pytest.raises(ExerciseRefused) as caught:
            load(tmp_path, small_data(), reset=reset)
        assert caught.value.record == "plan"
        assert caught.value.rule == "exercise.real-operation"
    assert Operation.objects.get().pk == real.pk
    assert not Person.objects.exists()
    assert not User.objects.filter(username="arivera").exists()


def test_users_already_in_haven_are_matched_by_username(tmp_path):
    load(tmp_path, small_data())
    other = small_data({"plan_file": DELETE, "plan": inline_plan({"operation.code": "NL-2027-01"}),
                        "encounter": {}})  # fmt: skip
    report = load(tmp_path, other)
    assert report.users_created == 0
    assert Operation.objects.count() == 2
    assert User.objects.count() == 7


# -- a broken exercise is refused whole ----------------------------------------------------------------------


GUARDRAILS: list[tuple[str, dict[str, Any], str, str]] = [
    ("interview before needs", {"encounter.needs[0].at": at("09:30")},
     "encounter.interviews[0]", "interview.needs-first"),
    ("interview before information", {"encounter.information[0].at": at("09:10")},
     "encounter.interviews[0]", "interview.information-first"),
    ("a minor interviewed by an investigator",
     {"encounter.interviews[1].interviewer": "lnguyen", "encounter.interviews[1].role": "investigator",
      "encounter.interviews[1].location": "harbor-rooms"},
     "encounter.interviews[1]", "interview.minor-forensic"),
    ("a role the interviewer is not qualified for", {"encounter.interviews[0].role": "prosecutor"},
     "encounter.interviews[0]", "interview.qualified"),
    ("a detention location",
     {"plan_file": DELETE,
      "plan": inline_plan({"interview_locations[2]": {"id": "precinct-rooms", "name": "Precinct 4 rooms",
                                                      "setting": "detention", "private_rooms": 2}}),
      "encounter.interviews[0].location": "precinct-rooms"},
     "encounter.interviews[0]", "interview.nondetention"),
    ("a note taker who is not the interviewer", {"encounter.interviews[0].note_taker": "arivera"},
     "encounter.interviews[0]", "interview.note-taker"),
    ("the stated interviewer gender not honoured",
     {"encounter.interviews[0].interviewer": "dmensah", "encounter.interviews[0].note_taker": "dmensah"},
     "encounter.interviews[0]", "interview.gender-preference"),
    ("an interview while an imminent-danger flag has no response",
     {"encounter.danger_flags": [{"person": "P-001", "by": "arivera", "at": at("08:30")}]},
     "encounter.interviews[0]", "interview.danger-open"),
    ("a suspect placed where potential victims are",
     {"encounter.placements": [{"person": "P-002", "by": "arivera", "at": at("06:30"), "area": "community-room"}]},
     "encounter.placements[0]", "separation.suspect-in-victims-area"),
    ("a potential victim placed where suspects are",
     {"encounter.placements": [{"person": "P-001", "by": "arivera", "at": at("06:30"),
                                "area": "precinct-holding"}]},
     "encounter.placements[0]", "separation.victim-in-suspects-area"),
    ("an advocate recording a designation", {"encounter.designations[1].by": "mlopez"},
     "encounter.designations[1]", "access.investigative"),
    ("an investigator recording a safety plan", {"encounter.safety_plans[0].by": "arivera"},
     "encounter.safety_plans[0]", "access.victim_service_record"),
    ("an investigator assessing needs", {"encounter.needs[1].by": "lnguyen"},
     "encounter.needs[1]", "access.needs_full"),
    ("local police requesting Continued Presence", {"encounter.relief[0].by": "arivera"},
     "encounter.relief[0]", "access.continued_presence"),
    ("a consent recorded by its recipient", {"encounter.consents[0].recipient": "harbor-vs"},
     "encounter.consents[0]", "consent.recipient"),
    ("a consent expiring more than a year after it was given", {"encounter.consents[0].expires_on": "2027-12-04"},
     "encounter.consents[0]", "consent.expires_on"),
    ("a minor's consent without guardian or legal basis",
     {"encounter.consents[1]": {"person": "P-003", "recorded_by": "mlopez", "recipient": "county-cws",
                                "items": ["contact"], "purpose": "Safe placement", "in_writing": True,
                                "given_on": "2026-12-03", "expires_on": "2027-03-03"}},
     "encounter.consents[1]", "consent.guardian"),
    ("a consent releasing attorney notes", {"encounter.consents[0].items": ["needs_details", "attorney_notes"]},
     "encounter.consents[0]", "consent.attorney-notes"),
    ("a consent not given in writing", {"encounter.consents[0].in_writing": False},
     "encounter.consents[0]", "consent.in-writing"),
    ("a plan that is not ready",
     {"plan_file": DELETE, "plan": inline_plan({"immigration_relief.continued_presence_by": "usao"})},
     "plan", "immigration.relief"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("changes", "record", "rule"), [g[1:] for g in GUARDRAILS], ids=[g[0] for g in GUARDRAILS]
)
def test_a_broken_exercise_is_refused_whole_naming_the_record_and_the_rule(tmp_path, changes, record, rule):
    with pytest.raises(ExerciseRefused) as caught:
        load(tmp_path, small_data(changes))
    assert caught.value.record == record
    assert caught.value.rule == rule
    assert caught.value.message.startswith(f"{record}: ")
    assert caught.value.message.endswith(f"[rule: {rule}]")
    # nothing of the file is stored: no operation, no accounts, no agencies, no persons …
    assert not Operation.objects.exists()
    assert not User.objects.exists()
    assert not Agency.objects.exists()
    assert not Person.objects.exists()
    assert not Consent.objects.exists()
    # … only the refusal is on record
    [event] = AuditRecord.objects.all()
    assert (event.event_type, event.outcome) == (AuditEvent.EXERCISE_LOADED, Outcome.FAILURE)
    assert json.loads(event.details) == {"code": "NL-2026-12", "rule": rule}


def test_the_small_exercise_loads_once_each_precondition_holds(tmp_path):
    report = load(tmp_path, small_data())
    assert report.changed
    assert Interview.objects.filter(status=InterviewStatus.CONDUCTED).count() == 1
    assert Interview.objects.filter(status=InterviewStatus.SCHEDULED).count() == 1
    assert Consent.objects.count() == 1
    assert verify_chain().intact


def test_a_second_open_danger_flag_for_the_same_person_is_refused(tmp_path):
    flags = [
        {"person": "P-001", "by": "arivera", "at": at("06:10")},
        {"person": "P-001", "by": "mlopez", "at": at("07:30")},
    ]
    with pytest.raises(ExerciseRefused) as caught:
        load(tmp_path, small_data({"encounter.danger_flags": flags}))
    assert (caught.value.record, caught.value.rule) == ("encounter.danger_flags[1]", "danger.open-flag")


def test_a_flag_with_its_response_loads_and_a_later_flag_is_a_new_one(tmp_path):
    flags = [
        {"person": "P-001", "by": "arivera", "at": at("06:10"),
         "response": {"by": "lnguyen", "at": at("06:20"), "text": "Officer at the door"}},
        # after P-001's interview at 09:00: no interview is booked while a flag is open (interview.danger-open)
        {"person": "P-001", "by": "mlopez", "at": at("11:30")},
    ]  # fmt: skip
    load(tmp_path, small_data({"encounter.danger_flags": flags}))
    assert DangerFlag.objects.count() == 2
    assert DangerFlag.objects.filter(responded_at__isnull=True).count() == 1
    before = row_counts()
    assert not load(tmp_path, small_data({"encounter.danger_flags": flags})).changed
    assert row_counts() == before


def test_a_consent_revoked_in_the_file_is_revoked_at_its_time_and_stops_releasing():
    from datetime import date

    from haven.encounters.selectors import active_consents

    exercise_load(DEMO_EXERCISE)
    withdrawn = Consent.objects.get(person__code="P-008")
    assert withdrawn.revoked_orally
    assert withdrawn.revoked_at is not None
    assert withdrawn.revoked_at.isoformat() == "2026-12-03T17:30:00+00:00"
    assert Consent.objects.filter(revoked_at__isnull=True).count() == 3
    # the recipient reads nothing under it, even on a day before it would have expired
    assert active_consents(withdrawn.person, withdrawn.recipient_id, today=date(2026, 12, 10)) == []
    revoked = AuditRecord.objects.get(event_type=AuditEvent.CONSENT_REVOKED, target_id=str(withdrawn.pk))
    assert json.loads(revoked.details) == {"via": "orally"}


def test_a_file_that_leaves_a_suspect_with_potential_victims_is_refused(tmp_path):
    """Issue 13: the loader refuses an exercise whose records leave a designated suspect in an area with
    potential victims (or an area that holds them), naming the designation and who must move."""
    data = demo_data()
    # the manager, designated suspect, and the potential victim he shared a room with: neither moved
    data["encounter"]["placements"] = [
        p for p in data["encounter"]["placements"] if p["person"] not in ("P-003", "P-004")
    ]
    with pytest.raises(ExerciseRefused) as refused:
        load(tmp_path, data)
    assert refused.value.rule == "separation.suspect-left-with-victims"
    index = next(
        i
        for i, d in enumerate(data["encounter"]["designations"])
        if d["person"] == "P-003" and d["status"] == "suspect"
    )
    assert refused.value.record == f"encounter.designations[{index}]"
    assert "P-003" in refused.value.message
    assert "P-004" in refused.value.message
    assert not Operation.objects.filter(code="NL-2026-12").exists()  # nothing half-loaded


def test_a_refusal_by_the_policy_names_the_record_its_author_and_the_rule(tmp_path):
    """Issue 13: the loader said 'Your agency cannot write this (needs full)', naming neither who nor which."""
    with pytest.raises(ExerciseRefused) as caught:
        load(tmp_path, small_data({"encounter.needs[1].by": "lnguyen"}))
    message = caught.value.message
    assert message.startswith("encounter.needs[1]: lnguyen (")
    needs = small_data()["encounter"]["needs"][1]
    assert f"for {needs['person']}" in message
    assert "may not write this record (needs full)" in message
    assert message.endswith("[rule: access.needs_full]")
