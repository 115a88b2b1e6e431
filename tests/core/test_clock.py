"""Durations and moments as people read them (issue 14): pure functions, one way everywhere."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from haven.core.clock import clock_moment, duration

# 06:40 at UTC−05:00 on 6 December is 11:40 UTC
MORNING = datetime(2026, 12, 6, 11, 40, tzinfo=UTC)
EST = -300


@pytest.mark.parametrize(
    ("minutes", "shown"),
    [
        (0, "0 min"),
        (1, "1 min"),
        (45, "45 min"),
        (60, "1 h"),
        (85, "1 h 25 min"),
        (600, "10 h"),
        (1439, "23 h 59 min"),
        (1440, "1 d"),
        (1440 * 2 + 3 * 60 + 20, "2 d 3 h"),  # minutes do not matter after days
        (1440 * 2 + 20, "2 d"),
    ],
)
def test_a_duration_reads_in_days_hours_and_minutes(minutes, shown):
    assert duration(minutes) == shown


def test_a_negative_duration_is_refused_by_name():
    with pytest.raises(ValueError, match="minutes"):
        duration(-1)


@given(st.integers(min_value=0, max_value=60 * 24 * 400))
def test_a_duration_under_a_day_adds_up_to_its_minutes(minutes):
    words = duration(minutes).split()
    units = {"d": 1440, "h": 60, "min": 1}
    total = sum(int(n) * units[u] for n, u in zip(words[::2], words[1::2], strict=True))
    assert total <= minutes
    assert minutes - total < (60 if minutes >= 1440 else 1)


def test_a_moment_today_on_the_operations_clock_says_today():
    now = MORNING + timedelta(hours=2)
    assert clock_moment(MORNING, EST, now=now) == "today 06:40 UTC\u221205:00"


def test_a_moment_on_another_day_says_the_date():
    now = MORNING + timedelta(days=3)
    assert clock_moment(MORNING, EST, now=now) == "6 Dec 06:40 UTC\u221205:00"


def test_today_is_the_operations_day_not_utcs():
    # 20:30 on 6 December at UTC−05:00 is already 7 December in UTC
    evening = datetime(2026, 12, 7, 1, 30, tzinfo=UTC)
    assert clock_moment(evening, EST, now=evening + timedelta(minutes=10)) == "today 20:30 UTC\u221205:00"
    # and at 00:10 UTC on the 7th the UTC clock's "today" is no longer the operation's
    assert clock_moment(evening, 0, now=evening + timedelta(minutes=10)) == "today 01:30 UTC"
    assert clock_moment(MORNING, 0, now=evening) == "6 Dec 11:40 UTC"


def test_a_moment_in_another_year_says_the_year():
    now = MORNING + timedelta(days=40)
    assert clock_moment(MORNING, EST, now=now) == "6 Dec 2026 06:40 UTC\u221205:00"
