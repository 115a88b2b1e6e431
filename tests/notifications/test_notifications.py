"""Alerts that find people (issue 14): who is notified of what, by e-mail through a real SMTP server, with
each user's choices, and read or unread in the notification centre."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from icalendar import Calendar

from haven.encounters import services as encounters
from haven.encounters.models import Person
from haven.notifications.models import Delivery, DeliveryStatus, Kind, Notification, Preference
from haven.notifications.services import notification_preferences_set
from haven.operations.models import Operation
from haven.operations.services import plan_save
from haven.plans import parse_plan
from tests.operations.fixtures import make_operation
from tests.personas import PERSONAS, make_user, sign_in

pytestmark = pytest.mark.django_db

CAST = (
    "investigator",
    "coordinator",
    "federal_agent",
    "prosecutor",
    "advocate",
    "other_provider",
    "attorney",
    "forensic",
    "interpreter",
    "outsider",
)


def address(key: str) -> str:
    return f"{PERSONAS[key].username}@taskforce.example"


@pytest.fixture
def operation() -> Operation:
    for key in CAST:
        user = make_user(key)
        notification_preferences_set(actor=user, address=address(key), by_email=Kind.values)
    return make_operation(starts_in=-timedelta(hours=3))


@pytest.fixture
def person(operation: Operation) -> Person:
    return encounters.person_register(
        actor=make_user("investigator"),
        operation=operation,
        code="P-001",
        tags=["female", "adult"],
        languages=["es"],
        area="community-room",
        encountered_at=operation.starts_at + timedelta(minutes=10),
    )


def assessed(person: Person) -> None:
    at = person.operation.starts_at + timedelta(minutes=20)
    encounters.needs_assessment_record(actor=make_user("advocate"), person=person, at=at, language="es")
    encounters.information_record(
        actor=make_user("advocate"), person=person, language="es", materials=["What happens next"], at=at
    )


def separation_alert(person: Person) -> None:
    """A suspect designated in the area where a potential victim is: a separation alert."""
    other = encounters.person_register(
        actor=make_user("investigator"), operation=person.operation, code="P-002", tags=["male", "adult"],
        area="community-room",
    )  # fmt: skip
    encounters.designation_record(actor=make_user("investigator"), person=person, status="potential_victim")
    encounters.designation_record(actor=make_user("federal_agent"), person=other, status="suspect")


def notified(kind: Kind) -> set[str]:
    return set(Notification.objects.filter(kind=kind).values_list("recipient__username", flat=True))


def usernames(*keys: str) -> set[str]:
    return {PERSONAS[k].username for k in keys}


def test_imminent_danger_reaches_the_coordinators_and_the_assessing_provider_by_email(
    operation, person, smtp, django_capture_on_commit_callbacks
):
    assessed(person)
    with django_capture_on_commit_callbacks(execute=True):
        encounters.danger_flag(actor=make_user("investigator"), person=person)
    # the operation's coordinators (metro-pd's) and the provider that assessed her needs (harbor-vs)
    assert notified(Kind.DANGER) == usernames("coordinator", "advocate")
    assert sorted(str(m["To"]) for m in smtp.received) == sorted(
        [address("coordinator"), address("advocate")]
    )
    (message,) = smtp.to(address("advocate"))
    assert message["Subject"] == f"Haven: Imminent danger was raised on operation {operation.code}"
    body = smtp.text(message)
    opened = Notification.objects.get(recipient=make_user("advocate"))
    assert f"http://testserver/notifications/{opened.pk}/" in body
    assert Delivery.objects.get(notification=opened).status == DeliveryStatus.SENT


def test_danger_alerts_cannot_be_turned_off_but_other_kinds_can(
    operation, person, smtp, django_capture_on_commit_callbacks
):
    coordinator = make_user("coordinator")
    emailed = notification_preferences_set(actor=coordinator, address=address("coordinator"), by_email=[])
    assert emailed == [Kind.DANGER.value]  # asked for nothing; danger stays
    # even a stored "no" (written by anything but the service) does not silence a danger alert
    Preference.objects.filter(user=coordinator, kind=Kind.DANGER).update(by_email=False)
    with django_capture_on_commit_callbacks(execute=True):
        encounters.danger_flag(actor=make_user("advocate"), person=person)
        separation_alert(person)
    # both are in the centre; only the danger alert was e-mailed
    kinds = set(Notification.objects.filter(recipient=coordinator).values_list("kind", flat=True))
    assert kinds == {Kind.DANGER, Kind.SEPARATION}
    assert [str(m["Subject"]) for m in smtp.to(address("coordinator"))] == [
        f"Haven: Imminent danger was raised on operation {operation.code}"
    ]
    # the investigator kept separation alerts on: theirs was e-mailed
    assert len(smtp.to(address("investigator"))) == 1


def test_the_preferences_form_keeps_danger_checked_and_disabled(client_for):
    client = client_for("advocate")
    page = client.get("/notifications/").content.decode()
    assert "Imminent danger raised (always)" in page
    assert '<input type="checkbox" checked disabled' in page
    saved = client.post(
        "/notifications/preferences/", {"address": "ada@harbor.example", "by_email": ["consent_revoked"]}
    )
    assert saved.status_code == 303
    bad = client.post("/notifications/preferences/", {"address": "not an address", "by_email": []})
    assert bad.status_code == 400
    assert "is an e-mail address such as name@agency.example" in bad.content.decode()
    # the refused form stored nothing: the address saved before is kept
    assert 'value="ada@harbor.example"' in client.get("/notifications/").content.decode()


def test_a_separation_alert_reaches_only_investigative_agencies_users(operation, person):
    separation_alert(person)
    # metro-pd, hsi and the district attorney's users; no provider, attorney, interpreter or outsider
    assert notified(Kind.SEPARATION) == usernames(
        "investigator", "coordinator", "federal_agent", "prosecutor"
    )


def test_a_booked_interview_reaches_the_interviewer_and_interpreter_with_its_calendar_entry(
    operation, person, smtp, django_capture_on_commit_callbacks
):
    assessed(person)
    agent = make_user("federal_agent")
    with django_capture_on_commit_callbacks(execute=True):
        interview = encounters.interview_schedule(
            actor=make_user("coordinator"),
            person=person,
            interviewer=agent,
            role="investigator",
            location=operation.interview_locations.get(plan_id="harbor-rooms"),
            room="harbor-rooms-1",
            starts_at=operation.starts_at + timedelta(hours=4),
            minutes=60,
            interpreter=make_user("interpreter"),
        )
    assert notified(Kind.INTERVIEW_BOOKED) == usernames("federal_agent", "interpreter")
    (message,) = smtp.to(address("interpreter"))
    (attachment,) = [p for p in message.iter_attachments() if p.get_content_type() == "text/calendar"]
    (event,) = [c for c in Calendar.from_ical(attachment.get_content()).walk() if c.name == "VEVENT"]
    assert str(event["uid"]) == f"{interview.pk}@haven"  # the same entry as the interviewer's .ics feed
    assert event.decoded("dtstart") == interview.starts_at
    assert event.decoded("dtend") == interview.starts_at + timedelta(minutes=60)
    # no one's code, no room, no place: the times and the operation
    text = smtp.text(message)
    for secret in ("P-001", "harbor-rooms", "Harbor", "Fay Federal"):
        assert secret not in text


def test_a_moved_interview_is_moved_for_who_keeps_it_and_cancelled_for_who_does_not(operation, person):
    assessed(person)
    coordinator, agent = make_user("coordinator"), make_user("federal_agent")
    location = operation.interview_locations.get(plan_id="harbor-rooms")
    first = encounters.interview_schedule(
        actor=coordinator, person=person, interviewer=agent, role="investigator", location=location,
        starts_at=operation.starts_at + timedelta(hours=4), minutes=60, interpreter=make_user("interpreter"),
    )  # fmt: skip
    encounters.interview_cancel(actor=coordinator, interview=first, moving=True)
    moved = encounters.interview_schedule(
        actor=coordinator, person=person, interviewer=agent, role="investigator", location=location,
        starts_at=operation.starts_at + timedelta(hours=5), minutes=60, replaces=first,
    )  # fmt: skip
    notice = Notification.objects.get(kind=Kind.INTERVIEW_MOVED)
    assert notice.recipient == agent
    assert (notice.calendar_uid, notice.replaces_uid) == (f"{moved.pk}@haven", f"{first.pk}@haven")
    # the interpreter is not in the moved interview: theirs is cancelled
    assert notified(Kind.INTERVIEW_CANCELLED) == usernames("interpreter")
    # a plain cancellation tells both
    encounters.interview_cancel(actor=coordinator, interview=moved)
    assert Notification.objects.filter(kind=Kind.INTERVIEW_CANCELLED, recipient=agent).count() == 1


def test_a_plan_amendment_tells_the_full_plan_list_which_sections_changed_and_the_briefing_list_only_that_it_changed(
    operation,
):
    coordinator = make_user("coordinator")
    data = dict(operation.current_version.document)
    data["anticipated"] = {**data["anticipated"], "persons": data["anticipated"]["persons"] + 5}
    plan_save(actor=coordinator, operation=operation, plan=parse_plan(_json(data)), base_version=1)
    full = Notification.objects.filter(kind=Kind.PLAN_AMENDED)
    # who reads the full plan (metro-pd, hsi, the district attorney), not the coordinator who amended it
    assert {n.recipient.username for n in full} >= usernames("investigator", "federal_agent", "prosecutor")
    assert coordinator.username not in {n.recipient.username for n in full}
    assert {tuple(n.sections) for n in full} == {("anticipated",)}
    # the service briefing shows the number of persons expected: its list hears that it changed, no more
    briefing = Notification.objects.filter(kind=Kind.BRIEFING_AMENDED)
    assert {n.recipient.username for n in briefing} >= usernames("advocate")
    assert all(n.sections == [] for n in briefing)
    assert not {n.recipient.username for n in full} & usernames("advocate", "other_provider", "attorney")


def test_an_amendment_the_service_briefing_does_not_show_reaches_only_the_full_plan_list(operation):
    data = dict(operation.current_version.document)
    data["legal_authorities"] = [{**data["legal_authorities"][0], "notes": "A new warrant was signed."}]
    plan_save(
        actor=make_user("coordinator"), operation=operation, plan=parse_plan(_json(data)), base_version=1
    )
    assert Notification.objects.filter(kind=Kind.PLAN_AMENDED).exists()
    assert not Notification.objects.filter(kind=Kind.BRIEFING_AMENDED).exists()


def test_a_revoked_consent_reaches_the_recipient_agency(operation, person):
    advocate = make_user("advocate")
    consent = encounters.consent_record(
        actor=advocate, person=person, recipient=make_user("other_provider").agency, items=["contact"],
        purpose="Shelter placement", in_writing=True, given_on=operation.starts_at.date(),
        expires_on=operation.starts_at.date() + timedelta(days=30),
    )  # fmt: skip
    encounters.consent_revoke(actor=advocate, consent=consent, orally=True)
    assert notified(Kind.CONSENT_REVOKED) == usernames("other_provider")


def test_the_centre_counts_unread_opens_marks_read_and_unread(operation, person):
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    separation_alert(person)
    client = Client()
    sign_in(client, make_user("coordinator"))
    home = client.get("/").content.decode()
    # the header's link reads "Notifications, 2 unread" to a screen reader
    assert (
        '>Notifications</span><span class="visually-hidden">, </span> <span class="badge badge--new">2<span class="visually-hidden"> unread</span>'
        in home
    )
    danger = Notification.objects.get(recipient__username="cole.coordinator", kind=Kind.DANGER)
    opened = client.get(f"/notifications/{danger.pk}/")
    assert opened.status_code == 302
    assert opened["Location"] == f"/operations/{operation.code}/persons/P-001/"
    danger.refresh_from_db()
    assert danger.read_at is not None
    page = client.get("/notifications/").content.decode()
    assert "1 unread" in page
    client.post(f"/notifications/{danger.pk}/read/", {"read": "0"})
    danger.refresh_from_db()
    assert danger.read_at is None
    client.post("/notifications/read-all/")
    assert not Notification.objects.filter(
        recipient__username="cole.coordinator", read_at__isnull=True
    ).exists()
    assert "badge--new" not in client.get("/").content.decode().split("</header>")[0]


def test_a_notification_is_its_recipients_alone(operation, person):
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    theirs = Notification.objects.get(recipient__username="cole.coordinator")
    client = Client()
    sign_in(client, make_user("federal_agent"))
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    theirs.refresh_from_db()
    assert theirs.read_at is None
    # and signing in comes first: the link in an e-mail leads to the sign-in page
    anonymous = Client().get(f"/notifications/{theirs.pk}/")
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith("/sign-in/")


def _json(data: dict[str, Any]) -> str:
    return json.dumps(data)


@pytest.mark.parametrize("who", ["admin", "auditor"])
def test_not_even_an_admin_or_auditor_of_the_recipients_agency_opens_their_notification(
    operation, person, who
):
    encounters.danger_flag(actor=make_user("advocate"), person=person)
    theirs = Notification.objects.get(recipient__username="cole.coordinator", kind=Kind.DANGER)
    client = Client()
    sign_in(client, make_user(who))  # both of Metro PD, the coordinator's agency
    assert client.get(f"/notifications/{theirs.pk}/").status_code == 404
    assert client.post(f"/notifications/{theirs.pk}/read/").status_code == 404
    assert str(theirs.pk) not in client.get("/notifications/").content.decode()


def test_reading_the_notification_centre_is_audited_as_a_view(operation, person):
    from haven.audit.models import AuditRecord

    encounters.danger_flag(actor=make_user("investigator"), person=person)
    client = Client()
    coordinator = make_user("coordinator")
    sign_in(client, coordinator)
    before = AuditRecord.objects.filter(event_type="notification.viewed", actor=coordinator).count()
    assert client.get("/notifications/").status_code == 200
    viewed = AuditRecord.objects.filter(event_type="notification.viewed", actor=coordinator)
    assert viewed.count() == before + 1
    assert json.loads(viewed.latest("sequence").details)["count"] == 1


@pytest.mark.parametrize(
    "target", ["https://elsewhere.example/", "//elsewhere.example/", "/\\elsewhere.example"]
)
def test_a_notification_opens_only_a_path_on_haven(operation, target):
    from haven.notifications.services import notification_send

    (notification,) = notification_send(
        actor=None, kind=Kind.SEPARATION, recipients=[make_user("investigator")],
        operation_id=operation.pk, operation_code=operation.code, target=target,
    )  # fmt: skip
    client = Client()
    sign_in(client, make_user("investigator"))
    opened = client.get(f"/notifications/{notification.pk}/")
    assert opened.status_code == 302
    assert opened["Location"] == "/notifications/"


def test_the_centre_dates_a_notification_on_its_operations_clock(operation, person):
    from haven.core.clock import clock_moment

    assert operation.utc_offset_minutes != 0
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    danger = Notification.objects.get(recipient__username="cole.coordinator", kind=Kind.DANGER)
    client = Client()
    sign_in(client, make_user("coordinator"))
    page = client.get("/notifications/").content.decode()
    assert clock_moment(danger.created_at, operation.utc_offset_minutes) in page  # "today 00:14 UTC−05:00"
