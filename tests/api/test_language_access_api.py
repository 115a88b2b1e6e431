"""Language access through the API (issue 13): BCP 47 tags on the roster, rule 4 for an interview booked by
hand, information in a language of the person that the material exists in, every need and the concerns."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from haven.encounters import services
from haven.encounters.models import InformationGiven, Interview
from tests.access.matrix_api_encounters import Cast, cast_on
from tests.api.helpers import send
from tests.operations.fixtures import ANY_INTERVIEWER_FOR_ADULTS, make_operation
from tests.personas import make_user

pytestmark = pytest.mark.django_db


@pytest.fixture
def cast(persona: Any) -> Cast:
    # Ivy (metro-pd) and Pat (a prosecutor) book adults' interviews here: the plan lets them (issue 13)
    return cast_on(
        make_operation(starts_in=-timedelta(hours=2), changes={"interviews": ANY_INTERVIEWER_FOR_ADULTS})
    )


def url(cast: Cast, tail: str) -> str:
    return f"/operations/{cast.operation.code}{tail}"


def test_a_persons_languages_are_bcp_47_tags_kept_canonical(cast: Cast, client_for: Any) -> None:
    client = client_for("investigator")
    made = send(client, "POST", url(cast, "/persons"), {"code": "P-010", "languages": ["YUE", "zh-hant"]})
    assert made.status_code == 201, made.content
    person = send(client, "GET", url(cast, "/persons/P-010")).json()
    assert person["languages"] == ["yue", "zh-Hant"]


@pytest.mark.parametrize("typed", ["und", "zz", "Spanish"])
def test_a_language_that_is_not_a_tag_is_refused_at_its_index(
    cast: Cast, client_for: Any, typed: str
) -> None:
    response = send(
        client_for("investigator"),
        "POST",
        url(cast, "/persons"),
        {"code": "P-010", "languages": ["es", typed]},
    )
    assert response.status_code == 400, response.content
    (problem,) = response.json()["problems"]
    assert problem["path"] == "languages[1]"
    assert "e.g. en, es, yue, zh-Hant" in problem["message"]


def test_an_interview_in_a_language_the_person_does_not_speak_is_refused(cast: Cast, client_for: Any) -> None:
    make_user("interpreter")
    services.danger_respond(
        actor=make_user("investigator"), flag=cast.flag, response="Officer posted at the door"
    )
    body = {
        "interviewer": "ivy.investigator",
        "role": "investigator",
        "location": "harbor-rooms",
        "starts_at": (cast.operation.starts_at + timedelta(hours=8)).isoformat(),
        "minutes": 45,
    }
    before = Interview.objects.count()
    refused = send(client_for("investigator"), "POST", url(cast, "/persons/P-001/interviews"), body)
    assert refused.status_code == 422, refused.content
    assert refused.json()["rules"] == ["interview.language"]
    assert "P-001 speaks Spanish (es); Ivy Investigator speaks English (en)" in refused.json()["message"]
    assert Interview.objects.count() == before
    interpreted = send(
        client_for("investigator"),
        "POST",
        url(cast, "/persons/P-001/interviews"),
        {**body, "interpreter": "ines.interpreter"},
    )
    assert interpreted.status_code == 201, interpreted.content


def test_information_in_a_language_the_person_does_not_speak_is_refused(cast: Cast, client_for: Any) -> None:
    before = InformationGiven.objects.count()
    body = {"language": "ti", "materials": ["Your rights and the help available"]}
    refused = send(client_for("advocate"), "POST", url(cast, "/persons/P-001/information"), body)
    assert refused.status_code == 400, refused.content
    (problem,) = refused.json()["problems"]
    assert problem["path"] == "language"
    assert "Tigrinya (ti) is not a language of P-001 (Spanish (es))" in problem["message"]
    assert InformationGiven.objects.count() == before
    made = send(
        client_for("advocate"), "POST", url(cast, "/persons/P-001/information"), {**body, "language": "es"}
    )
    assert made.status_code == 201, made.content


def test_every_need_and_the_concerns_are_recorded_and_read_back_by_the_assessing_provider(
    cast: Cast, client_for: Any
) -> None:
    needs = {
        "clothing": "API-CLOTHING",
        "contact": "API-CONTACT",
        "childcare": "API-CHILDCARE",
        "transportation": "API-TRANSPORT",
        "legal": "API-LEGAL",
        "counseling": "API-COUNSEL",
        "concerns": "API-CONCERNS",
    }
    registered = send(
        client_for("investigator"), "POST", url(cast, "/persons"), {"code": "P-010", "languages": ["en"]}
    )
    assert registered.status_code == 201, registered.content
    client = client_for("advocate")
    made = send(client, "POST", url(cast, "/persons/P-010/needs"), {**needs, "language": "EN"})
    assert made.status_code == 201, made.content
    (assessment,) = send(client, "GET", url(cast, "/persons/P-010")).json()["needs_assessments"]
    assert {name: assessment[name] for name in needs} == needs
    assert assessment["language"] == "en"
    investigator = send(client_for("investigator"), "GET", url(cast, "/persons/P-010")).json()
    assert investigator["needs_assessments"] is None
