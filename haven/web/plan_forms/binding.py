"""A section of the plan as one web form: its own fields, and its lists of entries with add and remove.

`SectionForm` builds the forms from the plan document (pre-filled) or from a request (bound), turns the
posted values into the section's part of the document (`value()`), and places the plan parser's and the
services' problems next to the field each one's path names (`attach()`).
"""

from __future__ import annotations

import re
from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Final

from django.http import QueryDict

from haven.core.problems import Problem
from haven.web.plan_forms.fields import Choices
from haven.web.plan_forms.sections import PlanForm, RowList, SectionSpec

#: More entries than any task force plans for one list; a posted count beyond it is cut to it.
MAX_ROWS: Final = 500

_PART: Final = re.compile(r"([^.\[\]]+)|\[(\d+)\]")


def problem_parts(path: str) -> list[str | int]:
    """`agencies[2].contact.phone` → `["agencies", 2, "contact", "phone"]`."""
    return [name if name else int(index) for name, index in _PART.findall(path)]


@dataclass
class Row:
    """One entry of a list, as a form."""

    form: PlanForm
    anchor: str
    badge: bool = False


@dataclass
class Rows:
    spec: RowList
    prefix: str
    entries: list[Row]

    @property
    def name(self) -> str:
        """How add and remove actions name this list."""
        return self.spec.key or "items"


@dataclass(frozen=True)
class ProblemNote:
    """A problem as the summary shows it: its path, its message, and where its field is."""

    path: str
    message: str
    anchor: str  # an element id on this form, or "" when the field is in another section
    section: str


