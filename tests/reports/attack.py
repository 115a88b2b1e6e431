"""A reader who wants the hidden counts back: two independent attackers for the suppression tests.

- `subtractions`: the literal attack — for every published total, subtract every subset of the published
  cells of its breakdown, and see whether the result is a hidden count of that breakdown.
- `recoverable`: the exact attack — solve the whole system of published sums with an integer solver
  (CP-SAT), every hidden count in the range its marker reveals ("fewer than N": 1 … N−1; "withheld": N or
  more, as the rule never withholds a zero or a small count; "not shown": any count), and report each hidden
  count whose smallest and largest possible values are the same.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from itertools import combinations

from ortools.sat.python import cp_model

from haven.reports.figures import Path, Table
from haven.reports.suppression import Mark

CEILING = 100_000  # larger than any count in a test


def subtractions(
    values: Mapping[Path, int], tables: Sequence[Table], marks: Mapping[Path, Mark]
) -> list[tuple[Path, Path]]:
    """Every (total, hidden cell) where total − some published cells equals that hidden cell's count."""
    found = []
    for table in tables:
        if table.total in marks:
            continue
        shown = [c for c in table.cells if c not in marks]
        hidden = [c for c in table.cells if c in marks]
        for size in range(len(shown) + 1):
            for subset in combinations(shown, size):
                rest = values[table.total] - sum(values[c] for c in subset)
                found += [(table.total, cell) for cell in hidden if values[cell] == rest]
    return found


def _solve(
    values: Mapping[Path, int],
    tables: Sequence[Table],
    marks: Mapping[Path, Mark],
    threshold: int,
    target: Path,
    maximise: bool,
) -> int:
    model = cp_model.CpModel()
    variables = {}
    for path in {p for t in tables for p in (t.total, *t.cells)} | set(marks):
        mark = marks.get(path)
        if mark is Mark.FEWER:
            variables[path] = model.new_int_var(1, threshold - 1, str(path))
        elif mark is Mark.WITHHELD:
            variables[path] = model.new_int_var(threshold, CEILING, str(path))
        elif mark is Mark.NOT_SHOWN:
            variables[path] = model.new_int_var(0, CEILING, str(path))
        else:
            variables[path] = model.new_constant(values[path])
    for table in tables:
        model.add(variables[table.total] == sum(variables[c] for c in table.cells))
    if maximise:
        model.maximize(variables[target])
    else:
        model.minimize(variables[target])
    solver = cp_model.CpSolver()
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    assert status == cp_model.OPTIMAL, "the published figures must be consistent"
    return int(solver.value(variables[target]))


def recoverable(
    values: Mapping[Path, int], tables: Sequence[Table], marks: Mapping[Path, Mark], threshold: int
) -> list[Path]:
    """The hidden counts an exact solver pins to one value (markers that name one value excepted)."""
    found = []
    for path, mark in marks.items():
        if mark is Mark.FEWER and threshold - 1 == 1:
            continue  # "fewer than 2" names 1 by itself: the policy's choice, not a leak
        low = _solve(values, tables, marks, threshold, path, maximise=False)
        high = _solve(values, tables, marks, threshold, path, maximise=True)
        assert low <= values[path] <= high
        if low == high:
            found.append(path)
    return found
