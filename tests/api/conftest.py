"""Fixtures for the API suites: the test task force's operation, fresh in each test's database."""

from __future__ import annotations

import pytest

from haven.operations.models import Operation
from tests.operations.fixtures import make_operation


@pytest.fixture
def operation(db: None) -> Operation:
    """The test task force's operation, approved, starting in three days."""
    return make_operation()
