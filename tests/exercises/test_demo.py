"""`haven demo` loads the whole demo exercise, idempotently, so every demo account sees a live operation —
placed in time so that it is under way whenever the demo starts (issue 14)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
import time_machine
from django.utils import timezone

from haven.accounts.models import User
from haven.audit.events import AuditEvent
from haven.audit.models import AuditRecord
from haven.audit.verify import verify_chain
from haven.encounters.models import DangerFlag, NeedsAssessment
from haven.encounters.selectors import board_for
from haven.exercises.demo import DEMO_EXERCISE, UNDER_WAY_FOR, demo_accounts, load_demo, set_up_demo
from haven.exercises.loader import exercise_load
from haven.operations.models import Operation, OperationStatus
from haven.operations.selectors import current_plan, operation_for, operations_visible_to
from haven.readiness import evaluate
from haven.reports.audiences import Audience
from haven.reports.services import report_generate
from tests.exercises.builders import demo_data, row_counts, write

pytestmark = pytest.mark.django_db


def test_set_up_demo_loads_the_whole_exercise_and_returns_its_accounts():
    accounts = set_up_demo()
    assert [a.username for a in accounts] == [u["username"] for u in demo_data()["users"]]
    assert all(len(a.totp_secret) == 32 and a.current_code().isdigit() for a in accounts)
    operation = Operation.objects.get(code="NL-2026-12")
    assert operation.is_exercise
    assert operation.persons.count() == 14


def test_every_demo_account_sees_the_live_operation():
    set_up_demo()
    for account in demo_accounts():
        user = User.objects.get(username=account.username)
        assert [o.code for o in operations_visible_to(user)] == ["NL-2026-12"], account.username


def test_set_up_demo_twice_changes_nothing():
    set_up_demo()
    before = row_counts()
    set_up_demo()
    assert row_counts() == before


def test_a_demo_loaded_from_an_older_file_is_reset_to_the_shipped_one(tmp_path):
    older = demo_data()
    older["encounter"]["interviews"][0]["minutes"] = 50
    exercise_load(write(tmp_path, older))
    report = load_demo()
    assert report.reset
    assert report.removed["persons"] == 14
    assert not load_demo().changed


# -- the demo is always happening now (issue 14) ----------------------------------------------------------

THREE_HOURS = 180


def _board_waits(username: str) -> list[int]:
    actor = User.objects.get(username=username)
    operation, standing = operation_for(actor, "NL-2026-12")
    board = board_for(actor, standing, operation)
    return [row.waiting_minutes for row in board.rows if row.waiting_minutes is not None]


def _assert_under_way_now() -> None:
    now = timezone.now()
    operation = Operation.objects.get(code="NL-2026-12")
    # under way: started, not ended
    assert operation.starts_at <= now < operation.ends_at, (operation.starts_at, now, operation.ends_at)
    # its plan approved, and ready as it stands
    assert operation.status == OperationStatus.APPROVED
    assert operation.approved_version_id == operation.current_version_id
    assert evaluate(current_plan(operation)).ready
    # people are still waiting for a provider — for minutes, never days
    for username in ("arivera", "mlopez"):
        waits = _board_waits(username)
        assert len(waits) >= 4, username
        assert max(waits) <= THREE_HOURS, (username, waits)
    report = report_generate(
        actor=User.objects.get(username="arivera"),
        code="NL-2026-12",
        audience=Audience.INTERNAL,
        format="json",
        via="test",
    )
    each = report.figures["minutes_to_provider_contact.each"]
    assert len(each) >= 5
    assert report.figures["minutes_to_provider_contact.p90"] <= THREE_HOURS
    assert max(each) <= THREE_HOURS
    # and everything that happened before the interviews is in the past
    assert not NeedsAssessment.objects.filter(person__operation=operation, at__gt=now).exists()
    assert not DangerFlag.objects.filter(person__operation=operation, flagged_at__gt=now).exists()


def test_the_demo_loaded_today_is_under_way_with_waits_of_minutes_not_days():
    set_up_demo()
    _assert_under_way_now()


@pytest.mark.parametrize(
    "moment",
    [
        datetime(
            2026, 12, 6, 3, 0, tzinfo=UTC
        ),  # 3 a.m. three days after the file's own date (22:00 at −05:00)
        datetime(2027, 7, 4, 12, 30, tzinfo=UTC),
        datetime(2031, 1, 1, 0, 5, tzinfo=UTC),
    ],
)
def test_the_demo_is_under_way_whenever_it_is_loaded(moment):
    with time_machine.travel(moment, tick=False):
        report = load_demo()
        assert report.placed
        _assert_under_way_now()


def test_loading_the_demo_again_the_same_day_changes_nothing():
    morning = datetime(2027, 7, 4, 13, 0, tzinfo=UTC)  # 08:00 at −05:00
    with time_machine.travel(morning, tick=False):
        load_demo()
    starts_at = Operation.objects.get(code="NL-2026-12").starts_at
    before = row_counts()
    with time_machine.travel(morning + timedelta(hours=10), tick=False):  # 18:00 the same day
        report = load_demo()
    assert not report.changed
    assert row_counts() == before
    assert Operation.objects.get(code="NL-2026-12").starts_at == starts_at


def test_on_a_later_day_the_demo_is_brought_to_now_and_the_audit_trail_keeps_the_removal():
    evening = datetime(2027, 7, 5, 3, 30, tzinfo=UTC)  # 22:30 on 4 July at −05:00
    with time_machine.travel(evening, tick=False):
        load_demo()
    first = Operation.objects.get(code="NL-2026-12")
    next_morning = evening + timedelta(hours=8)  # 06:30 on 5 July at −05:00
    with time_machine.travel(next_morning, tick=False):
        report = load_demo()
        assert report.reset
        assert report.removed["persons"] == 14
        _assert_under_way_now()
    moved = Operation.objects.get(code="NL-2026-12")
    assert moved.pk != first.pk
    assert moved.starts_at == next_morning - UNDER_WAY_FOR
    reset = AuditRecord.objects.get(event_type=AuditEvent.EXERCISE_RESET)
    assert str(reset.operation_id).replace("-", "") == first.pk.hex
    assert verify_chain().intact


def test_a_demo_loaded_at_the_files_own_dates_is_brought_to_now():
    exercise_load(DEMO_EXERCISE)  # 3 December 2026, as the file says
    with time_machine.travel(datetime(2027, 7, 4, 13, 0, tzinfo=UTC), tick=False):
        report = load_demo()
        assert report.reset
        _assert_under_way_now()
