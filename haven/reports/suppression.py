"""Small-count suppression that cannot be undone by subtraction: pure.

Rule (the after-action report's shareable audience): every count from 1 to threshold − 1 is shown as
"fewer than N" (primary suppression). Where published figures add up — a total and its breakdown — a reader
could subtract the cells they see from the total and recover a hidden count; so further counts are
withheld (complementary suppression) until no hidden count can be worked out.

"Worked out" is judged the way a careful reader would: each hidden count has the range its marker reveals
(a primary cell lies in 1 … N−1; a withheld cell is a count that was not small, so N or more — zeros and
small counts are never withheld), and every sum narrows those ranges (interval propagation to a fixed
point). A hidden count whose range narrows to a single value is exposed, and one more count of a sum it
is part of is withheld: the smallest non-zero cell published, a total only when no cell is left. When
nothing is left to withhold — a small group whose every part is small, such as 2 = 1 + 1 under "fewer than
3" — the breakdown is not shown at all ("not shown": any count, zero included). For the sums Haven
publishes — breakdowns that share at most one figure, as a tree — this propagation finds every value that
subtraction could pin down.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from enum import StrEnum

from haven.reports.figures import Path, Table


class Mark(StrEnum):
    FEWER = "fewer"  # a count from 1 to threshold − 1, shown as "fewer than N"
    WITHHELD = "withheld"  # a larger count, hidden so that a small one cannot be recovered
    NOT_SHOWN = "not_shown"  # a cell of a breakdown too small to break down: any count, 0 included


def marker_range(mark: Mark, threshold: int) -> tuple[float, float]:
    """What a reader learns of a hidden count from its marker alone."""
    if mark is Mark.FEWER:
        return (1, threshold - 1)
    if mark is Mark.WITHHELD:
        return (threshold, math.inf)
    return (0, math.inf)


Bounds = dict[Path, tuple[float, float]]


def _variables(values: Mapping[Path, int], tables: Sequence[Table]) -> list[Path]:
    seen = dict.fromkeys(values)
    for table in tables:
        for path in (table.total, *table.cells):
            seen.setdefault(path, None)
    return list(seen)


def bounds(
    values: Mapping[Path, int], tables: Sequence[Table], marks: Mapping[Path, Mark], threshold: int
) -> Bounds:
    """What a reader of the published figures can know of each count: the narrowest range that the markers
    and every published sum allow."""
    ranges: Bounds = {}
    for path in _variables(values, tables):
        mark = marks.get(path)
        ranges[path] = marker_range(mark, threshold) if mark else (values[path], values[path])
    for _ in range(1000):  # the sums are a tree: this settles in a few passes
        changed = False
        for table in tables:
            changed |= _narrow(ranges, table)
        if not changed:
            break
    return ranges


def _narrow(ranges: Bounds, table: Table) -> bool:
    changed = False
    total_lo, total_hi = ranges[table.total]
    lo = sum(ranges[c][0] for c in table.cells)
    hi = sum(ranges[c][1] for c in table.cells)
    new_total = (max(total_lo, lo), min(total_hi, hi))
    if new_total != ranges[table.total]:
        ranges[table.total] = new_total
        changed = True
    total_lo, total_hi = new_total
    for cell in table.cells:
        others_lo = sum(ranges[c][0] for c in table.cells if c != cell)
        others_hi = sum(ranges[c][1] for c in table.cells if c != cell)
        cell_lo, cell_hi = ranges[cell]
        narrowed = (max(cell_lo, total_lo - others_hi), min(cell_hi, total_hi - others_lo))
        if narrowed != ranges[cell]:
            ranges[cell] = narrowed
            changed = True
    return changed


def exposed(
    values: Mapping[Path, int], tables: Sequence[Table], marks: Mapping[Path, Mark], threshold: int
) -> list[Path]:
    """The hidden counts a reader could work out exactly (a marker that itself names one value — "fewer
    than 2" can only mean 1 — is the policy's choice, not a leak)."""
    ranges = bounds(values, tables, marks, threshold)
    found = []
    for path, mark in marks.items():
        lo, hi = ranges[path]
        own = marker_range(mark, threshold)
        if lo == hi and own[0] != own[1]:
            found.append(path)
    return sorted(found)


def suppress(values: Mapping[Path, int], tables: Sequence[Table], threshold: int) -> dict[Path, Mark]:
    """The counts to hide: every small one, and as many more as it takes for none to be recoverable."""
    marks: dict[Path, Mark] = {p: Mark.FEWER for p, v in values.items() if 1 <= v < threshold}
    totals = {t.total for t in tables}
    while True:
        leaks = exposed(values, tables, marks, threshold)
        if not leaks:
            return marks
        leak = leaks[0]
        around = [t for t in tables if leak in (t.total, *t.cells)]
        candidates = _candidates(around, values, marks)
        if candidates:
            marks[min(candidates, key=lambda p: (p in totals, values[p], p))] = Mark.WITHHELD
            continue
        # Nothing left to withhold around it: the group is too small to break down without giving the
        # counts away (2 = 1 + 1 with "fewer than 3" everywhere). Its breakdown is not shown at all.
        changed = False
        for table in around:
            for path in (*table.cells, *((table.total,) if table.total == leak else ())):
                if marks.get(path) is not Mark.NOT_SHOWN:
                    marks[path] = Mark.NOT_SHOWN
                    changed = True
        if not changed:
            anywhere = _candidates(tables, values, marks)
            if not anywhere:
                return marks  # everything that could hide it is hidden already
            marks[min(anywhere, key=lambda p: (p in totals, values[p], p))] = Mark.WITHHELD


def _candidates(
    tables: Iterable[Table], values: Mapping[Path, int], marks: Mapping[Path, Mark]
) -> list[Path]:
    return sorted(
        {
            path
            for table in tables
            for path in (*table.cells, table.total)
            if path not in marks and values.get(path, 0) > 0
        }
    )
