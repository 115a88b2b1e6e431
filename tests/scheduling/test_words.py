"""Issue 14: the interview plan in a coordinator's words, and the day's window defaulting to the operation's
period rather than "now + 10 hours"."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from haven.scheduling.words import default_window, plan_summary

T = datetime(2026, 12, 3, 10, 0, tzinfo=UTC)


def summary(**kwargs):
    facts = {
        "scheduled": 4,
        "left_out": [],
        "waits": [20, 30, 40, 50],
        "proven": True,
        "left_out_weight": 0,
        "least_left_out_weight": 0,
        "seconds": 0.4,
    }
    return plan_summary(**(facts | kwargs))


def test_a_proven_plan_that_schedules_everyone_says_so_with_the_average_wait():
    assert summary() == [
        "Everyone is scheduled.",
        "The average wait for an interview is 35 min; the longest 50 min.",
        "This is the best possible plan.",
    ]


def test_a_plan_that_leaves_people_out_names_them_and_says_why():
    words = summary(
        scheduled=2,
        left_out=[
            ("P-004", "no forensic interviewer is available."),
            ("P-007", "not yet told what happens next"),
        ],
        waits=[90, 0],
    )
    assert words[0] == "2 people scheduled; 2 people left out: P-004, P-007."
    assert words[1] == "P-004: no forensic interviewer is available."
    assert words[2] == "P-007: not yet told what happens next."
    assert words[3] == "The average wait for an interview is 45 min; the longest 1 h 30 min."
    assert not any("weight" in w or "bound" in w for w in words)


def test_beyond_three_left_out_the_rest_are_counted_not_explained():
    left = [(f"P-00{i}", "reason") for i in range(1, 6)]
    words = summary(scheduled=0, left_out=left, waits=[])
    assert words[0] == "No one could be scheduled; 5 people left out: P-001, P-002, P-003, P-004, P-005."
    assert "Why the other 2 are left out is listed below." in words


def test_an_unproven_plan_says_whether_more_people_could_be_scheduled():
    assert summary(proven=False, least_left_out_weight=0, seconds=10.2)[-1] == (
        "No plan can schedule more people; one with shorter waits may exist (the planner stopped after 10 s)."
    )
    assert (
        summary(proven=False, left_out=[("P-001", "r")], left_out_weight=3, least_left_out_weight=1)[-1]
        == "A better plan may exist: the planner stopped after 0 s before proving this one the best."
    )
    assert summary(proven=False, least_left_out_weight=None)[-1].startswith("A better plan may exist")


def test_nothing_to_schedule_is_said_plainly():
    assert summary(scheduled=0, waits=[]) == ["No one is ready for an interview yet: nothing to schedule."]


def test_one_wait_is_not_an_average():
    assert summary(scheduled=1, waits=[65])[1] == "The wait for an interview is 1 h 5 min."


def test_the_window_defaults_to_the_operations_period():
    assert default_window(T, T - timedelta(hours=2), T + timedelta(hours=4), fallback_hours=10) == (
        T - timedelta(hours=2),
        T + timedelta(hours=4),
    )
    # before the action: its period too
    assert default_window(T, T + timedelta(hours=12), T + timedelta(hours=18), fallback_hours=10) == (
        T + timedelta(hours=12),
        T + timedelta(hours=18),
    )


def test_a_long_operation_gives_a_day_and_one_that_is_over_gives_the_fallback():
    start, until = default_window(T, T - timedelta(hours=1), T + timedelta(days=3), fallback_hours=10)
    assert (start, until) == (
        T - timedelta(hours=1),
        T - timedelta(hours=1) + timedelta(hours=23, minutes=45),
    )
    assert default_window(T, T - timedelta(hours=8), T - timedelta(hours=2), fallback_hours=10) == (
        T,
        T + timedelta(hours=10),
    )
    assert default_window(T, T - timedelta(hours=8), T + timedelta(minutes=30), fallback_hours=10) == (
        T,
        T + timedelta(hours=10),
    )
