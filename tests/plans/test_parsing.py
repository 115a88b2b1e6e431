"""Parsing: a valid file gives a plan; an invalid one is refused with every problem, each at its path."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from haven.core.problems import InvalidInput, Problem
from haven.plans.formats import AgencyType, Plan
from haven.plans.parsing import load_plan_file, parse_plan
from tests.plans.builders import DELETE, EXAMPLE_PATH, edited, example_text


def problems_of(data_or_text: object) -> list[Problem]:
    text = data_or_text if isinstance(data_or_text, str) else json.dumps(data_or_text)
    with pytest.raises(InvalidInput) as caught:
        parse_plan(text)
    assert caught.value.what == "plan"
    assert caught.value.problems
    return caught.value.problems


def lines_of(data_or_text: object) -> list[str]:
    return [str(problem) for problem in problems_of(data_or_text)]


def test_the_example_plan_is_valid() -> None:
    plan = load_plan_file(EXAMPLE_PATH)
    assert plan.operation.code == "NL-2026-12"
    assert plan.agencies[0].type is AgencyType.LAW_ENFORCEMENT
    assert plan.operation.starts_at.isoformat() == "2026-12-03T05:00:00-05:00"


def test_json_and_yaml_give_the_same_plan() -> None:
    from_yaml = parse_plan(example_text())
    assert parse_plan(json.dumps(edited()), filename="plan.json") == from_yaml
    assert parse_plan(example_text().encode("utf-8")) == from_yaml


def test_an_unknown_key_is_refused_with_the_keys_allowed() -> None:
    assert lines_of(edited({"anticipated.minors": 3})) == [
        "anticipated.minors: unknown key 'minors'; the keys allowed here are persons, populations, languages"
    ]


def test_a_naive_timestamp_is_refused() -> None:
    assert lines_of(edited({"operation.starts_at": "2026-12-03T05:00:00"})) == [
        "operation.starts_at: '2026-12-03T05:00:00' has no UTC offset: write it like 2026-12-03T05:00:00-05:00"
    ]


def test_a_naive_timestamp_in_yaml_is_refused_too() -> None:
    text = example_text().replace("at: 2026-11-30T10:00:00-05:00", "at: 2026-11-30T10:00:00")
    assert [p.path for p in problems_of(text)] == ["victim_services.notifications[0].at"]


def test_a_date_must_be_written_as_a_date() -> None:
    assert lines_of(edited({"mou.signed_on": "15/01/2025"})) == [
        "mou.signed_on: '15/01/2025' is not a date: write it as YYYY-MM-DD (e.g. 2025-01-15)"
    ]


def test_years_far_outside_any_operation_are_refused() -> None:
    assert lines_of(
        edited({"operation.ends_at": "9999-12-31T23:00:00-05:00", "mou.signed_on": "0001-01-01"})
    ) == [
        "operation.ends_at: '9999-12-31T23:00:00-05:00' is out of range: the year must be between 1900 and 2999",
        "mou.signed_on: '0001-01-01' is out of range: the year must be between 1900 and 2999",
    ]


def test_a_dangling_reference_is_refused() -> None:
    (line,) = lines_of(edited({"victim_services.providers": ["harbor-vs", "harbour-vs"]}))
    assert line.startswith(
        "victim_services.providers[1]: 'harbour-vs' is not the id of an agency in this plan ("
    )


def test_a_site_id_where_an_agency_is_expected_says_so() -> None:
    (line,) = lines_of(edited({"resources[0].agency": "jade-spa"}))
    assert line.startswith("resources[0].agency: 'jade-spa' is the id of a site (sites[0]), not of an agency")


def test_every_agency_reference_field_is_checked() -> None:
    changes = {
        "operation.lead_agency": "x1",
        "mou.parties[0]": "x2",
        "communications.coordinator": "x3",
        "communications.channels[0].parties[1]": "x4",
        "distribution.full_plan[0]": "x5",
        "distribution.service_briefing[0]": "x6",
        "victim_services.providers[0]": "x7",
        "victim_services.notifications[0].agency": "x8",
        "victim_services.needs_assessment_by": "x9",
        "resources[0].agency": "x10",
        "interviews[0].agency": "x11",
        "legal_authorities[0].reviewed_by": "x12",
        "immigration_relief.continued_presence_by": "x13",
        "immigration_relief.legal_services": "x14",
        "victim_information.questions_answered_by": "x15",
    }
    assert sorted(p.path for p in problems_of(edited(changes))) == sorted(changes)


def test_a_wrong_type_is_refused_with_what_would_be_accepted() -> None:
    assert lines_of(edited({"anticipated.persons": "14", "separation.transport_separate": "yes"})) == [
        "anticipated.persons: must be a whole number, not the text '14'",
        "separation.transport_separate: must be true or false, not the text 'yes'",
    ]


def test_a_negative_count_is_refused() -> None:
    assert lines_of(edited({"interview_locations[0].private_rooms": -1})) == [
        "interview_locations[0].private_rooms: must be 0 or more, not -1"
    ]


def test_a_bad_enum_value_lists_the_accepted_values() -> None:
    assert lines_of(edited({"agencies[2].type": "police"})) == [
        "agencies[2].type: 'police' is not one of law_enforcement, federal_law_enforcement, prosecutor, "
        "victim_service_provider, victim_attorney, child_welfare, forensic_interview, medical, shelter, "
        "interpreter_service, labor, other"
    ]


def test_all_is_a_population_only_in_serves() -> None:
    (problem,) = problems_of(edited({"anticipated.populations": ["female", "all"]}))
    assert problem.path == "anticipated.populations[1]"
    assert problem.message.startswith("'all' is not one of female, male")
    assert parse_plan(json.dumps(edited({"resources[0].serves": ["all"]}))).resources[0].serves == ("all",)


def test_duplicate_ids_are_refused_in_each_list() -> None:
    assert lines_of(
        edited(
            {
                "agencies[10]": {"id": "hsi", "name": "Second HSI", "type": "other"},
                "sites[2]": {"id": "jade-spa", "kind": "hotel"},
                "separation.areas[2].id": "community-room",
            }
        )
    ) == [
        "agencies[10].id: 'hsi' is already the id of agencies[1]",
        "sites[2].id: 'jade-spa' is already the id of sites[0]",
        "separation.areas[2].id: 'community-room' is already the id of separation.areas[0]",
    ]


def test_ids_and_codes_must_be_slugs() -> None:
    assert [p.path for p in problems_of(edited({"sites[0].id": "Jade Spa", "operation.code": "nl-1"}))] == [
        "operation.code",
        "sites[0].id",
    ]


def test_ends_at_must_be_after_starts_at() -> None:
    (line,) = lines_of(edited({"operation.ends_at": "2026-12-03T05:00:00-05:00"}))
    assert line.startswith("operation.ends_at: must be after operation.starts_at")


def test_a_language_must_be_a_bcp_47_tag() -> None:
    typed = ["es", "yue", "zh-Hant", "e_s", "zz", "und"]
    problems = problems_of(edited({"anticipated.languages": typed}))
    assert [p.path for p in problems] == [
        "anticipated.languages[3]",
        "anticipated.languages[4]",
        "anticipated.languages[5]",
    ]
    assert "is not a BCP 47 language tag (e.g. en, es, yue, zh-Hant)" in problems[0].message


def test_a_language_is_kept_in_its_canonical_form_and_cantonese_is_not_chinese() -> None:
    typed = ["yue", "ZH-hant", "cmn", "zh-yue", "iw"]
    plan = parse_plan(json.dumps(edited({"anticipated.languages": typed})))
    assert plan.anticipated is not None
    assert plan.anticipated.languages == ("yue", "zh-Hant", "cmn", "yue", "he")


def test_required_fields_are_reported_missing() -> None:
    assert lines_of(
        edited({"operation.name": DELETE, "agencies[1].type": DELETE, "sites[0].kind": DELETE})
    ) == [
        "operation.name: is required",
        "agencies[1].type: is required",
        "sites[0].kind: is required",
    ]


def test_an_empty_required_field_is_refused_but_an_empty_optional_one_is_absent() -> None:
    assert lines_of(edited({"agencies[0].name": "  "})) == ["agencies[0].name: must not be empty"]
    plan = parse_plan(json.dumps(edited({"communications.coordinator": "", "mou.signed_on": ""})))
    assert plan.communications is not None
    assert plan.communications.coordinator is None
    assert plan.mou is not None
    assert plan.mou.signed_on is None


def test_a_list_written_with_no_value_is_an_empty_list_and_the_readiness_rules_report_the_gap() -> None:
    """`covers:` with nothing after it is YAML's null: absent, not a missing required field."""
    text = example_text()
    for line in (
        "    responsibilities: [Scene security and entry, Arrests, Transport of suspects]",
        "  covers: [confidentiality, client_consent, professional_obligations, information_sharing]",
        "  providers: [harbor-vs]",
    ):
        assert line in text
        text = text.replace(line, line.split(":")[0] + ":")
    plan = parse_plan(text)
    assert plan.agencies[0].responsibilities == ()
    assert plan.mou is not None
    assert plan.mou.covers == ()
    assert plan.victim_services is not None
    assert plan.victim_services.providers == ()
    assert parse_plan(json.dumps(edited({"sites": None, "mou.covers": None}))).sites == ()
    assert lines_of(edited({"agencies": None})) == ["agencies: is required and must not be empty"]


