"""The exercise file format: a valid file parses; an invalid one is refused with every problem at its path."""

from __future__ import annotations

from enum import Enum
from pathlib import Path
from typing import Any

import pytest
from django.db import models

from haven.accounts.models import Gender as AccountGender
from haven.accounts.models import InterviewerRole as AccountInterviewerRole
from haven.accounts.models import Role as AccountRole
from haven.core.problems import InvalidInput
from haven.encounters import models as encounters
from haven.exercises import formats
from haven.exercises.demo import DEMO_EXERCISE
from haven.exercises.formats import load_exercise_file, parse_exercise
from tests.exercises.builders import PLAN_FILE, at, inline_plan, small_data, write
from tests.plans.builders import DELETE, EXAMPLE_PATH


def problems(tmp_path: Path, data: dict[str, Any]) -> list[str]:
    with pytest.raises(InvalidInput) as caught:
        load_exercise_file(write(tmp_path, data))
    assert caught.value.what == "exercise"
    return [str(p) for p in caught.value.problems]


def test_the_demo_exercise_is_valid_and_names_its_plan_file():
    exercise = load_exercise_file(DEMO_EXERCISE)
    assert exercise.plan.operation.code == "NL-2026-12"
    assert [p.code for p in exercise.encounter.persons] == [f"P-{n:03d}" for n in range(1, 15)]
    assert exercise.coordinator().username == "arivera"


def test_the_demo_plan_is_the_shared_example_unchanged():
    assert PLAN_FILE.read_bytes() == EXAMPLE_PATH.read_bytes()


def test_a_5000_digit_number_is_refused_at_its_path_in_json_and_yaml(tmp_path):
    path = write(tmp_path, small_data({"encounter.persons[0].minutes_late": 7777}))
    text = path.read_text(encoding="utf-8").replace("7777", "9" * 5000)
    for name in ("exercise.json", "exercise.yaml"):
        target = tmp_path / name
        target.write_text(text, encoding="utf-8")
        with pytest.raises(InvalidInput) as caught:
            load_exercise_file(target)
        [problem] = caught.value.problems
        assert problem.path == "encounter.persons[0].minutes_late"
        assert problem.message.startswith("is too large a whole number (5000 digits)")


def test_the_small_exercise_is_valid(tmp_path):
    exercise = load_exercise_file(write(tmp_path, small_data()))
    assert len(exercise.users) == 7
    # a person without encountered_at was encountered when the operation started
    person = exercise.encounter.persons[0].model_copy(update={"encountered_at": None})
    assert exercise.encountered_at(person) == exercise.plan.operation.starts_at


def test_a_plan_can_be_written_inline(tmp_path):
    data = small_data({"plan_file": DELETE, "plan": inline_plan()})
    assert load_exercise_file(write(tmp_path, data)).plan.operation.code == "NL-2026-12"


def test_plan_file_and_plan_together_are_refused(tmp_path):
    assert problems(tmp_path, small_data({"plan": inline_plan()})) == [
        "plan_file: give the plan either as plan_file or inline as plan, not both"
    ]


def test_a_missing_plan_is_refused(tmp_path):
    assert problems(tmp_path, small_data({"plan_file": DELETE})) == [
        "plan_file: is required: the plan file, relative to this file (or the plan inline as plan)"
    ]


def test_a_plan_file_that_cannot_be_read_is_refused(tmp_path):
    [line] = problems(tmp_path, small_data({"plan_file": "nowhere.yaml"}))
    assert line.startswith("plan_file: nowhere.yaml: cannot read ")


def test_an_invalid_inline_plan_names_the_plan_field(tmp_path):
    lines = problems(
        tmp_path, small_data({"plan_file": DELETE, "plan": inline_plan({"agencies[0].type": "police"})})
    )
    assert lines[0].startswith("plan.agencies[0].type: 'police' is not one of law_enforcement")


def test_an_unknown_key_is_refused_with_the_keys_allowed(tmp_path):
    lines = problems(tmp_path, small_data({"encounter.interviews[0].room_number": "2A"}))
    assert len(lines) == 1
    assert lines[0].startswith(
        "encounter.interviews[0].room_number: unknown key 'room_number'; the keys allowed"
    )
    assert "person, interviewer, role, location, starts_at" in lines[0]