@dataclass
class SectionForm:
    """A plan section's form, pre-filled from the plan or bound to what was posted."""

    spec: SectionSpec
    base_version: int
    present: bool
    main: PlanForm | None
    rows: list[Rows]
    options: dict[str, Any] = field(default_factory=dict)
    notes: list[ProblemNote] = field(default_factory=list)
    # the agencies Haven knows (plan id, name), offered where an agency's id is typed (never a new twin)
    directory: Choices = ()
    conflict: str = ""
    # a save that needs the author's confirmation first: what it says, and what to confirm (agency ids)
    confirmation: str = ""
    confirm: list[str] = field(default_factory=list)
    notice: str = ""
    _kept: dict[str, list[int]] = field(default_factory=dict)

    # -- building -----------------------------------------------------------------------------------------

    @classmethod
    def from_plan(
        cls,
        spec: SectionSpec,
        document: Mapping[str, Any],
        *,
        base_version: int,
        agencies: Choices = (),
        vocabularies: Mapping[str, Choices] | None = None,
        new_agencies: Collection[str] = (),
        directory: Choices = (),
    ) -> SectionForm:
        """The form pre-filled from the section's part of the plan document."""
        entry = document.get(spec.key)
        options: dict[str, Any] = {"agencies": agencies, "vocabularies": vocabularies}
        main = None
        if spec.main is not None:
            main = spec.main(initial=spec.main.initial_from(entry), prefix=spec.key, **options)
        rows = []
        for listing in spec.lists:
            prefix = _rows_prefix(spec, listing)
            items = _items(entry, listing)
            forms = [
                listing.form(initial=listing.form.initial_from(item), prefix=f"{prefix}-{i}", **options)
                for i, item in enumerate(items)
            ]
            rows.append(Rows(listing, prefix, [_row(form, new_agencies) for form in forms]))
        return cls(spec, base_version, entry is not None, main, rows, options, directory=directory)

    @classmethod
    def from_post(
        cls,
        spec: SectionSpec,
        document: Mapping[str, Any],
        data: QueryDict,
        *,
        base_version: int,
        agencies: Choices = (),
        vocabularies: Mapping[str, Choices] | None = None,
        new_agencies: Collection[str] = (),
        directory: Choices = (),
    ) -> SectionForm:
        """The form bound to what was posted (the plan document gives what disabled fields hold)."""
        entry = document.get(spec.key)
        options: dict[str, Any] = {"agencies": agencies, "vocabularies": vocabularies}
        main = None
        if spec.main is not None:
            main = spec.main(data, initial=spec.main.initial_from(entry), prefix=spec.key, **options)
        rows = []
        for listing in spec.lists:
            prefix = _rows_prefix(spec, listing)
            count = _count(data.get(f"{prefix}-rows"))
            forms = [listing.form(data, prefix=f"{prefix}-{i}", **options) for i in range(count)]
            rows.append(Rows(listing, prefix, [_row(form, new_agencies) for form in forms]))
        return cls(spec, base_version, data.get("present") == "yes", main, rows, options, directory=directory)

    def _forms(self) -> list[PlanForm]:
        forms = [self.main] if self.main is not None else []
        return forms + [row.form for rows in self.rows for row in rows.entries]

    def is_valid(self) -> bool:
        results = [form.is_valid() for form in self._forms()]  # every form, so that each shows its errors
        return all(results)

    # -- what the form holds, as plan data ----------------------------------------------------------------

    def value(self) -> object:
        """The section's part of the plan document; None when the section is to be left out.

        An entry left entirely blank is no entry. Call after `is_valid()`."""
        self._kept = {}
        lists: dict[str, list[dict[str, object]]] = {}
        for rows in self.rows:
            kept = [(i, row.form.to_plan()) for i, row in enumerate(rows.entries)]
            kept = [(i, item) for i, item in kept if item]
            self._kept[rows.name] = [i for i, _ in kept]
            lists[rows.name] = [item for _, item in kept]
        if self.spec.is_list:
            items = lists[self.rows[0].name]
            return items or None
        assert self.main is not None
        section: dict[str, object] = self.main.to_plan()
        for rows in self.rows:
            if lists[rows.name]:
                section[rows.name] = lists[rows.name]
        if not section and not self.present:
            return None
        return section

    # -- add and remove entries (nothing is saved) --------------------------------------------------------

    def apply(self, action: str) -> bool:
        """`add:<list>` or `remove:<list>:<index>`, on what was posted; False for an unknown action.
        Call after `is_valid()`: the forms are rebuilt, pre-filled with what was typed."""
        verb, _, rest = action.partition(":")
        name, _, index_text = rest.partition(":")
        rows = next((r for r in self.rows if r.name == name), None)
        if rows is None or verb not in {"add", "remove"}:
            return False
        values = [dict(row.form.cleaned_data) for row in rows.entries]
        if verb == "add":
            values.append({})
        elif index_text.isdigit() and int(index_text) < len(values):
            del values[int(index_text)]
        else:
            return False
        options = self.options
        badges = {str(row.form.cleaned_data.get("id") or "") for row in rows.entries if row.badge} - {""}
        forms = [
            rows.spec.form(initial=initial, prefix=f"{rows.prefix}-{i}", **options)
            for i, initial in enumerate(values)
        ]
        rows.entries = [_row(form, badges) for form in forms]
        if self.main is not None:
            self.main = type(self.main)(initial=dict(self.main.cleaned_data), prefix=self.spec.key, **options)
        for other in self.rows:
            if other is not rows:
                other.entries = [
                    Row(
                        type(row.form)(
                            initial=dict(row.form.cleaned_data),
                            prefix=row.form.prefix,
                            **options,
                        ),
                        row.anchor,
                        row.badge,
                    )
                    for row in other.entries
                ]
        self.notice = "Not saved yet: save this section to keep the change."
        return True

    # -- problems -----------------------------------------------------------------------------------------

    def attach(self, problems: list[Problem]) -> None:
        """Show each problem next to the field its path names, and all of them in the summary."""
        for problem in problems:
            parts = problem_parts(problem.path)
            section = str(parts[0]) if parts else ""
            anchor = ""
            if section == self.spec.key:
                anchor = self._place(problem, parts[1:])
            self.notes.append(ProblemNote(problem.path, problem.message, anchor, section))

    def _place(self, problem: Problem, rest: list[str | int]) -> str:
        for rows in self.rows:
            inner = rest if rows.spec.key is None else (rest[1:] if rest[:1] == [rows.spec.key] else None)
            if inner is None:
                continue
            if not inner or not isinstance(inner[0], int):
                return f"rows-{rows.prefix}"
            kept = self._kept.get(rows.name, [])
            position = kept[inner[0]] if inner[0] < len(kept) else None
            if position is None:
                return f"rows-{rows.prefix}"
            row = rows.entries[position]
            return _add_error(row.form, row.form.field_for(inner[1:]), problem.message, row.anchor)
        if self.main is not None:
            return _add_error(
                self.main, self.main.field_for(rest), problem.message, f"section-{self.spec.key}"
            )
        return f"section-{self.spec.key}"


def _add_error(form: PlanForm, name: str | None, message: str, fallback: str) -> str:
    form.add_error(name, message)
    return f"field-{form[name].html_name}" if name else fallback


def _rows_prefix(spec: SectionSpec, listing: RowList) -> str:
    return spec.key if listing.key is None else f"{spec.key}-{listing.key}"


def _items(entry: object, listing: RowList) -> list[object]:
    items = entry if listing.key is None else (entry.get(listing.key) if isinstance(entry, Mapping) else None)
    return list(items) if isinstance(items, list) else []


def _count(text: str | None) -> int:
    """The rows a posted form says it has: ASCII digits only, and a few of them (a 5,000-digit count, or
    a digit such as "²", would make `int()` raise); anything else is no rows."""
    if not text or not text.isascii() or not text.isdigit() or len(text) > len(str(MAX_ROWS)):
        return 0
    return min(int(text), MAX_ROWS)


def _row(form: PlanForm, new_agencies: Collection[str]) -> Row:
    current = form.data.get(form.add_prefix("id")) if form.is_bound else form.initial.get("id")
    return Row(form, f"row-{form.prefix}", badge=bool(current) and current in new_agencies)
