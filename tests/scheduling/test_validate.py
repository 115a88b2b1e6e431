"""The validator: each rule of the spec broken on purpose in a hand-built schedule, and caught in words."""

from __future__ import annotations

from typing import Any

import pytest

from haven.scheduling.formats import InterviewProblem
from haven.scheduling.validate import Violation, check_schedule
from tests.scheduling.builders import interpreter, interviewer, make_problem, make_schedule, person, room


@pytest.fixture
def problem() -> InterviewProblem:
    return make_problem(
        persons=[
            person("P-001", ready=1, keep_apart=["P-002"]),
            person("P-002", languages=["es"], duration=3, priority="high"),
            person("P-003", minor=True, interviewer_gender="female"),
            person(
                "P-004",
                languages=["ht"],
                ready=4,
                fixed={"start": 6, "room": "R-02", "interviewer": "I-01", "interpreter": "T-02"},
            ),
        ],
        interviewers=[
            interviewer("I-01"),
            interviewer("I-02", role="forensic_interviewer", available=[[0, 8]]),
            interviewer("I-03", gender="male", languages=["en", "es"]),
            interviewer("I-04", role="forensic_interviewer", gender=None),
        ],
        interpreters=[
            interpreter("T-01", languages=["es", "en"], available=[[0, 4]]),
            interpreter("T-02", languages=["ht", "en"]),
            interpreter("T-03", languages=["ht", "fr"]),
        ],
        rooms=[
            room("R-01"),
            room("R-02"),
            room("R-03", location="eastside-advocacy"),
            room("R-04", private=False),
            room("R-05", nondetention=False),
            room("R-06", available=[[0, 2]]),
        ],
    )


VALID: list[dict[str, Any]] = [
    {"person": "P-001", "start": 1, "room": "R-01", "interviewer": "I-01"},
    {"person": "P-002", "start": 0, "room": "R-03", "interviewer": "I-03"},
    {"person": "P-003", "start": 0, "room": "R-02", "interviewer": "I-02"},
    {"person": "P-004", "start": 6, "room": "R-02", "interviewer": "I-01", "interpreter": "T-02"},
]


def changed(person_id: str, **fields: Any) -> list[dict[str, Any]]:
    return [{**a, **fields} if a["person"] == person_id else dict(a) for a in VALID]


def only(violations: list[Violation]) -> Violation:
    assert len(violations) == 1, [str(v) for v in violations]
    return violations[0]


def test_a_schedule_keeping_every_rule_has_no_violation(problem: InterviewProblem) -> None:
    assert check_schedule(problem, make_schedule(problem, VALID)) == []


@pytest.mark.parametrize(
    ("person_id", "fields", "rule", "message"),
    [
        ("P-001", {"start": 0}, "1", "P-001 starts at slot 0, before they are ready at slot 1"),
        ("P-001", {"start": 15}, "1", "P-001's interview would end at slot 17, after the horizon (16)"),
        ("P-001", {"room": "R-04"}, "2", "P-001 is in room R-04, which is not private"),
        ("P-001", {"room": "R-05"}, "2", "P-001 is in room R-05, which is not a nondetention setting"),
        ("P-001", {"room": "R-06"}, "2", "room R-06 is not available over slots 1-2 for P-001"),
        ("P-003", {"start": 7}, "3", "interviewer I-02 is not available over slots 7-8 for P-003"),
        (
            "P-003",
            {"interviewer": "I-01"},
            "3",
            "P-003 is a minor but interviewer I-01 is an investigator, not a forensic interviewer",
        ),
        (
            "P-003",
            {"interviewer": "I-04"},
            "3",
            "P-003 asked for a female interviewer but I-04 is of unrecorded gender",
        ),
        (
            "P-002",
            {"interpreter": "T-01"},
            "4",
            "P-002 and interviewer I-03 share a language (es), so there must be no interpreter, "
            "but T-01 is assigned",
        ),
        (
            "P-004",
            {"interpreter": None},
            "4",
            "P-004 and interviewer I-01 share no language and no interpreter is assigned",
        ),
        ("P-004", {"interpreter": "T-01"}, "4", "interpreter T-01 speaks none of P-004's languages (ht)"),
    ],
)
def test_each_broken_rule_is_caught_and_named(
    problem: InterviewProblem, person_id: str, fields: dict[str, Any], rule: str, message: str
) -> None:
    # given a valid schedule (P-004's fixed interview is only changed where that is the point)
    schedule = make_schedule(problem, changed(person_id, **fields))
    # when / then
    found = [v for v in check_schedule(problem, schedule) if v.rule != "7"]
    assert any(v.rule == rule and v.message == message for v in found), [str(v) for v in found]