def test_a_timestamp_without_offset_is_refused(tmp_path):
    assert problems(tmp_path, small_data({"encounter.needs[0].at": "2026-12-03T07:00:00"})) == [
        "encounter.needs[0].at: '2026-12-03T07:00:00' has no UTC offset: write it like 2026-12-03T05:00:00-05:00"
    ]


def test_a_timestamp_without_offset_in_yaml_is_refused_too(tmp_path):
    text = DEMO_EXERCISE.read_text(encoding="utf-8").replace(
        "at: 2026-12-03T06:00:00-05:00, status: suspect", "at: 2026-12-03T06:00:00, status: suspect"
    )
    path = tmp_path / "exercise.yaml"
    write(tmp_path, {})
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_exercise_file(path)
    assert [p.path for p in caught.value.problems] == ["encounter.designations[1].at"]


def test_dangling_references_are_each_named(tmp_path):
    data = small_data(
        {
            "encounter.persons[0].area": "cell-3",
            "encounter.interviews[0].location": "cell-3",
            "encounter.interviews[0].interpreter": "nobody",
            "encounter.needs[1].by": "mlopes",
            "encounter.designations[0].person": "P-099",
            "encounter.consents[0].recipient": "fbi",
            "users[1].agency": "hsi-west",
        }
    )
    assert problems(tmp_path, data) == [
        "users[1].agency: 'hsi-west' is not an agency of the plan (metro-pd, hsi, county-da, usao, harbor-vs, "
        "county-cws, county-cac, mercy-hospital, …)",
        "encounter.persons[0].area: 'cell-3' is not a separation area of the plan (community-room, "
        "undetermined-room, precinct-holding)",
        "encounter.designations[0].person: 'P-099' is not a person of encounter.persons",
        "encounter.needs[1].by: 'mlopes' is not a user of this file (arivera, lnguyen, dmensah, mlopez, radler, "
        "jalvarez, hkim)",
        "encounter.consents[0].recipient: 'fbi' is not an agency of the plan (metro-pd, hsi, county-da, usao, "
        "harbor-vs, county-cws, county-cac, mercy-hospital, …)",
        "encounter.interviews[0].location: 'cell-3' is not an interview location of the plan (harbor-rooms, "
        "cac-suite)",
        "encounter.interviews[0].interpreter: 'nobody' is not a user of this file (arivera, lnguyen, dmensah, "
        "mlopez, radler, jalvarez, hkim)",
    ]


def test_a_bad_enum_value_lists_the_values_accepted(tmp_path):
    assert problems(tmp_path, small_data({"encounter.designations[0].status": "trafficker"})) == [
        "encounter.designations[0].status: 'trafficker' is not one of potential_victim, suspect, witness, "
        "undetermined"
    ]


def test_no_stays_the_text_no_and_is_not_a_list_of_languages(tmp_path):
    # YAML 1.2: `no` is text, never false — so a bare `no` where the languages go is refused as that text
    path = tmp_path / "exercise.yaml"
    write(tmp_path, {})
    text = DEMO_EXERCISE.read_text(encoding="utf-8").replace(
        "languages: [es], area", "languages: no, area", 1
    )
    path.write_text(text, encoding="utf-8")
    with pytest.raises(InvalidInput) as caught:
        load_exercise_file(path)
    assert [str(p) for p in caught.value.problems] == [
        "encounter.persons[0].languages: must be a list, not the text 'no'"
    ]


def test_no_in_a_list_of_languages_is_norwegian(tmp_path):
    path = tmp_path / "exercise.yaml"
    write(tmp_path, {})
    text = DEMO_EXERCISE.read_text(encoding="utf-8").replace(
        "languages: [es, en], area", "languages: [no], area"
    )
    path.write_text(text, encoding="utf-8")
    assert load_exercise_file(path).encounter.persons[2].languages == ("no",)


def test_strict_types_refuse_quoted_numbers_and_yes(tmp_path):
    assert problems(
        tmp_path,
        small_data({"encounter.interviews[0].minutes": "60", "encounter.consents[0].in_writing": "yes"}),
    ) == [
        "encounter.consents[0].in_writing: must be true or false, not the text 'yes'",
        "encounter.interviews[0].minutes: must be a whole number, not the text '60'",
    ]


