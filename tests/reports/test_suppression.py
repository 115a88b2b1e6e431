"""Small counts are hidden, and no hidden count can be worked out from what is published.

Crafted breakdowns show each rule; random ones (hypothesis) are attacked by trying every subtraction over
the published figures and by solving every published sum exactly (tests/reports/attack.py).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from haven.reports.audiences import OTHER_REASONS, WITHHELD, Audience, publish
from haven.reports.figures import PersonFacts, ReportInput, Scope, Table, compute
from haven.reports.selectors import VOCABULARY
from haven.reports.suppression import Mark, exposed, suppress
from tests.reports.attack import recoverable, subtractions

F, W, N = Mark.FEWER, Mark.WITHHELD, Mark.NOT_SHOWN
T = ("total",)


def cells(*names: str) -> tuple[tuple[str, str], ...]:
    return tuple(("cell", n) for n in names)


def breakdown(total: int, **counts: int) -> tuple[dict[tuple[str, ...], int], list[Table]]:
    values: dict[tuple[str, ...], int] = {T: total, **{("cell", k): v for k, v in counts.items()}}
    return values, [Table(T, cells(*counts))]


def attack(values, tables, marks, threshold):
    return subtractions(values, tables, marks), recoverable(values, tables, marks, threshold)


# --- crafted ------------------------------------------------------------------------------------------


def test_a_small_cell_next_to_a_published_total_takes_a_second_cell_with_it():
    # given 20 = 3 + 9 + 8: with the total shown, hiding 3 alone gives it away (20 − 9 − 8 = 3)
    values, tables = breakdown(20, a=3, b=9, c=8)
    # when
    marks = suppress(values, tables, 5)
    # then the smallest other cell (8) is withheld as well, and neither can be recovered
    assert marks == {("cell", "a"): F, ("cell", "c"): W}
    assert attack(values, tables, marks, 5) == ([], [])


def test_without_complementary_suppression_subtraction_recovers_the_small_cell():
    values, tables = breakdown(20, a=3, b=9, c=8)
    primary_only = {("cell", "a"): F}
    assert subtractions(values, tables, primary_only) == [(T, ("cell", "a"))]
    assert recoverable(values, tables, primary_only, 5) == [("cell", "a")]
    assert exposed(values, tables, primary_only, 5) == [("cell", "a")]


def test_two_small_cells_hide_each_other():
    # 20 − 15 = 5 = a + b, and a, b are each anywhere from 1 to 4: nothing more to hide
    values, tables = breakdown(20, a=3, b=2, c=15)
    marks = suppress(values, tables, 5)
    assert marks == {("cell", "a"): F, ("cell", "b"): F}
    assert attack(values, tables, marks, 5) == ([], [])


def test_a_withheld_cell_cannot_pin_a_small_one_by_its_range():
    # 6 = 1 + 5: withholding the 5 is not enough, because "withheld" means 5 or more and "fewer than 5"
    # means 1 or more, so 6 can only be 1 + 5; the total goes too
    values, tables = breakdown(6, a=1, b=5)
    marks = suppress(values, tables, 5)
    assert marks == {("cell", "a"): F, ("cell", "b"): W, T: W}
    assert attack(values, tables, marks, 5) == ([], [])


def test_zeros_are_published_and_never_withheld():
    values, tables = breakdown(12, a=0, b=2, c=0, d=10)
    marks = suppress(values, tables, 5)
    assert ("cell", "a") not in marks
    assert ("cell", "c") not in marks
    # 12 − 0 − 0 = 2 + d, d withheld (5 or more): 2 is anywhere from 1 to 4 as far as a reader can tell
    assert marks == {("cell", "b"): F, ("cell", "d"): W}
    assert attack(values, tables, marks, 5) == ([], [])


def test_a_group_too_small_to_break_down_is_not_broken_down():
    # 2 = 1 + 1 with "fewer than 3" everywhere: each cell is at least 1, so both must be 1. Nothing larger is
    # left to withhold, so the breakdown is not shown (any count, zero included); the total stays "fewer"
    values, tables = breakdown(2, a=1, b=1)
    primary_only = {T: F, ("cell", "a"): F, ("cell", "b"): F}
    assert recoverable(values, tables, primary_only, 3) == [T, ("cell", "a"), ("cell", "b")]
    marks = suppress(values, tables, 3)
    assert marks == {T: F, ("cell", "a"): N, ("cell", "b"): N}
    assert attack(values, tables, marks, 3) == ([], [])


def test_four_singles_under_fewer_than_five_are_not_shown_either():
    # 4 = 1 + 1 + 1 + 1 + 0: four cells of at least 1 in a total of at most 4
    values, tables = breakdown(4, a=1, b=1, c=1, d=1, e=0)
    marks = suppress(values, tables, 5)
    assert marks[T] is F
    assert {marks[c] for c in cells("a", "b", "c", "d", "e")} == {N}
    assert attack(values, tables, marks, 5) == ([], [])


def test_a_small_total_hides_itself_and_its_cells():
    values, tables = breakdown(3, a=2, b=1, c=0)
    assert suppress(values, tables, 5) == {T: F, ("cell", "a"): F, ("cell", "b"): F}


def test_threshold_one_hides_nothing():
    values, tables = breakdown(20, a=1, b=19)
    assert suppress(values, tables, 1) == {}


def test_a_chain_of_sums_is_followed():
    # persons = victims + others; victims = reached + not reached. Hiding "not reached" (2) and one more
    # cell of its sum must not leave it recoverable through the parent sum.
    values = {
        ("persons",): 30,
        ("victims",): 12,
        ("others",): 18,
        ("reached",): 10,
        ("not_reached",): 2,
    }
    tables = [
        Table(("persons",), (("victims",), ("others",))),
        Table(("victims",), (("reached",), ("not_reached",))),
    ]
    marks = suppress(values, tables, 5)
    assert marks[("not_reached",)] is F
    assert attack(values, tables, marks, 5) == ([], [])


def test_two_breakdowns_of_one_total():
    # one total, broken down two ways (gender, age) as the persons' tags are
    values = {T: 9, ("f",): 5, ("m",): 3, ("g?",): 1, ("adult",): 7, ("minor",): 1, ("a?",): 1}
    tables = [Table(T, (("f",), ("m",), ("g?",))), Table(T, (("adult",), ("minor",), ("a?",)))]
    marks = suppress(values, tables, 5)
    assert attack(values, tables, marks, 5) == ([], [])


# --- random breakdowns ----------------------------------------------------------------------------------


@st.composite
def systems(draw):
    """A total broken down one or two ways, and one cell broken down further: Haven's shapes."""
    threshold = draw(st.integers(min_value=3, max_value=7))
    first = draw(st.lists(st.integers(min_value=0, max_value=25), min_size=2, max_size=5))
    values: dict[tuple[str, ...], int] = {T: sum(first)}
    values.update({("a", str(i)): v for i, v in enumerate(first)})
    tables = [Table(T, tuple(("a", str(i)) for i in range(len(first))))]
    if draw(st.booleans()):  # a second breakdown of the same total
        cuts = sorted(draw(st.lists(st.integers(min_value=0, max_value=sum(first)), min_size=1, max_size=3)))
        parts = [b - a for a, b in zip([0, *cuts], [*cuts, sum(first)], strict=True)]
        values.update({("b", str(i)): v for i, v in enumerate(parts)})
        tables.append(Table(T, tuple(("b", str(i)) for i in range(len(parts)))))
    parent = ("a", str(draw(st.integers(min_value=0, max_value=len(first) - 1))))
    if values[parent] and draw(st.booleans()):  # a breakdown of one cell
        cut = draw(st.integers(min_value=0, max_value=values[parent]))
        values[("c", "0")], values[("c", "1")] = cut, values[parent] - cut
        tables.append(Table(parent, (("c", "0"), ("c", "1"))))
    return values, tables, threshold


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(systems())
def test_no_subtraction_over_the_published_figures_recovers_a_hidden_count(system):
    values, tables, threshold = system
    marks = suppress(values, tables, threshold)
    # every small count is hidden (as "fewer than", or not shown with its whole breakdown); only counts of
    # the threshold or more are withheld
    small = {p for p, v in values.items() if 1 <= v < threshold}
    assert small <= set(marks)
    assert {p for p, m in marks.items() if m is F} <= small
    assert all(values[p] >= threshold for p, m in marks.items() if m is W)
    # no published total minus published cells equals a hidden count
    assert subtractions(values, tables, marks) == []
    # and solving every published sum at once pins none
    assert recoverable(values, tables, marks, threshold) == []


