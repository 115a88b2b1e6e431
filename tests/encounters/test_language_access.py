"""Language access, end to end (issue 13): a person's languages are BCP 47 tags; an interview is held in a
language the person and the interviewer share or through an interpreter between them (interview-scheduling.md
rule 4), hand-booked or planned; information is given in a language of the person that the material exists in.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from haven.accounts import services as accounts
from haven.audit.models import AuditRecord
from haven.core.errors import RuleViolation, ValidationFailed
from haven.encounters import services
from haven.encounters.models import InformationGiven, Interview
from tests.personas import PASSWORD, agency

pytestmark = pytest.mark.django_db


def _interpreter(username: str, languages: list[str]):
    return accounts.user_create(
        actor=None, username=username, name=username.replace(".", " ").title(), agency=agency("lingua"),
        password=PASSWORD, languages=languages,
    )  # fmt: skip


def _book(persona, person, rooms, t0, *, who="investigator", interpreter=None):
    return services.interview_schedule(
        actor=persona("investigator"),
        person=person,
        interviewer=persona(who),
        role="investigator",
        location=rooms,
        starts_at=t0 + timedelta(minutes=120),
        minutes=60,
        interpreter=interpreter,
    )


# --- the roster ----------------------------------------------------------------------------------------


def test_a_persons_languages_are_kept_as_canonical_bcp_47_tags(register):
    person = register(languages=["YUE", "zh-hant", "zh-cmn"])
    assert sorted(lang.code for lang in person.languages.all()) == ["cmn", "yue", "zh-Hant"]


@pytest.mark.parametrize("typed", ["e_s", "zz", "und", "spanish"])
def test_a_language_that_is_not_a_tag_is_refused_naming_the_field(register, typed):
    with pytest.raises(ValidationFailed) as refused:
        register(languages=["es", typed])
    assert [p.path for p in refused.value.problems] == ["languages"]
    assert (
        "BCP 47" in refused.value.problems[0].message
        or "names no language" in refused.value.problems[0].message
    )


# --- interviews booked by hand (rule 4) --------------------------------------------------------------------


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_a_spanish_speaker_is_not_interviewed_in_english_without_an_interpreter(
    register, persona, rooms, t0, care
):
    person = register(languages=["es"])
    care(person)
    with pytest.raises(RuleViolation) as refused:
        _book(persona, person, rooms, t0)  # Ivy Investigator speaks English only
    assert refused.value.rule == "interview.language"
    message = str(refused.value)
    assert "P-001 speaks Spanish (es)" in message
    assert "Ivy Investigator speaks English (en)" in message
    assert "an interpreter of Spanish" in message
    assert not Interview.objects.exists()
    assert AuditRecord.objects.filter(event_type="interview.refused").count() == 1


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_an_interpreter_between_the_two_languages_opens_the_interview(register, persona, rooms, t0, care):
    person = register(languages=["es"])
    care(person)
    interpreter = _interpreter("ana.interpreter", ["en", "es-MX"])
    interview = _book(persona, person, rooms, t0, interpreter=interpreter)
    assert interview.interpreter == interpreter


def test_an_interviewer_who_speaks_the_persons_language_needs_no_interpreter(
    register, persona, rooms, t0, care
):
    person = register(languages=["es"])
    care(person)
    assert _book(persona, person, rooms, t0, who="federal_agent").interpreter is None  # Fay speaks en, es


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_an_interpreter_of_chinese_does_not_interpret_for_a_cantonese_speaker(register, persona, rooms, t0):
    person = register(languages=["yue"])
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), food="Hungry", language="yue"
    )
    # no material exists in Cantonese: the answers were given in person
    services.information_record(
        actor=persona("advocate"), person=person, language="yue", answers="Explained what happens next",
        at=t0 + timedelta(minutes=40),
    )  # fmt: skip
    with pytest.raises(RuleViolation) as refused:
        _book(persona, person, rooms, t0, interpreter=persona("interpreter"))  # Ines: en, es, zh
    assert refused.value.rule == "interview.language"
    message = str(refused.value)
    assert "Ines Interpreter speaks English (en), Spanish (es), Chinese (zh)" in message
    assert "an interpreter of Cantonese" in message
    cantonese = _interpreter("kam.interpreter", ["en", "yue"])
    assert _book(persona, person, rooms, t0, interpreter=cantonese).interpreter == cantonese


@pytest.mark.usefixtures("any_interviewer_for_adults")
def test_an_interpreter_must_also_speak_a_language_of_the_interviewer(register, persona, rooms, t0, care):
    person = register(languages=["es"])
    care(person)
    only_spanish = _interpreter("solo.interpreter", ["es", "pt"])
    with pytest.raises(RuleViolation) as refused:
        _book(persona, person, rooms, t0, interpreter=only_spanish)
    assert refused.value.rule == "interview.language"
    assert "none of Ivy Investigator's languages" in str(refused.value)


def test_a_person_with_no_language_recorded_is_given_no_information_and_not_interviewed(
    register, persona, rooms, t0
):
    person = register(languages=[])
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), food="Hungry"
    )
    with pytest.raises(ValidationFailed) as refused:
        services.information_record(
            actor=persona("advocate"), person=person, language="es", materials=["What happens next"],
            at=t0 + timedelta(minutes=40),
        )  # fmt: skip
    assert [p.path for p in refused.value.problems] == ["language"]
    assert "no language is recorded for P-001" in refused.value.problems[0].message
    # a person designated suspect skips the care gates, never the language
    services.designation_record(
        actor=persona("investigator"), person=person, status="suspect", at=t0 + timedelta(minutes=50)
    )
    with pytest.raises(RuleViolation) as refused_interview:
        _book(persona, person, rooms, t0, who="federal_agent")
    assert refused_interview.value.rule == "interview.language"
    assert "No language is recorded for P-001" in str(refused_interview.value)


def test_the_language_the_needs_assessment_found_is_one_of_the_persons(register, persona, rooms, t0, care):
    person = register(languages=[])
    services.needs_assessment_record(
        actor=persona("advocate"), person=person, at=t0 + timedelta(minutes=30), language="es", food="Hungry"
    )
    services.information_record(
        actor=persona("advocate"), person=person, language="es", materials=["What happens next"],
        at=t0 + timedelta(minutes=40),
    )  # fmt: skip
    assert _book(persona, person, rooms, t0, who="federal_agent").interpreter is None


# --- information given -------------------------------------------------------------------------------------


def test_information_in_a_language_the_person_does_not_speak_is_refused(register, persona, t0):
    person = register(languages=["es"])
    with pytest.raises(ValidationFailed) as refused:
        services.information_record(
            actor=persona("advocate"), person=person, language="ti",
            materials=["Your rights and the help available"], at=t0 + timedelta(minutes=40),
        )  # fmt: skip
    (problem,) = refused.value.problems
    assert problem.path == "language"
    assert "Tigrinya (ti) is not a language of P-001 (Spanish (es))" in problem.message
    assert not InformationGiven.objects.exists()


def test_information_in_a_language_the_material_does_not_exist_in_is_refused(register, persona, t0):
    person = register(languages=["es", "yue"])
    with pytest.raises(ValidationFailed) as refused:
        services.information_record(
            actor=persona("advocate"), person=person, language="yue",
            materials=["Your rights and the help available"], at=t0 + timedelta(minutes=40),
        )  # fmt: skip
    (problem,) = refused.value.problems
    assert problem.path == "language"
    assert (
        "'Your rights and the help available' exists in English (en), Spanish (es), Chinese (zh)"
        in problem.message
    )
    assert not InformationGiven.objects.exists()


def test_a_material_not_in_the_plan_is_refused_naming_the_field(register, persona, t0):
    person = register(languages=["es"])
    with pytest.raises(ValidationFailed) as refused:
        services.information_record(
            actor=persona("advocate"), person=person, language="es", materials=["A leaflet"],
            at=t0 + timedelta(minutes=40),
        )  # fmt: skip
    assert [p.path for p in refused.value.problems] == ["materials"]
    assert "'A leaflet' is not one of the plan's materials" in refused.value.problems[0].message


def test_information_in_the_persons_language_that_the_material_exists_in_is_recorded(register, persona, t0):
    person = register(languages=["es-MX"])
    info = services.information_record(
        actor=persona("advocate"), person=person, language="ES",
        materials=["Your rights and the help available"], at=t0 + timedelta(minutes=40),
    )  # fmt: skip
    assert info.language == "es"
    answers_only = services.information_record(
        actor=persona("advocate"), person=person, language="es-MX", answers="Explained the T visa",
        at=t0 + timedelta(minutes=50),
    )  # fmt: skip
    assert answers_only.language == "es-MX"
