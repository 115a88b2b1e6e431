"""Formula-safe spreadsheet cells (OWASP CSV injection)."""

from __future__ import annotations

import csv
import io

import pytest

from haven.core.spreadsheets import safe_cell


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://x")', "+1+1", "-2+3", "@SUM(A1)", "\t=1", "\r=1", "=cmd|' /C calc'!A0"],
)
def test_text_that_would_start_a_formula_gets_a_leading_apostrophe(text):
    assert safe_cell(text) == "'" + text


@pytest.mark.parametrize(
    "text", ["", "P-002", "alice", "person.opened", "50% done", " =not first", "'quoted"]
)
def test_other_text_is_unchanged(text):
    assert safe_cell(text) == text


@pytest.mark.parametrize("value", [None, 0, -5, 3.5, True])
def test_values_that_are_not_text_are_unchanged(value):
    assert safe_cell(value) is value


def test_a_neutralised_cell_survives_csv_quoting_as_one_cell():
    buffer = io.StringIO()
    csv.writer(buffer).writerow([safe_cell('=1+2,"x"'), safe_cell("plain")])
    assert next(csv.reader(io.StringIO(buffer.getvalue()))) == ['\'=1+2,"x"', "plain"]
