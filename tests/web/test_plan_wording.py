"""The words readiness messages use for the plan's sections and fields (haven.plans.wording) are the words
the plan editor shows, so "(Victim services → Providers available from)" leads to a field that exists."""

from __future__ import annotations

import pytest

from haven.plans.formats import Plan
from haven.plans.wording import FIELD_LABELS, POPULATION_LABELS, SECTION_TITLES
from haven.readiness import RULES
from haven.web.plan_forms import SECTIONS, SECTIONS_BY_KEY
from haven.web.plan_forms.sections import POPULATIONS, PlanForm


def _editor_label(path: str) -> str | None:
    """The label the editor gives the field (or the list) at this path of the file, if it has one."""
    key, *rest = path.split(".")
    spec = SECTIONS_BY_KEY[key]
    form: type[PlanForm] | None = spec.lists[0].form if spec.is_list else spec.main
    rows = {row.key: row for row in spec.lists if row.key}
    if rest and rest[0] in rows:
        if len(rest) == 1:
            return rows[rest[0]].title
        form, rest = rows[rest[0]].form, rest[1:]
    assert form is not None
    for name, field in form.base_fields.items():
        if form.path_of(name) == tuple(rest):
            return str(field.label)
    return None


def test_the_section_titles_are_the_editor_s_in_the_file_s_order() -> None:
    assert [(spec.key, spec.title) for spec in SECTIONS] == list(SECTION_TITLES.items())
    assert list(SECTION_TITLES) == [name for name in Plan.model_fields if name != "format"]


@pytest.mark.parametrize("path", sorted(FIELD_LABELS))
def test_each_field_a_message_names_has_that_label_in_the_editor(path: str) -> None:
    assert _editor_label(path) == FIELD_LABELS[path]


def test_the_editor_names_populations_as_the_messages_do() -> None:
    assert dict(POPULATIONS) == {tag: label for tag, label in POPULATION_LABELS.items() if tag != "all"}


def test_every_rule_sends_its_reader_to_sections_the_editor_has() -> None:
    for rule in RULES:
        assert rule.sections, rule.id
        assert all(key in SECTIONS_BY_KEY for key in rule.sections), rule.id
