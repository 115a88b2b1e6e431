"""Every figure of the after-action report on a small exercise written through the services
(tests/reports/builders.py), against values worked out by hand in the comments.

The report is taken at t0 + 170 min, as a coordinator of metro-pd (internal: exact counts).
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from haven.encounters import services
from haven.reports.audiences import Audience
from haven.reports.figures import minutes_between, nearest_rank
from haven.reports.services import Report, report_generate
from tests.personas import make_user
from tests.reports.builders import Exercise, after_action_exercise, coordinator_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise() -> Exercise:
    return after_action_exercise()


@pytest.fixture
def report(exercise: Exercise) -> Report:
    return report_generate(
        actor=make_user("coordinator"),
        code=exercise.operation.code,
        audience=Audience.INTERNAL,
        format="json",
        via="test",
        now=exercise.now,
    )


def test_nearest_rank_percentiles_are_values_of_the_list():
    # n = 5 → median rank ⌈2.5⌉ = 3, p90 rank ⌈4.5⌉ = 5; n = 4 → median rank 2, p90 rank ⌈3.6⌉ = 4
    assert nearest_rank([90, 20, 45, 30, 65], 50) == 45
    assert nearest_rank([90, 20, 45, 30, 65], 90) == 90
    assert nearest_rank([60, 90, 95, 115], 50) == 90
    assert nearest_rank([60, 90, 95, 115], 90) == 115
    # n = 10 → p90 rank exactly 9 (integer arithmetic, no 9.000000001 → 10)
    assert nearest_rank(list(range(1, 11)), 90) == 9
    assert nearest_rank([7], 90) == 7
    assert nearest_rank([], 50) is None


def test_minutes_are_whole_minutes_rounded_down(exercise):
    t0 = exercise.t0
    assert minutes_between(t0, t0 + timedelta(minutes=20, seconds=59)) == 20
    assert minutes_between(t0 + timedelta(minutes=5), t0) == 0


def test_persons_by_tag_designation_and_outcome(report):
    f = report.figures
    # P-001 … P-009
    assert f["persons.encountered"] == 9
    # female: P-001, P-002, P-004, P-005, P-008 = 5; male: P-003, P-006, P-007 = 3
    # adult: everyone tagged but P-004 (minor) and P-009 (no tags) = 7; minor: P-004 = 1
    # us_citizen: P-003, P-004, P-006 = 3; foreign_national: P-001, P-002, P-005, P-008 = 4
    assert f["persons.by_tag"] == {
        "female": 5,
        "male": 3,
        "adult": 7,
        "minor": 1,
        "us_citizen": 3,
        "foreign_national": 4,
    }
    # gender and age missing for P-009; citizenship for P-007 and P-009
    assert f["persons.tags_not_recorded"] == {"gender": 1, "age": 1, "citizenship": 2}
    # potential victims: P-001 … P-005 and P-008 = 6; suspect P-006; witness P-007; P-009 never designated
    assert f["persons.by_designation"] == {
        "potential_victim": 6,
        "suspect": 1,
        "witness": 1,
        "undetermined": 1,
    }
    # released: P-007 and P-009, same reason; transferred: P-004; 9 − 3 = 6 with no outcome
    assert f["persons.released"] == 2
    assert f["persons.released.reasons"] == {"Released after questions answered": 2}
    assert f["persons.transferred"] == 1
    assert f["persons.transferred.reasons"] == {"Transferred to child welfare": 1}
    assert f["persons.no_outcome_recorded"] == 6


def test_minutes_to_provider_contact(report):
    f = report.figures
    # first needs, information, service or safety-plan record by a provider, minus the encounter:
    #   P-001 needs +20 − 0 = 20; P-002 needs +45 − 0 = 45 (the case note at +35 does not count);
    #   P-003 safety plan +70 − 5 = 65; P-004 needs (bay-vs) +35 − 5 = 30; P-005 service +100 − 10 = 90;
    #   P-008: only the investigator informed her (+60) — not a provider: not reached
    # sorted 20, 30, 45, 65, 90: median = rank ⌈5·0.5⌉ = 3 → 45; p90 = rank ⌈4.5⌉ = 5 → 90; max 90
    # over the 60-minute limit: 65 and 90 → 2; within: 20, 30, 45 → 3
    assert f["minutes_to_provider_contact.each"] == [20, 30, 45, 65, 90]
    assert f["minutes_to_provider_contact.count"] == 5
    assert f["minutes_to_provider_contact.not_reached"] == 1
    assert f["minutes_to_provider_contact.median"] == 45
    assert f["minutes_to_provider_contact.p90"] == 90
    assert f["minutes_to_provider_contact.max"] == 90
    assert f["minutes_to_provider_contact.over_limit"] == 2
    assert f["minutes_to_provider_contact.within_limit"] == 3
    assert f["minutes_to_provider_contact.limit_minutes"] == 60


def test_minutes_to_interview(report):
    f = report.figures
    # start of the first interview not cancelled, minus the encounter:
    #   P-001 +60 − 0 = 60; P-002 +90 − 0 = 90 (the +70 one was cancelled); P-003 +120 − 5 = 115;
    #   P-004 +100 − 5 = 95; P-005 and P-008: none
    # sorted 60, 90, 95, 115: median = rank 2 → 90; p90 = rank ⌈3.6⌉ = 4 → 115; max 115
    assert f["minutes_to_interview.each"] == [60, 90, 95, 115]
    assert f["minutes_to_interview.count"] == 4
    assert f["minutes_to_interview.not_reached"] == 2
    assert f["minutes_to_interview.median"] == 90
    assert f["minutes_to_interview.p90"] == 115
    assert f["minutes_to_interview.max"] == 115
    # the readiness policy sets no limit for the wait before an interview
    assert f["minutes_to_interview.over_limit"] is None
    assert f["minutes_to_interview.limit_minutes"] is None


def test_needs_and_services(report):
    f = report.figures
    # assessed: P-001 (twice), P-002, P-003, P-004, P-005 = 5 persons
    assert f["needs.assessed"] == 5
    # urgent: medical P-001 (both assessments), P-005 = 2; shelter P-002 = 1; food P-004 = 1;
    # safety P-002, P-004 = 2; language none
    assert f["needs.urgent_by_domain"] == {"medical": 2, "shelter": 1, "food": 1, "safety": 2, "language": 0}
    by_kind = f["services.by_kind"]
    # shelter provided: P-001, P-002, P-005 (twice) = 3 persons; referred: medical P-001, counseling
    # P-003, child welfare P-004 (bay-vs); every other kind 0
    assert by_kind["shelter"] == {"provided": 3, "referred": 0}
    assert by_kind["medical"] == {"provided": 0, "referred": 1}
    assert by_kind["counseling"] == {"provided": 0, "referred": 1}
    assert by_kind["child_welfare"] == {"provided": 0, "referred": 1}
    others = {
        k: v for k, v in by_kind.items() if k not in ("shelter", "medical", "counseling", "child_welfare")
    }
    assert set(others) == {
        "food",
        "clothing",
        "interpreter",
        "transportation",
        "immigration_legal",
        "childcare",
    }
    assert all(v == {"provided": 0, "referred": 0} for v in others.values())


def test_interviews(report):
    f = report.figures
    # not cancelled: P-001 (federal agent, investigator role, interpreter), P-002 (investigator),
    # P-003 (prosecutor), P-004 (forensic interviewer, cac-suite) = 4
    assert f["interviews.total"] == 4
    assert f["interviews.by_role"] == {"investigator": 2, "prosecutor": 1, "forensic_interviewer": 1}
    assert f["interviews.with_interpreter"] == 1
    assert f["interviews.without_interpreter"] == 3
    # both locations are nondetention settings (the guardrails allow no other)
    assert f["interviews.nondetention"] == 4
    assert f["interviews.other_setting"] == 0
    # preference still stated: P-001 female (interviewer female), P-003 male (prosecutor male) = 2, both
    # honoured; P-002 withdrew hers before her interview, so hers does not count
    assert f["interviews.gender_preference_stated"] == 2
    assert f["interviews.gender_preference_honoured"] == 2
    assert f["interviews.gender_preference_not_honoured"] == 0
    # minors: P-004, by the forensic interviewer
    assert f["interviews.of_minors"] == 1
    assert f["interviews.of_minors_by_forensic_interviewer"] == 1
    assert f["interviews.of_minors_by_other_role"] == 0


def test_separation_alerts_and_danger(report):
    f = report.figures
    # alert 1: suspect P-006 and P-005 in the gym, raised +25 (P-005 designated), cleared +40 (moved) = 15
    # alert 2: P-006 and P-008, raised +30, still open at the report (+170) = 140
    # median of 15, 140 = rank 1 → 15; max 140
    assert f["separation_alerts.raised"] == 2
    assert f["separation_alerts.cleared"] == 1
    assert f["separation_alerts.open"] == 1
    assert f["separation_alerts.open_minutes.each"] == [15, 140]
    assert f["separation_alerts.open_minutes.median"] == 15
    assert f["separation_alerts.open_minutes.max"] == 140
    # flags: P-002 at +50, answered +58 (8 min); P-008 at +100, open
    assert f["danger.flags"] == 2
    assert f["danger.responded"] == 1
    assert f["danger.open"] == 1
    assert f["danger.response_minutes.each"] == [8]
    assert f["danger.response_minutes.median"] == 8
    assert f["danger.response_minutes.max"] == 8


def test_relief(report):
    f = report.figures
    # Continued Presence: requested for P-001 (granted), P-002 (denied), P-005 (pending) = 3
    assert f["relief.continued_presence.requested"] == 3
    assert f["relief.continued_presence.granted"] == 1
    assert f["relief.continued_presence.denied"] == 1
    assert f["relief.continued_presence.pending"] == 1
    # T visa: P-001, signed; U visa: P-005, requested by the attorney, pending
    assert f["relief.t_visa.requested"] == 1
    assert f["relief.t_visa.signed"] == 1
    assert f["relief.t_visa.declined"] == 0
    assert f["relief.t_visa.pending"] == 0
    assert f["relief.u_visa.requested"] == 1
    assert f["relief.u_visa.signed"] == 0
    assert f["relief.u_visa.declined"] == 0
    assert f["relief.u_visa.pending"] == 1


def test_consents_are_the_recording_provider_s_counts_only(exercise, report):
    """Consents belong to the provider that recorded them: its own report counts them; the task
    force's report has none, not even those naming an investigative agency."""

    def figures_of(slug: str) -> dict[str, object]:
        return report_generate(
            actor=coordinator_of(slug),
            code=exercise.operation.code,
            audience=Audience.INTERNAL,
            format="json",
            via="test",
            now=exercise.now,
        ).figures

    # harbor-vs: P-001 to hsi, active; P-002 to metro-pd, revoked; P-003 expired ten days ago
    harbor = figures_of("harbor-vs")
    assert [harbor[f"consents.{state}"] for state in ("recorded", "revoked", "expired", "active")] == [
        3,
        1,
        1,
        1,
    ]
    assert not any("purpose" in name or "Fictional" in repr(value) for name, value in harbor.items())
    # bay-vs: P-004 to hsi, active
    bay = figures_of("bay-vs")
    assert [bay[f"consents.{state}"] for state in ("recorded", "revoked", "expired", "active")] == [
        1,
        0,
        0,
        1,
    ]
    assert not any(name.startswith("consents.") for name in report.figures)