# --- the report's own figures ---------------------------------------------------------------------------


def _person(code: str, outcome: str = "", reason: str = "") -> PersonFacts:
    return PersonFacts(
        code=code,
        encountered_at=datetime(2026, 12, 3, 10, tzinfo=UTC),
        tags=frozenset({"female", "adult"}),
        designation="potential_victim",
        outcome=outcome,
        outcome_reason=reason,
    )


def _facts(persons: list[PersonFacts]) -> ReportInput:
    return ReportInput(
        scope=Scope.TASK_FORCE,
        now=datetime(2026, 12, 3, 16, tzinfo=UTC) + timedelta(minutes=1),
        limit_minutes=60,
        vocabulary=VOCABULARY,
        persons=persons,
    )


def test_a_rare_reason_is_counted_under_other_reasons_and_never_written_out():
    persons = [_person(f"P-{i:03}", "released", "Released after questions answered") for i in range(1, 7)]
    persons += [_person("P-007", "released", "Reunited with a fictional sister in Springfield")]
    persons += [_person(f"P-{i:03}") for i in range(8, 21)]
    published = publish(compute(_facts(persons)), Audience.SHAREABLE, 5)
    reasons = published.values["persons.released.reasons"]
    # 7 released = 6 + the hidden "other reasons": 7 − 6 would give it away, so the 6 is withheld too
    assert reasons == {"Released after questions answered": WITHHELD, OTHER_REASONS: "fewer than 5"}
    assert published.values["persons.released"] == 7
    assert "Springfield" not in repr(published.values)
    internal = publish(compute(_facts(persons)), Audience.INTERNAL, 5)
    assert internal.values["persons.released.reasons"]["Reunited with a fictional sister in Springfield"] == 1


@pytest.mark.parametrize("threshold", [3, 5, 11])
def test_every_published_sum_of_a_whole_report_is_safe(threshold):
    persons = [_person(f"P-{i:03}", "released" if i % 4 == 0 else "", "Released") for i in range(1, 24)]
    published = publish(compute(_facts(persons)), Audience.SHAREABLE, threshold)
    assert published.tables  # the sums between persons, designations, tags, outcomes, waits …
    assert subtractions(published.counts, published.tables, published.marks) == []
    assert recoverable(published.counts, published.tables, published.marks, threshold) == []
    assert "timeline" not in published.values
    assert not any(name.endswith(".each") for name in published.values)