def test_an_empty_string_in_a_number_or_yes_no_field_is_absent_too() -> None:
    plan = parse_plan(
        json.dumps(edited({"anticipated.persons": "", "victim_services.staging.private_space": " "}))
    )
    assert plan.anticipated is not None
    assert plan.anticipated.persons is None
    assert plan.victim_services is not None
    assert plan.victim_services.staging is not None
    assert plan.victim_services.staging.private_space is None
    assert lines_of(edited({"anticipated.persons": "14"})) == [
        "anticipated.persons: must be a whole number, not the text '14'"
    ]


def test_yaml_in_flow_style_is_read_as_yaml_and_broken_json_still_gets_json_s_message() -> None:
    flow = "{format: haven.operation-plan/v1, operation: {code: AB1, name: x, kind: proactive, "
    flow += "starts_at: '2026-12-03T05:00:00-05:00', ends_at: '2026-12-03T09:00:00-05:00', lead_agency: a}, "
    flow += "agencies: [{id: a, name: A, type: law_enforcement}]}"
    assert parse_plan(flow).operation.code == "AB1"
    assert lines_of('{"format": "haven.operation-plan/v1", "operation": {') == [
        "JSON syntax error at line 1, column 53: Expecting property name enclosed in double quotes"
    ]


def test_a_control_character_is_refused_with_every_other_problem_of_the_file() -> None:
    data = edited({"operation.code": "NL\u00002026", "operation.kind": "surprise", "sites[0].kind": 7})
    lines = lines_of(data)
    assert lines[0] == "operation.code: contains a control character (such as NUL); remove it"
    assert [line.split(":")[0] for line in lines[1:]] == ["operation.kind", "sites[0].kind"]
    assert lines_of(edited({"mou.title": "MOU\u0007"})) == [
        "mou.title: contains a control character (such as NUL); remove it"
    ]


