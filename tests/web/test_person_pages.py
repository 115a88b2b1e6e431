"""The person page: what each audience sees of one person, the forms each may use, and how an action
answers — saved, refused by a guardrail (422, the message next to the form, the input kept) or with
problems named at their fields (400). Hidden and missing look the same."""

from __future__ import annotations

import re
import uuid
from datetime import date, timedelta

import pytest
from django.test import Client
from django.utils import timezone

from haven.audit.models import AuditRecord
from haven.encounters import services
from haven.encounters.models import Consent, Interview, InterviewStatus, Person
from tests.access.matrix_encounters import (
    ANSWERS_TEXT,
    ATTORNEY_TEXT,
    CONSENT_PURPOSE,
    INTERVIEW_NOTES,
    NEEDS_TEXT,
    OBSERVATION_TEXT,
    QUESTIONS_TEXT,
    SAFETY_PLAN_TEXT,
    SENSITIVE_AREA,
    Scenario,
    scenario,
)

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


def without_csrf(body: bytes) -> str:
    text = body.decode()
    text = re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', 'name="csrfmiddlewaretoken" value=""', text)
    return re.sub(r'"X-CSRFToken": "[^"]+"', '"X-CSRFToken": ""', text)


# --- what each audience sees ----------------------------------------------------------------------

PROVIDER_ONLY = (NEEDS_TEXT, QUESTIONS_TEXT, ANSWERS_TEXT, SAFETY_PLAN_TEXT, CONSENT_PURPOSE)


def test_investigator_sees_designations_observations_and_sensitive_areas_but_no_provider_record(
    s, client_for
):
    client = client_for("investigator")
    suspect = html_of(client, url(s, "P-002"))
    assert "Designation" in suspect
    assert "<strong>Suspect</strong>" in suspect
    assert SENSITIVE_AREA in suspect
    assert OBSERVATION_TEXT in suspect
    victim = html_of(client, url(s, "P-001"))
    assert "Signs others were seen showing towards P-001" in victim
    assert re.search(r"P-002</a>.*Gives orders, Is deferred to", victim)
    assert "Needs assessment in full" not in victim
    for text in (*PROVIDER_ONLY, ATTORNEY_TEXT):
        assert text not in victim
    # the summary of needs and the information given are shared with everyone on the operation
    assert "Medical" in victim
    assert "Your rights and the help available" in victim


def test_assessing_provider_sees_its_own_records_and_nothing_investigative(s, client_for):
    client = client_for("advocate")
    victim = html_of(client, url(s, "P-001"))
    for text in PROVIDER_ONLY:
        assert text in victim
    assert ATTORNEY_TEXT not in victim
    assert "Signs others were seen showing" not in victim
    assert "Potential victim" not in victim
    # the suspect has left the victim-care pathway: a service agency meets them nowhere (hidden like missing)
    suspect = client.get(url(s, "P-002"))
    assert suspect.status_code == 404
    assert without_csrf(client.get(url(s, "P-999")).content) == without_csrf(suspect.content)


def test_another_provider_on_the_operation_sees_only_what_is_shared(s, client_for):
    client = client_for("other_provider")
    victim = html_of(client, url(s, "P-001"))
    for text in (*PROVIDER_ONLY, ATTORNEY_TEXT, OBSERVATION_TEXT):
        assert text not in victim
    assert "Your agency has not assessed this person's needs." in victim
    assert "Your rights and the help available" in victim
    assert "Potential victim" not in victim
    assert client.get(url(s, "P-002")).status_code == 404


def test_attorney_sees_own_notes_and_no_provider_or_investigative_record(s, client_for):
    client = client_for("attorney")
    victim = html_of(client, url(s, "P-001"))
    assert ATTORNEY_TEXT in victim
    for text in (*PROVIDER_ONLY, OBSERVATION_TEXT):
        assert text not in victim
    assert "Potential victim" not in victim
    assert "Continued Presence" in victim  # attorneys follow immigration relief, and who owns it
    assert "Waiting for a decision since" in victim
    assert "to be decided by Homeland Security Investigations" in victim
    assert client.get(url(s, "P-002")).status_code == 404