def test_an_interpreter_who_speaks_only_the_persons_language_is_caught() -> None:
    problem = make_problem(
        persons=[person("P-001", languages=["ht"])],
        interviewers=[interviewer("I-01")],
        interpreters=[
            interpreter("T-03", languages=["ht", "fr"]),
            interpreter("T-04", languages=["ht", "en"], available=[[4, 8]]),
        ],
        rooms=[room("R-01")],
    )
    schedule = make_schedule(
        problem,
        [{"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01", "interpreter": "T-03"}],
    )
    violation = only(check_schedule(problem, schedule))
    assert (violation.rule, violation.message) == (
        "4",
        "interpreter T-03 speaks none of interviewer I-01's languages (en)",
    )
    late = make_schedule(
        problem,
        [{"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01", "interpreter": "T-04"}],
    )
    violation = only(check_schedule(problem, late))
    assert (violation.rule, violation.message) == (
        "4",
        "interpreter T-04 is not available over slots 0-1 for P-001",
    )


@pytest.mark.parametrize(
    ("fields", "message"),
    [
        ({"room": "R-02"}, "room R-02 holds P-003 (slots 0-1) and P-001 (slots 1-2)"),
        ({"room": "R-03", "start": 1}, "room R-03 holds P-002 (slots 0-2) and P-001 (slots 1-2)"),
        ({"interviewer": "I-02"}, "interviewer I-02 holds P-003 (slots 0-1) and P-001 (slots 1-2)"),
    ],
)
def test_a_resource_holding_two_interviews_at_once_is_caught(
    problem: InterviewProblem, fields: dict[str, Any], message: str
) -> None:
    schedule = make_schedule(problem, changed("P-001", **fields))
    double = [v for v in check_schedule(problem, schedule) if v.rule == "5"]
    assert [v.message for v in double] == [f"{message} at overlapping times"]