def test_names_haven_keeps_in_its_own_columns_are_at_most_200_characters() -> None:
    """The operation's, an agency's, a separation area's and an interview location's names are kept in
    columns of 200 characters besides the plan document: a longer one is refused by name, not a 500."""
    assert lines_of(
        edited(
            {
                "operation.name": "N" * 201,
                "agencies[1].name": "A" * 300,
                "separation.areas[0].name": "S" * 201,
                "interview_locations[0].private_rooms": 10**12,
            }
        )
    ) == [
        "operation.name: must be at most 200 characters, not 201",
        "agencies[1].name: must be at most 200 characters, not 300",
        "interview_locations[0].private_rooms: must be 32767 or less, not 1000000000000",
        "separation.areas[0].name: must be at most 200 characters, not 201",
    ]
    assert parse_plan(json.dumps(edited({"operation.name": "N" * 200}))).operation.name == "N" * 200


def test_a_plan_needs_at_least_one_agency() -> None:
    assert problems_of(edited({"agencies": []})) == [Problem("agencies", "must list at least 1 entry")]


def test_every_problem_is_reported_in_one_go_in_document_order() -> None:
    data = edited(
        {
            "format": "haven.operation-plan/v2",
            "operation.starts_at": "2026-12-03 05:00",
            "agencies[2].type": "police",
            "agencies[4].contact.fax": "+1 555 0199",
            "sites[0].kind": 7,
            "resources[1].agency": "jade-spa",
            "victim_information.questions_answered_by": "nobody",
        }
    )
    assert [p.path for p in problems_of(data)] == [
        "format",
        "operation.starts_at",
        "agencies[2].type",
        "agencies[4].contact.fax",
        "sites[0].kind",
        "resources[1].agency",
        "victim_information.questions_answered_by",
    ]