def test_plan_readiness_at_approval_and_amendments(report):
    f = report.figures
    # version 1 was approved with every rule passing; one amendment (version 2, anticipated) since
    assert f["plan.readiness_at_approval"] == {"version": 1, "ready": True, "failing_rules": []}
    assert f["plan.amendments_after_start"] == 1
    [amendment] = f["plan.amendments_after_start.each"]
    assert amendment["version"] == 2
    assert amendment["author"] == "Cole Coordinator"
    assert amendment["sections"] == ["anticipated"]


def test_timeline_by_person(report):
    rows = {row.code: row for row in report.timeline}
    assert list(rows) == [f"P-00{i}" for i in range(1, 10)]
    assert (rows["P-001"].minutes_to_provider_contact, rows["P-001"].minutes_to_interview) == (20, 60)
    assert (rows["P-003"].minutes_to_provider_contact, rows["P-003"].minutes_to_interview) == (65, 115)
    assert (rows["P-005"].minutes_to_provider_contact, rows["P-005"].minutes_to_interview) == (90, None)
    assert (rows["P-008"].minutes_to_provider_contact, rows["P-008"].minutes_to_interview) == (None, None)
    assert rows["P-004"].outcome == "transferred"
    assert rows["P-006"].designation == "suspect"


def test_the_report_reads_a_fixed_number_of_queries(exercise):
    coordinator = make_user("coordinator")

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            report_generate(
                actor=coordinator,
                code=exercise.operation.code,
                audience=Audience.INTERNAL,
                format="json",
                via="test",
                now=exercise.now,
            )
        return len(captured.captured_queries)

    queries()  # the actor's agency is read once, then cached on the user
    before = queries()
    # ten more persons, each with a needs assessment and a service
    for n in range(10, 20):
        person = services.person_register(
            actor=make_user("investigator"),
            operation=exercise.operation,
            code=f"P-0{n}",
            encountered_at=exercise.t0,
            tags=("female", "adult"),
        )
        services.needs_assessment_record(actor=make_user("advocate"), person=person, urgent=["food"])
        services.victim_service_record(
            actor=make_user("advocate"),
            person=person,
            kind="service",
            service_kind="food",
            service_status="provided",
        )
    assert queries() == before
    assert before <= 25  # one query per kind of record, plus the operation, the policy and the audit