def test_every_problem_is_reported_at_once(tmp_path):
    data = small_data(
        {
            "format": "haven.exercise/v2",
            "users[0].totp_secret": "not-base32",
            "encounter.persons[3]": {"code": "Maria", "tags": ["female"]},
            "encounter.relief[0].status": "signed",
            "encounter.needs[0].urgent": ["insulin"],
        }
    )
    assert problems(tmp_path, data) == [
        "format: must be exactly 'haven.exercise/v1', not the text 'haven.exercise/v2'",
        "users[0].totp_secret: must be a base32 secret of 160 bits: 32 characters of A-Z and 2-7 "
        "(e.g. IZOISJJ3I4EQBSVINH6US6VK2TPDGHD3)",
        "encounter.persons[3].code: 'Maria' is not a person code: use a pseudonymous code such as P-001 (never a name)",
        "encounter.needs[0].urgent[0]: 'insulin' is not one of medical, shelter, food, safety, language",
        "encounter.relief[0].status: 'signed' is not a status of continued_presence (requested, granted, denied)",
    ]


def test_the_same_record_twice_is_refused(tmp_path):
    data = small_data({"encounter.designations[2]": {"person": "P-002", "by": "arivera", "at": at("06:00"),
                                                    "status": "witness"}})  # fmt: skip
    assert problems(tmp_path, data) == [
        "encounter.designations[2]: the same person, author and time as encounter.designations[0]: a record is "
        "known by its person, its author and its time"
    ]


def test_a_record_from_before_the_person_was_encountered_is_refused(tmp_path):
    assert problems(tmp_path, small_data({"encounter.needs[0].at": at("05:30")})) == [
        "encounter.needs[0].at: is before P-001 was encountered (2026-12-03T05:40:00-05:00, "
        "encounter.persons[0].encountered_at)"
    ]


def test_someone_must_be_able_to_import_the_plan(tmp_path):
    assert problems(tmp_path, small_data({"users[0].roles": ["member"]})) == [
        "users: name at least one user with the coordinator role at an investigative agency of the plan "
        "(law_enforcement, federal_law_enforcement or prosecutor): the loader imports and approves the plan as "
        "that user"
    ]


def test_duplicate_usernames_and_person_codes_are_refused(tmp_path):
    data = small_data({"users[7]": small_data()["users"][1], "encounter.persons[3]": {"code": "P-001"}})
    assert problems(tmp_path, data) == [
        "users[7].username: 'lnguyen' is already the username of users[1]",
        "encounter.persons[3].code: 'P-001' is already the code of encounter.persons[0]",
    ]


def test_a_file_that_is_not_yaml_is_refused_with_the_line():
    with pytest.raises(InvalidInput) as caught:
        parse_exercise("format: [unclosed", base_dir=PLAN_FILE.parent)
    [problem] = caught.value.problems
    assert problem.message.startswith("YAML syntax error at line 1")


@pytest.mark.parametrize(
    ("ours", "theirs"),
    [
        (formats.Role, AccountRole),
        (formats.Gender, AccountGender),
        (formats.InterviewerRole, AccountInterviewerRole),
        (formats.Population, encounters.Population),
        (formats.Priority, encounters.Priority),
        (formats.DesignationStatus, encounters.DesignationStatus),
        (formats.Sign, encounters.Sign),
        (formats.ServiceKind, encounters.ServiceKind),
        (formats.ServiceStatus, encounters.ServiceStatus),
        (formats.ReliefKind, encounters.ReliefKind),
        (formats.ReliefStatus, encounters.ReliefStatus),
    ],
)
def test_the_file_speaks_the_applications_vocabulary(ours: type[Enum], theirs: type[models.TextChoices]):
    assert [m.value for m in ours] == list(theirs.values)


def test_urgent_domains_and_consent_items_match_the_models():
    assert tuple(d.value for d in formats.UrgentDomain) == encounters.NeedsAssessment.URGENT_DOMAINS
    assert tuple(i.value for i in formats.ConsentItem if i != "attorney_notes") == encounters.Consent.ITEMS
