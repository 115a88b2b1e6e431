"""Export: what Haven writes, Haven reads back to the same plan."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings

from haven.plans.export import plan_to_dict, plan_to_json, plan_to_yaml
from haven.plans.formats import Plan
from haven.plans.parsing import parse_plan
from tests.plans.builders import DELETE, example_plan, example_text, plan_with
from tests.plans.strategies import plan_data


def test_the_example_reads_back_identically_from_yaml_and_json() -> None:
    plan = parse_plan(example_text())
    assert parse_plan(plan_to_yaml(plan)) == plan
    assert parse_plan(plan_to_json(plan)) == plan
    assert plan_to_dict(parse_plan(plan_to_yaml(plan))) == plan_to_dict(plan)


def test_keys_follow_the_format_order_and_absent_fields_are_left_out() -> None:
    data = plan_to_dict(plan_with({"mou.expires_on": "", "sites": []}))
    assert list(data)[:4] == ["format", "operation", "agencies", "mou"]
    assert list(data["operation"]) == ["code", "name", "kind", "starts_at", "ends_at", "lead_agency"]
    assert "expires_on" not in data["mou"]
    assert "sites" not in data


def test_timestamps_keep_their_offset_and_dates_stay_dates() -> None:
    data = plan_to_dict(example_plan())
    assert data["operation"]["starts_at"] == "2026-12-03T05:00:00-05:00"
    assert data["mou"]["signed_on"] == "2025-01-15"
    yaml_text = plan_to_yaml(example_plan())
    assert "  starts_at: 2026-12-03T05:00:00-05:00\n" in yaml_text
    assert json.loads(plan_to_json(example_plan())) == data


def test_yaml_quotes_the_strings_a_reader_would_misread() -> None:
    plan = plan_with(
        {
            "anticipated.languages": ["es", "no"],
            "resources[4].languages": ["es", "no"],
            "agencies[0].responsibilities": ["yes", "2026-12-03", "12", "a: b", "x #y"],
        }
    )
    text = plan_to_yaml(plan)
    assert 'languages: [es, "no"]' in text
    assert 'responsibilities: ["yes", "2026-12-03", "12", "a: b", "x #y"]' in text
    assert parse_plan(text) == plan


def test_yaml_is_block_style_with_one_blank_line_between_sections() -> None:
    text = plan_to_yaml(example_plan())
    assert text.startswith("format: haven.operation-plan/v1\n\noperation:\n  code: NL-2026-12\n")
    assert "\nagencies:\n  - id: metro-pd\n    name: Metro City Police Department\n" in text
    assert "{" not in text


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(plan_data())
def test_any_plan_reads_back_from_its_yaml_and_json(data: dict[str, object]) -> None:
    # given
    plan = Plan.model_validate(data)
    # when
    from_yaml = parse_plan(plan_to_yaml(plan))
    from_json = parse_plan(plan_to_json(plan))
    # then
    assert from_yaml == plan
    assert from_json == plan
    assert plan_to_dict(from_yaml) == plan_to_dict(plan)  # offsets too, not only the instants


def test_an_empty_list_of_languages_is_written_back_so_english_only_stays_stated() -> None:
    plan = plan_with({"anticipated.languages": []})
    assert plan_to_dict(plan)["anticipated"] == {
        "persons": 14,
        "populations": ["female", "male", "adult", "minor", "us_citizen", "foreign_national"],
        "languages": [],
    }
    assert "  languages: []" in plan_to_yaml(plan).splitlines()
    assert parse_plan(plan_to_yaml(plan)) == plan
    assert parse_plan(plan_to_json(plan)) == plan
    unstated = plan_with({"anticipated.languages": DELETE})
    assert "languages" not in plan_to_dict(unstated)["anticipated"]  # type: ignore[operator]
