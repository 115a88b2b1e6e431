"""What each audience reads of the exact figures: pure.

- `internal` (the task force's coordinators): every figure exactly, with the lists behind the statistics
  and the per-person timeline by pseudonymous code.
- `shareable` (funders, partner task forces): no codes, no timelines, no lists of individual values; every
  count from 1 to threshold − 1 shown as "fewer than N", more counts withheld where a sum would otherwise
  give one away, and the breakdown of a group too small to break down not shown (see
  `haven.reports.suppression`); a statistic of a group smaller than the threshold is
  withheld; and a reason for a release or transfer given to fewer than N people is counted under "other
  reasons", because a rare reason written out can point to a person even without its count.
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from haven.reports.figures import Figures, Path, Table, TimelineRow
from haven.reports.suppression import Mark, suppress

OTHER_REASONS = "other reasons"
WITHHELD = "withheld"
NOT_SHOWN = "not shown"
MARKER_TEXT = {Mark.WITHHELD: WITHHELD, Mark.NOT_SHOWN: NOT_SHOWN}
_REASONS = ("persons.released.reasons", "persons.transferred.reasons")


class Audience(StrEnum):
    INTERNAL = "internal"
    SHAREABLE = "shareable"


def fewer_than(threshold: int) -> str:
    return f"fewer than {threshold}"


@dataclass
class Published:
    """The figures one audience reads: values are exact, or the marker strings for hidden counts."""

    audience: Audience
    values: dict[str, Any]
    threshold: int
    marks: dict[Path, Mark] = field(default_factory=dict)
    timeline: list[TimelineRow] = field(default_factory=list)
    # what the suppression judged: the exact counts and the sums between them (shareable only)
    counts: dict[Path, int] = field(default_factory=dict)
    tables: list[Table] = field(default_factory=list)

    @property
    def fewer(self) -> str:
        return fewer_than(self.threshold)


def publish(figures: Figures, audience: Audience, threshold: int) -> Published:
    """The figures as this audience may read them."""
    if audience is Audience.INTERNAL:
        return Published(audience, copy.deepcopy(figures.values), threshold, timeline=list(figures.timeline))
    figures = _group_rare_reasons(figures, threshold)
    counts = {path: figures.get(path) for path in figures.counted}
    marks = suppress(counts, figures.tables, threshold)
    values = {k: copy.deepcopy(v) for k, v in figures.values.items() if k not in figures.internal_only}
    for path, mark in marks.items():
        _set(values, path, fewer_than(threshold) if mark is Mark.FEWER else MARKER_TEXT[mark])
    for statistic, count in figures.statistics:
        value = figures.get(statistic)
        if value is not None and figures.get(count) < threshold:
            _set(values, statistic, WITHHELD)
    return Published(audience, values, threshold, marks=marks, counts=counts, tables=list(figures.tables))


def _set(values: dict[str, Any], path: Path, value: Any) -> None:
    if len(path) == 1:
        values[path[0]] = value
        return
    target = values[path[0]]
    for key in path[1:-1]:
        target = target[key]
    target[path[-1]] = value


def _group_rare_reasons(figures: Figures, threshold: int) -> Figures:
    """Fold each reason given fewer than `threshold` times into "other reasons" (sums kept)."""
    grouped = copy.copy(figures)
    grouped.values = dict(figures.values)
    grouped.counted = [p for p in figures.counted if p[0] not in _REASONS]
    outcomes = {name.removesuffix(".reasons") for name in _REASONS}
    grouped.tables = [t for t in figures.tables if t.total[0] not in outcomes]
    for name in _REASONS:
        if name not in figures.values:
            continue
        reasons: dict[str, int] = figures.values[name]
        kept = {reason: n for reason, n in reasons.items() if n >= threshold}
        rare = sum(n for n in reasons.values() if n < threshold)
        if rare:
            kept[OTHER_REASONS] = kept.get(OTHER_REASONS, 0) + rare
        grouped.values[name] = kept
        cells = [(name, reason) for reason in kept]
        grouped.counted += cells
        grouped.tables.append(Table((name.removesuffix(".reasons"),), tuple(cells)))
    return grouped