def test_the_person_page_and_the_board_name_the_same_decider_for_a_relief_request(s, client_for):
    """A T-visa certification requested by the victim's attorney is decided by the lead law enforcement
    agency, not by the attorney who asked for it (the page said 'next step with' the requester)."""
    from haven.encounters import services
    from tests.personas import make_user

    services.relief_record(actor=make_user("attorney"), person=s.victim, kind="t_visa", status="requested")
    client = client_for("attorney")
    page = html_of(client, url(s, "P-001"))
    assert "to be decided by Metro City Police Department" in page
    board = client.get(f"/operations/{s.operation.code}/board/").content.decode()
    assert re.search(
        r"Decide on T-visa certification \(requested\).*?Metro City Police Department", board, re.S
    )


def test_recipient_of_a_consent_reads_exactly_what_it_releases_and_the_read_is_audited(s, client_for):
    client = client_for("federal_agent")
    victim = html_of(client, url(s, "P-001"))
    assert NEEDS_TEXT in victim  # released: needs_details
    assert (
        "Harbor Victim Services releases to your agency: <strong>Needs assessment in full</strong>" in victim
    )
    for text in (QUESTIONS_TEXT, SAFETY_PLAN_TEXT, CONSENT_PURPOSE, ATTORNEY_TEXT):
        assert text not in victim
    read = AuditRecord.objects.filter(event_type="consent.read").last()
    assert read is not None
    assert str(s.consent.pk) in read.details
    # the provider that recorded the consent sees that read under it
    provider_view = html_of(client_for("advocate"), url(s, "P-001"))
    assert "Reads under this consent (1)" in provider_view


def test_a_user_of_an_agency_not_on_the_operation_gets_the_same_404_as_for_a_missing_person(s, client_for):
    client = client_for("outsider")
    hidden = client.get(url(s, "P-001"))
    missing = client.get(url(s, "P-999"))
    no_operation = client.get("/operations/NO-SUCH-OP/persons/P-001/")
    assert hidden.status_code == missing.status_code == no_operation.status_code == 404
    assert without_csrf(hidden.content) == without_csrf(missing.content) == without_csrf(no_operation.content)
    assert NEEDS_TEXT not in hidden.content.decode()
    # an action on a hidden person is the same 404 too
    posted_hidden = client.post(url(s, "P-001", "needs/"), {"medical": "x"})
    posted_missing = client.post(url(s, "P-999", "needs/"), {"medical": "x"})
    assert posted_hidden.status_code == posted_missing.status_code == 404
    assert without_csrf(posted_hidden.content) == without_csrf(posted_missing.content)


def test_on_the_operation_a_missing_person_and_a_missing_operation_look_the_same(s, client_for):
    client = client_for("investigator")
    missing_person = client.get(url(s, "P-999"))
    missing_operation = client.get("/operations/NO-SUCH-OP/persons/P-001/")
    assert missing_person.status_code == missing_operation.status_code == 404
    assert without_csrf(missing_person.content) == without_csrf(missing_operation.content)


def test_opening_a_person_is_one_audit_event(s, client_for):
    client = client_for("investigator")
    before = AuditRecord.objects.filter(event_type="person.opened").count()
    client.get(url(s, "P-001"))
    assert AuditRecord.objects.filter(event_type="person.opened").count() == before + 1


# --- the forms each audience is offered -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "offered", "not_offered"),
    [
        (
            "investigator",
            ["Record a designation", "Record an observation", "Place in an area", "Release or transfer"],
            ["Record needs", "Record a consent", "Write a note", "Record the safety plan"],
        ),
        (
            "advocate",
            ["Record needs", "Record information given", "Record a consent", "Record the safety plan"],
            ["Record a designation", "Schedule an interview", "Write a note", "Place in an area"],
        ),
        (
            "other_provider",
            ["Record needs", "Record a consent"],
            ["Withdraw this consent", "Record a designation", "Write a note"],
        ),
        (
            "attorney",
            ["Write a note", "Record a relief step", "Record information given"],
            ["Record needs", "Record a designation", "Record a consent", "Schedule an interview"],
        ),
        (
            "federal_agent",
            ["Schedule an interview", "Record this interview", "Record a relief step"],
            ["Record needs", "Record a consent"],
        ),
    ],
)
def test_each_audience_is_offered_the_forms_of_the_actions_it_may_take(
    s, client_for, who, offered, not_offered
):
    page = html_of(client_for(who), url(s, "P-001"))
    for title in offered:
        assert f"<summary>{title}</summary>" in page, title
    for title in not_offered:
        assert f"<summary>{title}</summary>" not in page, title