def test_messages_are_written_in_havens_words_not_pydantics() -> None:
    data = edited({"anticipated.persons": 1.5, "mou": [], "sites[0].name": 5, "operation.kind": None})
    for problem in problems_of(data):
        assert "Input should" not in problem.message
        assert "validation error" not in problem.message


def test_a_yaml_syntax_error_names_the_line_and_column() -> None:
    text = example_text().replace("  persons: 14\n", "  persons: [14\n")
    (problem,) = problems_of(text)
    line = example_text().splitlines().index("  persons: 14") + 1
    assert problem.message.startswith("YAML syntax error at line ")
    reported = int(problem.message.split("line ")[1].split(",")[0])
    assert line <= reported <= line + 2
    assert "column" in problem.message


def test_a_duplicate_yaml_key_is_an_error_with_both_lines() -> None:
    text = example_text().replace("  persons: 14\n", "  persons: 14\n  persons: 15\n")
    (problem,) = problems_of(text)
    assert problem.path == "anticipated.persons"
    assert problem.message.startswith("duplicate key 'persons' at line ")
    assert "first at line" in problem.message


def test_a_duplicate_json_key_is_an_error() -> None:
    assert lines_of('{"format": "haven.operation-plan/v1", "format": "x"}') == [
        "duplicate key 'format' in a JSON object"
    ]


def test_no_stays_the_string_no_and_a_date_looking_string_stays_a_string() -> None:
    text = (
        example_text()
        .replace("  languages: [es, zh]\n", "  languages: [es, zh, no]\n")
        .replace(
            "{agency: lingua, kind: interpreter, languages: [es, zh]}",
            "{agency: lingua, kind: interpreter, languages: [es, zh, no]}",
        )
        .replace("Scene security and entry", "2026-12-03")
        .replace("name: Sgt. Ana Rivera", "name: 2026-12-03T05:00:00-05:00")
    )
    plan = parse_plan(text)
    assert plan.anticipated is not None
    assert plan.anticipated.languages == ("es", "zh", "no")
    assert plan.agencies[0].responsibilities[0] == "2026-12-03"
    assert plan.agencies[0].contact is not None
    assert plan.agencies[0].contact.name == "2026-12-03T05:00:00-05:00"


def test_yaml_1_2_booleans_are_only_true_and_false() -> None:
    text = example_text().replace("private_space: true", "private_space: yes")
    assert lines_of(text) == [
        "victim_services.staging.private_space: must be true or false, not the text 'yes'"
    ]


def test_yaml_anchors_and_merge_keys_are_followed() -> None:
    text = (
        example_text()
        .replace(
            'contact: {name: Sgt. Ana Rivera, phone: "+1 555 0100", radio: Metro-12}',
            'contact: &desk {name: Sgt. Ana Rivera, phone: "+1 555 0100", radio: Metro-12}',
        )
        .replace(
            'contact: {name: SA Tom Okafor, phone: "+1 555 0101", email: t.okafor@example.gov}',
            "contact: {<<: *desk, name: SA Tom Okafor}",
        )
    )
    plan = parse_plan(text)
    contact = plan.agencies[1].contact
    assert contact is not None
    assert (contact.name, contact.phone, contact.radio) == ("SA Tom Okafor", "+1 555 0100", "Metro-12")


