"""Language access on the pages a person meets (issue 13): the board and the person page take BCP 47 tags
and show them by name; a hand-booked interview keeps rule 4; information is offered, and recorded, only in a
language of the person that the material exists in; the needs form has every need and the concerns."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.encounters import services
from haven.encounters.models import InformationGiven, Interview, NeedsAssessment
from tests.access.matrix_encounters import Scenario, scenario
from tests.operations.fixtures import allow_any_interviewer_for_adults

pytestmark = pytest.mark.django_db


@pytest.fixture
def s(persona) -> Scenario:
    return scenario()


def url(s: Scenario, code: str = "P-001", action: str = "") -> str:
    return f"/operations/{s.operation.code}/persons/{code}/{action}"


def html_of(client: Client, path: str) -> str:
    response = client.get(path)
    assert response.status_code == 200, path
    return response.content.decode()


def test_a_person_registered_on_the_board_speaks_cantonese_shown_by_name(s, client_for):
    client = client_for("investigator")
    response = client.post(
        f"/operations/{s.operation.code}/persons/register/",
        {"code": "P-004", "languages": "YUE, zh-hant", "priority": "normal"},
    )
    assert response.status_code == 303
    page = html_of(client, url(s, "P-004"))
    assert "Cantonese (yue)" in page
    assert "Chinese (Traditional) (zh-Hant)" in page


def test_an_interview_booked_on_the_page_in_a_language_the_person_does_not_speak_is_refused(
    s, client_for, persona
):
    services.danger_respond(actor=persona("investigator"), flag=s.flag, response="Officer with her")
    allow_any_interviewer_for_adults(s.operation)  # Ivy, of metro-pd, interviews an adult (issue 13)
    client = client_for("investigator")
    location = s.operation.interview_locations.get(plan_id="harbor-rooms")
    starts = (timezone.now() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M")
    body = {
        "interviewer": str(persona("investigator").pk),
        "role": "investigator",
        "location": str(location.pk),
        "starts_at": starts,
        "minutes": "45",
    }
    before = Interview.objects.count()
    page = html_of(client, url(s))
    assert "Ivy Investigator (English) — Metro City Police Department (investigator, female)" in page
    refused = client.post(url(s, "P-001", "interviews/"), body)
    assert refused.status_code == 422
    text = refused.content.decode()
    refusal = text.index("<strong>Refused.</strong>")
    assert "P-001 speaks Spanish (es); Ivy Investigator speaks English (en)" in text[refusal : refusal + 400]
    assert Interview.objects.count() == before
    booked = client.post(
        url(s, "P-001", "interviews/"), {**body, "interpreter": str(persona("interpreter").pk)}
    )
    assert booked.status_code == 303
    assert Interview.objects.count() == before + 1


def test_information_is_offered_only_in_the_persons_languages_and_refused_otherwise(s, client_for):
    client = client_for("advocate")
    page = html_of(client, url(s, "P-001"))
    form = page[page.index('id="information_language"') :]
    form = form[: form.index("</select>")]
    assert '<option value="es">Spanish (es)</option>' in form
    assert 'value="ti"' not in form  # Tigrinya is not P-001's
    assert "Your rights and the help available (English, Spanish, Chinese)" in page
    before = InformationGiven.objects.count()
    refused = client.post(
        url(s, "P-001", "information/"),
        {"materials": ["Your rights and the help available"], "language": "ti"},
    )
    assert refused.status_code == 400
    assert 'id="information_language_error"' in refused.content.decode()
    assert InformationGiven.objects.count() == before


def test_information_in_a_language_of_the_person_the_material_is_not_held_in_is_refused_at_the_field(
    s, client_for, persona
):
    services.person_register(
        actor=persona("investigator"), operation=s.operation, code="P-004", languages=["yue", "es"]
    )
    client = client_for("advocate")
    refused = client.post(
        url(s, "P-004", "information/"), {"materials": ["What happens next"], "language": "yue"}
    )
    assert refused.status_code == 400
    text = refused.content.decode()
    error = text[text.index('id="information_language_error"') :][:600]
    assert "Cantonese (yue) is not a language the material is held in" in error
    assert (
        client.post(
            url(s, "P-004", "information/"), {"materials": ["What happens next"], "language": "es"}
        ).status_code
        == 303
    )


def test_the_needs_form_has_every_need_and_the_concerns_and_the_page_shows_them(s, client_for):
    client = client_for("advocate")
    page = html_of(client, url(s, "P-003"))
    for name in (*NeedsAssessment.NEEDS, "language", "language_notes", "concerns"):
        assert f'id="needs_{name}"' in page, name
    written = {
        "clothing": "PAGE-CLOTHING",
        "contact": "PAGE-CONTACT",
        "childcare": "PAGE-CHILDCARE",
        "transportation": "PAGE-TRANSPORT",
        "legal": "PAGE-LEGAL",
        "counseling": "PAGE-COUNSEL",
        "concerns": "PAGE-CONCERNS",
    }
    response = client.post(url(s, "P-003", "needs/"), {**written, "language": "zh"})
    assert response.status_code == 303
    page = html_of(client, response["Location"])
    for text in written.values():
        assert text in page
    assert "<dt>The person&#x27;s concerns</dt>" in page
    assert "<dt>Childcare</dt>" in page
    investigator = html_of(client_for("investigator"), url(s, "P-003"))
    assert not any(text in investigator for text in written.values())
