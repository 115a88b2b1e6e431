"""`haven demo` loads the whole demo exercise, idempotently, so every demo account sees a live operation."""

from __future__ import annotations

import pytest

from haven.accounts.models import User
from haven.exercises.demo import demo_accounts, load_demo, set_up_demo
from haven.exercises.loader import exercise_load
from haven.operations.models import Operation
from haven.operations.selectors import operations_visible_to
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
