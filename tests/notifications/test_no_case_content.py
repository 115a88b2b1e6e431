"""No case content in any notification or e-mail (issue 14), tested as tests/access/test_compartment_markers.py
does: every compartment's records carry a unique marker text, every kind of notification is raised over
them, and no marker — nor the person's code, nor a place — reaches a notification, its e-mail (subject,
body, calendar file) or anyone's notification centre."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.forms.models import model_to_dict
from django.test import Client

from haven.encounters import services as encounters
from haven.notifications.models import Kind, Notification
from haven.notifications.services import notification_preferences_set
from haven.operations.services import plan_save
from haven.plans import parse_plan
from tests.access.test_compartment_markers import MARKERS
from tests.operations.fixtures import make_operation
from tests.personas import PERSONAS, make_user, sign_in

pytestmark = pytest.mark.django_db

CAST = ("investigator", "coordinator", "federal_agent", "prosecutor", "advocate", "other_provider")
CAST += ("attorney", "forensic", "interpreter")
PERSON = "P-731"
# what the notifications must not name either: the person, the rooms and places, the people interviewing
ALSO_HIDDEN = (PERSON, "P-732", "harbor-rooms", "Harbor Victim Services office", "Fay Federal", "Quarry")


@pytest.fixture
def everything(smtp: Any, django_capture_on_commit_callbacks: Any) -> None:
    for key in CAST:
        user = make_user(key)
        notification_preferences_set(
            actor=user, address=f"{user.username}@taskforce.example", by_email=Kind.values
        )
    operation = make_operation(
        starts_in=-timedelta(hours=3),
        changes={
            "sites[0].name": MARKERS["full_plan"],
            "legal_authorities[0].notes": MARKERS["legal_notes"],
        },
    )
    investigator, advocate, agent = (
        make_user("investigator"),
        make_user("advocate"),
        make_user("federal_agent"),
    )
    t0 = operation.starts_at
    with django_capture_on_commit_callbacks(execute=True):
        person = encounters.person_register(
            actor=investigator, operation=operation, code=PERSON, tags=["female", "adult"], languages=["es"],
            area="community-room", encountered_at=t0 + timedelta(minutes=10),
        )  # fmt: skip
        encounters.observation_record(
            actor=investigator, person=person, signs=["appears_fearful"], text=MARKERS["investigative"]
        )
        encounters.needs_assessment_record(
            actor=advocate,
            person=person,
            medical=MARKERS["needs_full"],
            urgent=["medical"],
            at=t0 + timedelta(minutes=20),
        )
        encounters.information_record(
            actor=advocate, person=person, language="es", materials=["What happens next"],
            questions=MARKERS["questions"], answers="Explained", at=t0 + timedelta(minutes=25),
        )  # fmt: skip
        encounters.victim_service_record(
            actor=advocate, person=person, kind="safety_plan", text=MARKERS["victim_service_record"]
        )
        encounters.attorney_note_record(
            actor=make_user("attorney"), person=person, text=MARKERS["attorney_notes"]
        )
        # imminent danger, answered, so that interviews may be booked
        flag = encounters.danger_flag(actor=advocate, person=person)
        encounters.danger_respond(actor=advocate, flag=flag, response="Moved to the shelter's safe room")
        # a separation alert
        other = encounters.person_register(
            actor=investigator,
            operation=operation,
            code="P-732",
            tags=["male", "adult"],
            area="community-room",
        )
        encounters.designation_record(actor=investigator, person=person, status="potential_victim")
        encounters.designation_record(actor=agent, person=other, status="suspect")
        # an interview booked, moved, recorded with notes; another booked and cancelled
        location = operation.interview_locations.get(plan_id="harbor-rooms")
        booked = encounters.interview_schedule(
            actor=make_user("coordinator"), person=person, interviewer=agent, role="investigator",
            location=location, room="harbor-rooms-1", starts_at=t0 + timedelta(hours=4), minutes=30,
            interpreter=make_user("interpreter"),
        )  # fmt: skip
        encounters.interview_cancel(actor=make_user("coordinator"), interview=booked, moving=True)
        moved = encounters.interview_schedule(
            actor=make_user("coordinator"), person=person, interviewer=agent, role="investigator",
            location=location, room="harbor-rooms-2", starts_at=t0 + timedelta(hours=5), minutes=30,
            interpreter=make_user("interpreter"), replaces=booked,
        )  # fmt: skip
        encounters.interview_conduct(actor=agent, interview=moved, notes=MARKERS["interview_record"])
        another = encounters.interview_schedule(
            actor=make_user("coordinator"), person=person, interviewer=agent, role="investigator",
            location=location, room="harbor-rooms-3", starts_at=t0 + timedelta(hours=7), minutes=30,
        )  # fmt: skip
        encounters.interview_cancel(actor=make_user("coordinator"), interview=another)
        # a consent recorded and revoked
        consent = encounters.consent_record(
            actor=advocate, person=person, recipient=make_user("other_provider").agency, items=["contact"],
            purpose=MARKERS["consent_purpose"], in_writing=True, given_on=t0.date(),
            expires_on=t0.date() + timedelta(days=30),
        )  # fmt: skip
        encounters.consent_revoke(actor=advocate, consent=consent)
        # the plan amended: its sites (a marker in them) and the service briefing's numbers
        data = dict(operation.current_version.document)
        data["sites"] = [{**data["sites"][0], "name": MARKERS["full_plan"] + "-moved"}, *data["sites"][1:]]
        data["anticipated"] = {**data["anticipated"], "persons": data["anticipated"]["persons"] + 3}
        plan_save(
            actor=make_user("coordinator"),
            operation=operation,
            plan=parse_plan(json.dumps(data)),
            base_version=1,
        )
    # every kind was raised
    assert set(Notification.objects.values_list("kind", flat=True)) == set(Kind.values)


def _leaks(text: str, where: str) -> list[str]:
    secrets = [*MARKERS.values(), *ALSO_HIDDEN]
    return [f"{where} shows {secret}" for secret in secrets if secret in text]


def test_no_notification_holds_case_content(everything):
    leaks = []
    for notification in Notification.objects.all():
        fields = model_to_dict(notification, exclude=["target"])
        leaks += _leaks(json.dumps(fields, default=str), f"notification {notification.kind}")
        # the path it opens (after sign-in, through the page's own access check) may name the person's page
        leaks += [
            m for m in _leaks(notification.target, f"the path of {notification.kind}") if PERSON not in m
        ]
    assert leaks == []


def test_no_email_holds_case_content(everything, smtp):
    assert len(smtp.received) >= len(Kind.values)
    leaks = []
    for message in smtp.received:
        leaks += _leaks(smtp.text(message), f"e-mail '{message['Subject']}' to {message['To']}")
    assert leaks == []


@pytest.mark.parametrize("who", CAST)
def test_no_notification_centre_shows_case_content(everything, who):
    client = Client()
    sign_in(client, make_user(who))
    page = client.get("/notifications/").content.decode()
    assert f"{PERSONAS[who].name}" in page  # signed in as them (the header names them; the centre must not)
    centre = page.split('<main id="main"', 1)[1].split("</main>", 1)[0]
    assert Notification.objects.filter(recipient__username=PERSONAS[who].username).exists()
    assert _leaks(centre, f"{who}'s notification centre") == []