def test_a_document_that_is_not_a_plan_is_refused() -> None:
    assert lines_of("- one\n- two\n") == [
        "a plan must be a mapping with format, operation and agencies at the top level"
    ]
    assert lines_of("") == ["the file is empty: a plan needs format, operation and agencies"]
    with pytest.raises(InvalidInput) as caught:
        parse_plan(b"\xff\xfe not utf-8")
    assert caught.value.problems[0].message.startswith("the file is not UTF-8 text")


def test_a_missing_file_is_refused_like_an_invalid_plan(tmp_path: Path) -> None:
    with pytest.raises(InvalidInput) as caught:
        load_plan_file(tmp_path / "absent.yaml")
    assert "cannot read" in caught.value.problems[0].message


def test_a_plan_built_in_code_is_checked_like_a_file() -> None:
    with pytest.raises(ValueError, match="not the id of an agency"):
        Plan.model_validate(edited({"operation.lead_agency": "nobody"}))


def test_a_control_character_in_any_text_is_refused_with_its_path():
    data = edited({"agencies[0].name": "Metro\x00PD", "sites[1].address": "88 Elm Ct\x07"})
    with pytest.raises(InvalidInput) as refused:
        parse_plan(json.dumps(data))
    assert [p.path for p in refused.value.problems] == ["agencies[0].name", "sites[1].address"]


def test_languages_left_out_are_not_stated_but_an_empty_list_states_english_only() -> None:
    """readiness.md: `anticipated.languages` must be present; an empty list states "English only"."""
    assert parse_plan(json.dumps(edited({"anticipated.languages": DELETE}))).anticipated.languages is None  # type: ignore[union-attr]
    assert parse_plan(json.dumps(edited({"anticipated.languages": None}))).anticipated.languages is None  # type: ignore[union-attr]
    assert parse_plan(json.dumps(edited({"anticipated.languages": []}))).anticipated.languages == ()  # type: ignore[union-attr]


# --- whole numbers too large to be anything Haven counts ---------------------------------------------------

FIVE_THOUSAND_DIGITS = "9" * 5000


def _yaml_with_persons(literal: str) -> str:
    text = re.sub(r"(\n  persons: )\d+", lambda m: m.group(1) + literal, example_text())
    assert literal in text
    return text


def _json_with_persons(literal: str) -> str:
    return json.dumps(edited({"anticipated.persons": 14})).replace('"persons": 14', f'"persons": {literal}')


@pytest.mark.parametrize(
    "text",
    [
        _yaml_with_persons(FIVE_THOUSAND_DIGITS),
        _yaml_with_persons("0x" + "F" * 5000),
        _yaml_with_persons("-" + FIVE_THOUSAND_DIGITS),
        _yaml_with_persons(str(2**53)),
        _json_with_persons(FIVE_THOUSAND_DIGITS),
        _json_with_persons("-" + FIVE_THOUSAND_DIGITS),
        _json_with_persons(str(2**53)),
    ],
    ids=["yaml", "yaml-hex", "yaml-negative", "yaml-2^53", "json", "json-negative", "json-2^53"],
)
def test_a_whole_number_too_large_is_refused_at_its_path(text: str) -> None:
    [problem] = problems_of(text)
    assert problem.path == "anticipated.persons"
    assert "too large" in problem.message
    assert str(2**53 - 1) in problem.message  # what is accepted
    assert len(problem.message) < 200  # the number itself is never echoed


def test_every_too_large_number_of_a_file_is_reported_at_once() -> None:
    text = _json_with_persons(FIVE_THOUSAND_DIGITS).replace(
        '"private_rooms": 4', '"private_rooms": ' + FIVE_THOUSAND_DIGITS
    )
    paths = [p.path for p in problems_of(text)]
    assert "anticipated.persons" in paths
    assert any(path.endswith("private_rooms") for path in paths)


def test_the_largest_accepted_whole_number_is_read_as_it_is() -> None:
    plan = parse_plan(_yaml_with_persons(str(2**53 - 1)))
    assert plan.anticipated is not None
    assert plan.anticipated.persons == 2**53 - 1