def test_an_interpreter_holding_two_interviews_at_once_is_caught() -> None:
    problem = make_problem(
        persons=[person("P-001", languages=["es"]), person("P-002", languages=["es"], ready=1)],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        interpreters=[interpreter("T-01")],
        rooms=[room("R-01"), room("R-02")],
    )
    schedule = make_schedule(
        problem,
        [
            {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01", "interpreter": "T-01"},
            {"person": "P-002", "start": 1, "room": "R-02", "interviewer": "I-02", "interpreter": "T-01"},
        ],
    )
    violation = only(check_schedule(problem, schedule))
    assert violation.rule == "5"
    assert violation.subject == "T-01"
    assert (
        violation.message
        == "interpreter T-01 holds P-001 (slots 0-1) and P-002 (slots 1-2) at overlapping times"
    )


def test_people_kept_apart_at_one_location_at_once_are_caught(problem: InterviewProblem) -> None:
    # P-002 moves from the eastside to harbor-center, where P-001 is at the same time
    schedule = make_schedule(problem, changed("P-002", room="R-02"))
    found = [v for v in check_schedule(problem, schedule) if v.rule == "6"]
    assert [v.message for v in found] == [
        "P-001 and P-002 must be kept apart but are both at harbor-center at overlapping times (rooms R-01 and R-02)"
    ]


def test_keep_apart_binds_whichever_side_lists_it() -> None:
    problem = make_problem(
        persons=[person("P-001"), person("P-002", keep_apart=["P-001"])],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01"), room("R-02"), room("R-03", location="elsewhere")],
    )
    together = make_schedule(
        problem,
        [
            {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01"},
            {"person": "P-002", "start": 1, "room": "R-02", "interviewer": "I-02"},
        ],
    )
    assert only(check_schedule(problem, together)).rule == "6"
    apart_in_place = make_schedule(
        problem,
        [
            {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01"},
            {"person": "P-002", "start": 1, "room": "R-03", "interviewer": "I-02"},
        ],
    )
    apart_in_time = make_schedule(
        problem,
        [
            {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01"},
            {"person": "P-002", "start": 2, "room": "R-02", "interviewer": "I-02"},
        ],
    )
    assert check_schedule(problem, apart_in_place) == []
    assert check_schedule(problem, apart_in_time) == []


def test_a_moved_fixed_interview_is_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(problem, changed("P-004", start=7))
    violation = only(check_schedule(problem, schedule))
    assert violation.rule == "7"
    assert violation.message == "P-004's fixed interview was moved: start 7 instead of 6"


def test_a_fixed_interview_left_unscheduled_is_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(problem, VALID[:3], [{"person": "P-004", "reason": "the interpreter is ill"}])
    violation = only(check_schedule(problem, schedule))
    assert (violation.rule, violation.message) == (
        "7",
        "P-004 has a fixed interview but is not in the assignments",
    )


def test_a_stated_cost_that_does_not_match_is_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(problem, VALID, cost=(0, 5))
    violation = only(check_schedule(problem, schedule))
    assert violation.rule == "cost"
    assert violation.message == (
        "the schedule states unscheduled_weight 0 and weighted_wait 5, but its assignments give "
        "unscheduled_weight 0 and weighted_wait 2"
    )


def test_a_missing_person_is_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(problem, [a for a in VALID if a["person"] != "P-002"])
    violation = only(check_schedule(problem, schedule))
    assert (violation.rule, violation.message) == (
        "once",
        "P-002 appears neither in assignments nor in unscheduled",
    )


def test_a_person_listed_twice_is_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(problem, VALID, [{"person": "P-003", "reason": "no room"}])
    violation = only(check_schedule(problem, schedule))
    assert (violation.rule, violation.message) == (
        "once",
        "P-003 appears 2 times across assignments and unscheduled, not once",
    )


def test_unknown_ids_and_silent_unscheduling_are_caught(problem: InterviewProblem) -> None:
    schedule = make_schedule(
        problem,
        [
            *changed("P-001", room="R-99")[:3],
            {**VALID[3]},
            {"person": "P-404", "start": 0, "room": "R-01", "interviewer": "I-01"},
        ],
    )
    messages = {(v.rule, v.message) for v in check_schedule(problem, schedule)}
    assert ("reference", "P-001's room 'R-99' names no room") in messages
    assert ("reference", "assignment for 'P-404' names no person") in messages
    blank = make_schedule(problem, VALID[1:], [{"person": "P-001", "reason": "  "}])
    assert ("once", "P-001 is unscheduled without a reason") in {
        (v.rule, v.message) for v in check_schedule(problem, blank)
    }


def test_a_violation_reads_as_rule_then_words() -> None:
    violation = Violation("6", "P-001", "P-001 and P-002 must be kept apart")
    assert str(violation) == "rule 6 (keep apart): P-001 and P-002 must be kept apart"


def test_an_interviewer_or_room_not_eligible_for_the_person_is_caught() -> None:
    """Rules 2 and 3 with `eligible_rooms` and `eligible_interviewers` (the plan's who-interviews-whom)."""
    problem = make_problem(
        persons=[person("P-001", eligible_interviewers=["I-01"], eligible_rooms=["R-01"])],
        interviewers=[interviewer("I-01"), interviewer("I-02")],
        rooms=[room("R-01"), room("R-02", location="cac-suite")],
    )
    fine = {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01"}
    assert check_schedule(problem, make_schedule(problem, [fine])) == []
    wrong_interviewer = make_schedule(problem, [{**fine, "interviewer": "I-02"}])
    assert [str(v) for v in check_schedule(problem, wrong_interviewer)] == [
        "rule 3 (eligible, available interviewer): interviewer I-02 is not one of the interviewers eligible "
        "for P-001 (I-01)"
    ]
    wrong_room = make_schedule(problem, [{**fine, "room": "R-02"}])
    assert [str(v) for v in check_schedule(problem, wrong_room)] == [
        "rule 2 (private, nondetention, available room): P-001 is in room R-02, which is not one of the rooms "
        "eligible for them (R-01)"
    ]


def test_a_person_and_an_interviewer_share_a_language_by_whole_subtags() -> None:
    # Traditional Chinese and Chinese are one language: no interpreter; Cantonese and Chinese are not
    problem = make_problem(
        persons=[person("P-001", languages=["zh-Hant"]), person("P-002", languages=["yue"])],
        interviewers=[
            interviewer("I-01", languages=["en", "zh"]),
            interviewer("I-02", languages=["en", "zh"]),
        ],
        interpreters=[interpreter("T-01", languages=["en", "yue"])],
        rooms=[room("R-01"), room("R-02")],
    )
    shared = make_schedule(
        problem,
        [
            {"person": "P-001", "start": 0, "room": "R-01", "interviewer": "I-01", "interpreter": None},
            {"person": "P-002", "start": 0, "room": "R-02", "interviewer": "I-02", "interpreter": None},
        ],
    )
    violation = only(check_schedule(problem, shared))
    assert (violation.rule, violation.message) == (
        "4",
        "P-002 and interviewer I-02 share no language and no interpreter is assigned",
    )