def test_only_the_recording_provider_may_withdraw_a_consent_and_to_others_it_does_not_exist(s, client_for):
    path = url(s, "P-001", f"consents/{s.consent.pk}/revoke/")
    missing = url(s, "P-001", f"consents/{uuid.uuid4()}/revoke/")
    for who in ("federal_agent", "other_provider"):
        client = client_for(who)
        refused, none = client.post(path, {"how": "orally"}), client.post(missing, {"how": "orally"})
        assert refused.status_code == none.status_code == 404
        # the same page, hidden or missing (but for the per-request CSRF token)
        assert without_csrf(refused.content) == without_csrf(none.content)
    response = client_for("advocate").post(path, {"how": "orally"})
    assert response.status_code == 303
    consent = Consent.objects.get(pk=s.consent.pk)
    assert consent.revoked_at is not None
    assert consent.revoked_orally
    # the withdrawal takes effect on the next request
    assert NEEDS_TEXT not in html_of(client_for("federal_agent"), url(s, "P-001"))


# --- actions: saved, refused, problems -----------------------------------------------------------------


def test_recording_needs_saves_and_goes_back_to_the_section_saying_so(s, client_for):
    client = client_for("advocate")
    response = client.post(
        url(s, "P-003", "needs/"),
        {"urgent": ["shelter"], "shelter": "NEW-SHELTER-NEED", "medications": "inhaler", "language": "zh"},
    )
    assert response.status_code == 303
    assert response["Location"] == url(s, "P-003") + "?saved=needs#sec-needs"
    page = html_of(client, response["Location"])
    assert "Needs assessment recorded." in page
    assert "NEW-SHELTER-NEED" in page
    assert "Medications: inhaler" in page
    assert "Needs assessed" in page  # the stage moved on


