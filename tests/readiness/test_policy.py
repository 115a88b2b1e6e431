"""The readiness policy file: defaults, overrides, and strict refusal with paths."""

from __future__ import annotations

from pathlib import Path

import pytest

from haven.core.problems import InvalidInput
from haven.readiness.policy import DEFAULT_INFORMATION_NEEDS, DEFAULT_POLICY, load_policy_file, parse_policy
from haven.readiness.report import evaluate
from haven.readiness.rules import Status
from tests.plans.builders import example_plan


def refusal(text: str) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        parse_policy(text)
    assert caught.value.what == "policy"
    return [str(problem) for problem in caught.value.problems]


def test_the_defaults_are_those_of_the_rule_table() -> None:
    assert DEFAULT_POLICY.notice_lead_hours == 24
    assert DEFAULT_POLICY.min_service_hours_after == 4
    assert DEFAULT_POLICY.allowed_information_needs == DEFAULT_INFORMATION_NEEDS
    assert "counseling" in DEFAULT_POLICY.allowed_information_needs
    assert DEFAULT_POLICY.provider_contact_limit_minutes == 60
    assert DEFAULT_POLICY.suppression_threshold == 5


def test_a_policy_with_only_the_format_is_the_default() -> None:
    assert parse_policy("format: haven.readiness-policy/v1\n") == DEFAULT_POLICY


def test_a_policy_file_overrides_the_notice_lead_time(tmp_path: Path) -> None:
    # given
    path = tmp_path / "policy.yaml"
    path.write_text("format: haven.readiness-policy/v1\nnotice_lead_hours: 72\n", encoding="utf-8")
    # when
    result = evaluate(example_plan(), load_policy_file(path)).result("services.advance-notice")
    # then
    assert result.status is Status.FAIL
    assert "harbor-vs" in result.message
    assert "72 hours" in result.message


def test_every_parameter_can_be_set_in_json_too() -> None:
    policy = parse_policy(
        '{"format": "haven.readiness-policy/v1", "notice_lead_hours": 12.5, "min_service_hours_after": 0,'
        ' "allowed_information_needs": ["safety"], "provider_contact_limit_minutes": 30,'
        ' "suppression_threshold": 10}'
    )
    assert (policy.notice_lead_hours, policy.min_service_hours_after) == (12.5, 0)
    assert policy.allowed_information_needs == ("safety",)
    assert (policy.provider_contact_limit_minutes, policy.suppression_threshold) == (30, 10)


def test_an_invalid_policy_is_refused_with_every_problem() -> None:
    assert refusal(
        "format: haven.readiness-policy/v2\n"
        "notice_lead_hours: -1\n"
        "min_service_hours_after: four\n"
        "allowed_information_needs: []\n"
        "provider_contact_limit_minutes: 0\n"
        "suppression_thresold: 5\n"
    ) == [
        "format: must be exactly 'haven.readiness-policy/v1', not the text 'haven.readiness-policy/v2'",
        "notice_lead_hours: must be a number of hours from 0 to 8760, not the number -1",
        "min_service_hours_after: must be a number of hours from 0 to 8760, not the text 'four'",
        "allowed_information_needs: must list at least 1 entry",
        "provider_contact_limit_minutes: must be 1 or more, not 0",
        "suppression_thresold: unknown key 'suppression_thresold'; the keys allowed here are format, "
        "notice_lead_hours, min_service_hours_after, allowed_information_needs, "
        "provider_contact_limit_minutes, suppression_threshold",
    ]


def test_a_5000_digit_number_is_refused_at_its_path() -> None:
    big = "9" * 5000
    for text in (
        f"format: haven.readiness-policy/v1\nsuppression_threshold: {big}\n",
        f'{{"format": "haven.readiness-policy/v1", "suppression_threshold": {big}}}',
    ):
        [line] = refusal(text)
        assert line.startswith("suppression_threshold: is too large a whole number (5000 digits)")


def test_hours_beyond_a_year_are_refused() -> None:
    assert refusal("format: haven.readiness-policy/v1\nnotice_lead_hours: 1e308\n") == [
        "notice_lead_hours: must be a number of hours from 0 to 8760, not the number 1e+308"
    ]


def test_a_policy_needs_its_format_and_must_be_a_mapping() -> None:
    assert refusal("notice_lead_hours: 24\n") == ["format: is required"]
    assert refusal("- 24\n") == [
        "a readiness policy must be a mapping with format: haven.readiness-policy/v1 at the top level"
    ]
    assert refusal("format: [\n")[0].startswith("YAML syntax error at line")


def test_a_missing_policy_file_is_refused(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_policy_file(tmp_path / "none.yaml")
    assert caught.value.what == "policy"