def test_a_guardrail_refusal_is_shown_next_to_the_form_which_keeps_its_input(s, client_for, persona):
    client = client_for("federal_agent")
    federal = persona("federal_agent")
    location = s.operation.interview_locations.get(plan_id="harbor-rooms")
    starts = (timezone.now() + timedelta(hours=3)).strftime("%Y-%m-%dT%H:%M")
    # P-003 (a minor, not yet assessed): the needs-first gate refuses before anything else
    response = client.post(
        url(s, "P-003", "interviews/"),
        {
            "interviewer": str(federal.pk),
            "role": "investigator",
            "location": str(location.pk),
            "room": "ROOM-2B",
            "starts_at": starts,
            "minutes": "45",
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    refusal = page.index("<strong>Refused.</strong>")
    assert "needs were not assessed" in page[refusal : refusal + 300]
    assert 'value="ROOM-2B"' in page
    assert 'value="45"' in page
    assert f'value="{starts}"' in page
    assert not Interview.objects.filter(person=s.minor).exists()


def test_an_interview_booked_on_the_page_follows_the_plans_interviews_section(s, client_for, persona):
    # issue 13: the plan has adults interviewed by investigators of hsi; Ivy is an investigator of metro-pd
    services.danger_respond(actor=persona("investigator"), flag=s.flag, response="Officer with her")
    ivy = persona("investigator")
    before = Interview.objects.filter(person=s.victim).count()
    response = client_for("investigator").post(
        url(s, "P-001", "interviews/"),
        {
            "interviewer": str(ivy.pk),
            "role": "investigator",
            "location": str(s.operation.interview_locations.get(plan_id="harbor-rooms").pk),
            "starts_at": (timezone.now() + timedelta(hours=5)).strftime("%Y-%m-%dT%H:%M"),
            "minutes": "45",
            "interpreter": str(persona("interpreter").pk),
        },
    )
    assert response.status_code == 422
    page = response.content.decode()
    refusal = page.index("<strong>Refused.</strong>")
    assert (
        "The plan&#x27;s interviews section says adults are interviewed by investigators of"
        in (page[refusal : refusal + 400])
    )
    assert Interview.objects.filter(person=s.victim).count() == before


def test_problems_are_named_at_their_fields(s, client_for):
    client = client_for("advocate")
    response = client.post(
        url(s, "P-001", "consents/"),
        {
            "recipient": str(s.operation.participants.get(plan_id="hsi").agency_id),
            "items": ["safety_plan"],
            "purpose": "",
            "in_writing": "on",
            "given_on": "2026-01-10",
            "expires_on": "2027-06-01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="consent_purpose_error"' in page
    assert "say what the information will be used for" in page
    assert 'id="consent_expires_on_error"' in page
    assert "must be at most one year after 2026-01-10" in page
    assert 'aria-invalid="true"' in page
    assert Consent.objects.count() == 1


def test_dates_far_from_now_and_impossible_lengths_are_named_at_their_fields_not_crashes(s, client_for):
    """Year 9999 overflowed converting to UTC (a 500) and year 1 was stored; 5,000 minutes were kept."""
    consents = Consent.objects.count()
    response = client_for("advocate").post(
        url(s, "P-001", "consents/"),
        {
            "recipient": str(s.operation.participants.get(plan_id="legal-aid").agency_id),
            "items": ["contact"],
            "purpose": "Call her lawyer",
            "in_writing": "on",
            "given_on": "9999-06-01",
            "expires_on": "0001-01-01",
        },
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="consent_given_on_error"' in page
    assert 'id="consent_expires_on_error"' in page
    assert page.count("Give a date between the years 2000 and 2100.") == 2
    assert Consent.objects.count() == consents
    persons = Person.objects.count()
    register = client_for("investigator").post(
        f"/operations/{s.operation.code}/persons/register/",
        {"code": "P-009", "priority": "normal", "encountered_at": "9999-12-31T23:00"},
    )
    assert register.status_code == 400
    assert "Give a date between the years 2000 and 2100." in register.content.decode()
    assert Person.objects.count() == persons
    record = url(s, "P-001", f"interviews/{s.interview.pk}/record/")
    for minutes, words in (("0", "greater than or equal to 1"), ("5000", "less than or equal to 480")):
        refused = client_for("federal_agent").post(record, {"notes": "Notes", "minutes": minutes})
        assert refused.status_code == 400
        assert words in refused.content.decode()
    assert Interview.objects.get(pk=s.interview.pk).status == InterviewStatus.SCHEDULED


def test_a_sealed_text_that_does_not_open_is_said_so_on_the_page_and_in_the_api(s, client_for):
    """A ciphertext altered in the database (or moved from another row) fails to open: the reader is
    told so in words, never shown an empty note, and the log names the field and the row."""
    from haven.encounters.models import AttorneyNote
    from tests.api.helpers import send

    note = AttorneyNote.objects.filter(person=s.victim).first()
    assert note is not None
    sealed = bytearray(bytes(note.text_sealed))
    sealed[-1] ^= 0x01  # one bit of the tag, changed behind the application's back
    AttorneyNote.objects.filter(pk=note.pk).update(text_sealed=bytes(sealed))
    client = client_for("attorney")
    page = client.get(url(s, "P-001"))
    assert page.status_code == 500
    assert "could not be opened here: it was altered, or moved from another record" in page.content.decode()
    api = send(client, "GET", f"/operations/{s.operation.code}/persons/P-001")
    assert api.status_code == 500
    assert api.json()["code"] == "seal_broken"
    assert "Nothing is shown in its place" in api.json()["message"]
    assert "encounters_attorneynote" not in api.content.decode()  # the place is for the log


def test_a_sealed_text_whose_key_this_server_lacks_is_said_so_on_the_page_and_in_the_api(
    s, client_for, settings, tmp_path
):
    """The database restored without its key files (issue 12): the key-encryption key that wrapped the
    agency's data key is not here, so the note cannot open; the reader is told so in words."""
    from haven.access import keys
    from tests.access.matrix_encounters import ATTORNEY_TEXT
    from tests.api.helpers import send

    client = client_for("attorney")
    assert ATTORNEY_TEXT in client.get(url(s, "P-001")).content.decode()
    settings.HAVEN_KEK_FILE = tmp_path / "another-installation" / "keys" / "kek.key"
    keys.clear_caches()
    page = client.get(url(s, "P-001"))
    assert page.status_code == 500
    assert "could not be opened with the keys this server holds" in page.content.decode()
    assert ATTORNEY_TEXT not in page.content.decode()
    api = send(client, "GET", f"/operations/{s.operation.code}/persons/P-001")
    assert api.status_code == 500
    assert api.json()["code"] == "keys_unavailable"
    assert "Nothing is shown in its place" in api.json()["message"]


def test_a_consent_not_given_in_writing_is_refused(s, client_for):
    response = client_for("advocate").post(
        url(s, "P-001", "consents/"),
        {
            "recipient": str(s.operation.participants.get(plan_id="legal-aid").agency_id),
            "items": ["contact"],
            "purpose": "Call her lawyer",
            "given_on": date.today().isoformat(),
            "expires_on": (date.today() + timedelta(days=30)).isoformat(),
        },
    )
    assert response.status_code == 422
    assert "A consent must be given in writing." in response.content.decode()
    assert Consent.objects.count() == 1


def test_placing_a_suspect_with_potential_victims_is_refused(s, client_for):
    response = client_for("investigator").post(url(s, "P-002", "place/"), {"area": "community-room"})
    assert response.status_code == 422
    page = response.content.decode()
    assert "P-002 is designated a suspect and cannot be placed in Harbor Center community room" in page
    assert '<option value="community-room" selected>' in page
    assert Person.objects.get(pk=s.suspect.pk).area.plan_id == "undetermined-room"


def test_only_the_interviewer_records_the_interview_and_the_notes_stay_investigative(s, client_for):
    path = url(s, "P-001", f"interviews/{s.interview.pk}/record/")
    refused = client_for("investigator").post(path, {"notes": "not mine to write"})
    assert refused.status_code == 422
    assert "Only the interviewer" in refused.content.decode()
    assert client_for("advocate").post(path, {"notes": "x"}).status_code == 403
    saved = client_for("federal_agent").post(path, {"notes": INTERVIEW_NOTES, "minutes": "50"})
    assert saved.status_code == 303
    assert Interview.objects.get(pk=s.interview.pk).status == InterviewStatus.CONDUCTED
    assert INTERVIEW_NOTES in html_of(client_for("investigator"), url(s, "P-001"))
    provider_page = html_of(client_for("advocate"), url(s, "P-001"))
    assert INTERVIEW_NOTES not in provider_page
    assert "Conducted" in provider_page  # the schedule is shared


def test_imminent_danger_is_flagged_and_answered_by_anyone_on_the_operation(s, client_for):
    assert client_for("attorney").post(url(s, "P-003", "danger/")).status_code == 303
    flag = s.minor.danger_flags.get()
    respond = url(s, "P-003", f"danger/{flag.pk}/respond/")
    assert "Record the response" in html_of(client_for("interpreter"), url(s, "P-003"))
    assert client_for("advocate").post(respond, {"response": ""}).status_code == 400
    assert client_for("advocate").post(respond, {"response": "Moved to the shelter"}).status_code == 303
    assert client_for("investigator").post(respond, {"response": "Officer on the way"}).status_code == 409
    page = html_of(client_for("attorney"), url(s, "P-003"))
    assert "Moved to the shelter" in page
    assert "Officer on the way" not in page


def test_each_provider_record_and_attorney_note_is_saved_through_its_form(s, client_for):
    advocate = client_for("advocate")
    for data in (
        {"kind": "service", "service_kind": "shelter", "service_status": "provided", "text": "SERVICE-NOTE"},
        {"kind": "case_note", "text": "CASE-NOTE"},
        {"kind": "contact", "text": "CONTACT-DETAILS"},
    ):
        response = advocate.post(url(s, "P-001", "victim-service/"), data)
        assert response.status_code == 303, response.content.decode()[:500]
    page = html_of(advocate, url(s, "P-001"))
    for text in ("SERVICE-NOTE", "CASE-NOTE", "CONTACT-DETAILS", "Shelter — Provided"):
        assert text in page
    assert "Referred to services" in page
    missing_kind = advocate.post(url(s, "P-001", "victim-service/"), {"kind": "service", "text": "x"})
    assert missing_kind.status_code == 400
    assert "is not one of shelter" in missing_kind.content.decode()
    assert (
        client_for("attorney").post(url(s, "P-001", "attorney-note/"), {"text": "SECOND-NOTE"}).status_code
        == 303
    )
    assert "SECOND-NOTE" in html_of(client_for("attorney"), url(s, "P-001"))
    assert "SERVICE-NOTE" not in html_of(client_for("other_provider"), url(s, "P-001"))


def test_investigative_records_designation_observation_relief_and_outcome(s, client_for):
    client = client_for("investigator")
    assert client.post(url(s, "P-003", "designation/"), {"status": "witness"}).status_code == 303
    observed = client.post(
        url(s, "P-003", "observation/"),
        {"signs": ["appears_fearful"], "text": "Kept looking at the door", "towards": "P-002"},
    )
    assert observed.status_code == 303
    page = html_of(client, url(s, "P-003"))
    assert "<strong>Witness</strong>" in page
    assert "Appears fearful" in page
    assert "Kept looking at the door" in page
    # a T-visa certification request by the investigator; Continued Presence is federal
    assert (
        client.post(url(s, "P-001", "relief/"), {"kind": "t_visa", "status": "requested"}).status_code == 303
    )
    refused = client.post(url(s, "P-001", "relief/"), {"kind": "continued_presence", "status": "granted"})
    assert refused.status_code == 400  # not a choice offered to metro-pd
    released = client.post(
        url(s, "P-003", "release/"), {"outcome": "transferred", "reason": "To child welfare"}
    )
    assert released.status_code == 303
    page = html_of(client, url(s, "P-003"))
    assert "Transferred on" in page
    assert "To child welfare" in page


def test_a_withdrawn_interviewer_preference_is_recorded_not_dropped(s, client_for):
    client = client_for("advocate")
    assert "Asked for a female interviewer" in html_of(client, url(s, "P-001"))
    assert client.post(url(s, "P-001", "preference/withdraw/")).status_code == 303
    page = html_of(client, url(s, "P-001"))
    assert "Withdrew the request for a female interviewer" in page
    again = client.post(url(s, "P-001", "preference/withdraw/"))
    assert again.status_code == 422
    assert "has no stated interviewer-gender preference" in again.content.decode()


def test_information_is_recorded_with_the_plans_materials(s, client_for):
    client = client_for("other_provider")
    page = html_of(client, url(s, "P-003"))
    assert 'value="What happens next"' in page  # the plan's victim_information materials
    response = client.post(
        url(s, "P-003", "information/"),
        {"materials": ["What happens next"], "language": "zh", "questions": "BAY-QUESTION", "answers": "A"},
    )
    assert response.status_code == 303
    assert "BAY-QUESTION" in html_of(client, url(s, "P-003"))
    assert "BAY-QUESTION" not in html_of(client_for("advocate"), url(s, "P-003"))


def test_with_htmx_a_refusal_comes_back_as_the_page_for_the_section_swap(s, client_for):
    response = client_for("investigator").post(
        url(s, "P-002", "place/"), {"area": "community-room"}, HTTP_HX_REQUEST="true"
    )
    assert response.status_code == 422
    page = response.content.decode()
    assert 'id="person-summary"' in page
    assert "data-focus-after-swap" in page


def test_exercise_operations_show_the_exercise_banner(persona, client_for):
    exercise = scenario(exercise=True)
    page = html_of(client_for("advocate"), url(exercise, "P-001"))
    assert "banner--exercise" in page
    assert "is a rehearsal on fictional data" in page


def test_a_consents_given_on_defaults_to_the_operations_day(s, client_for):
    """Issue 13: at 20:00 on the operation's clock (UTC−05:00) UTC's day is already tomorrow; the form
    pre-filled tomorrow, which the service refuses as a later day."""
    import time_machine

    evening = s.operation.starts_at.astimezone(timezone.get_fixed_timezone(-300)).replace(hour=20, minute=0)
    with time_machine.travel(evening):
        page = client_for("advocate").get(url(s, "P-001")).content.decode()
    field = re.search(r'<input[^>]*name="given_on"[^>]*>', page)
    assert field is not None
    assert f'value="{evening.date().isoformat()}"' in field[0]
