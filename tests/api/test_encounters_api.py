"""The encounter API for each kind of caller — an investigative user (the investigator), a provider of the
assessing agency (the advocate, harbor-vs), a provider of another agency on the operation (bay-vs), an
attorney, and a user of an agency not on the operation (the outsider): what each reads, what each may
write, what each is refused, and that a refusal never says more than a missing record.

The cast (tests/access/matrix_api_encounters.py) puts a record of every compartment on P-001 and P-002,
each with a marker text; a persona either may read a marker or it is nowhere in what they receive.
"""

from __future__ import annotations

import itertools
import json
import uuid
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any, get_args

import pytest
import time_machine
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from haven.accounts.models import Agency, InterviewerRole
from haven.api import encounter_schemas as schemas
from haven.audit.events import AuditEvent
from haven.audit.models import AuditRecord
from haven.encounters import services
from haven.encounters.models import (
    Consent,
    DesignationStatus,
    InterviewStatus,
    NeedsAssessment,
    Person,
    Population,
    Priority,
    ReliefKind,
    ReliefStatus,
    ServiceKind,
    ServiceStatus,
    Sign,
    VictimServiceKind,
    VictimServiceRecord,
)
from haven.encounters.selectors import STAGE_MILESTONES, board_for
from haven.encounters.stages import Milestones, Stage, stage_of
from haven.operations.models import InterviewLocation, Operation
from haven.operations.selectors import standing
from tests.access.matrix_api_encounters import Cast, cast_on
from tests.access.matrix_encounters import (
    ANSWERS_TEXT,
    ATTORNEY_TEXT,
    CONSENT_PURPOSE,
    INTERVIEW_NOTES,
    NEEDS_TEXT,
    OBSERVATION_TEXT,
    QUESTIONS_TEXT,
    SAFETY_PLAN_TEXT,
)
from tests.api.helpers import send
from tests.operations.fixtures import ANY_INTERVIEWER_FOR_ADULTS, make_operation
from tests.personas import make_user, sign_in

pytestmark = pytest.mark.django_db

Clients = Callable[[str], Client]
NOT_FOUND = {"code": "not_found", "message": "Not found."}
FIVE = ("investigator", "advocate", "other_provider", "attorney", "outsider")
ON_OPERATION = ("investigator", "advocate", "other_provider", "attorney")
# every marker, and who may read it anywhere in the API (besides those who wrote it)
MARKERS = {
    OBSERVATION_TEXT: {"investigator"},
    NEEDS_TEXT: {"advocate"},
    QUESTIONS_TEXT: {"advocate"},
    ANSWERS_TEXT: {"advocate"},
    SAFETY_PLAN_TEXT: {"advocate"},
    CONSENT_PURPOSE: {"advocate"},
    ATTORNEY_TEXT: {"attorney"},
    INTERVIEW_NOTES: {"investigator"},
}


@pytest.fixture
def cast(persona: Any) -> Cast:
    # Ivy (metro-pd) and Pat (a prosecutor) book adults' interviews here: the plan lets them (issue 13)
    return cast_on(
        make_operation(starts_in=-timedelta(hours=2), changes={"interviews": ANY_INTERVIEWER_FOR_ADULTS})
    )


def path(cast: Cast, tail: str = "") -> str:
    return f"/operations/{cast.operation.code}{tail}"


def person_path(cast: Cast, code: str = "P-001", tail: str = "") -> str:
    return path(cast, f"/persons/{code}{tail}")


def read(client: Client, url: str, **params: str) -> dict[str, Any]:
    query = "?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else ""
    response = send(client, "GET", url + query)
    assert response.status_code == 200, (url, response.content)
    body: dict[str, Any] = response.json()
    return body


def events(event: AuditEvent) -> int:
    return AuditRecord.objects.filter(event_type=event.value).count()


def conduct_with_notes(cast: Cast) -> None:
    """The interviewer (hsi) records the interview with official notes."""
    services.interview_conduct(
        actor=make_user("federal_agent"), interview=cast.interview, notes=INTERVIEW_NOTES
    )


def in_hours(hours: float) -> str:
    return (timezone.now() + timedelta(hours=hours)).isoformat()


# -- the vocabularies and the stage, pinned to the models -----------------------------------------------------


@pytest.mark.parametrize(
    ("literal", "choices"),
    [
        (schemas.StageName, [s.value for s in Stage]),
        (schemas.PopulationTag, Population.values),
        (schemas.PriorityName, Priority.values),
        (schemas.DesignationName, DesignationStatus.values),
        (schemas.SignName, Sign.values),
        (schemas.UrgentDomain, list(NeedsAssessment.URGENT_DOMAINS)),
        (schemas.VictimServiceKindName, VictimServiceKind.values),
        (schemas.ServiceKindName, ServiceKind.values),
        (schemas.ServiceStatusName, ServiceStatus.values),
        (schemas.ConsentItem, list(Consent.ITEMS)),
        (schemas.InterviewerRoleName, InterviewerRole.values),
        (schemas.InterviewStatusName, InterviewStatus.values),
        (schemas.ReliefKindName, ReliefKind.values),
        (schemas.ReliefStatusName, ReliefStatus.values),
    ],
)
def test_the_api_vocabularies_are_the_models_choices(literal: Any, choices: list[str]) -> None:
    assert sorted(get_args(literal)) == sorted(choices)


def test_the_roster_computes_the_stage_exactly_as_stage_of_over_every_combination() -> None:
    # the SQL Case is built from STAGE_MILESTONES: outcome first, then the furthest milestone
    names = ("placed", "needs_assessed", "informed", "interview_scheduled", "interviewed", "services")
    for flags in itertools.product((False, True), repeat=len(names)):
        for outcome in ("", "released", "transferred"):
            milestones = Milestones(**dict(zip(names, flags, strict=True)), outcome=outcome)
            by_table = Stage(outcome) if outcome else Stage.ENCOUNTERED
            if not outcome:
                by_table = next(
                    (stage for stage, name in STAGE_MILESTONES if getattr(milestones, name)),
                    Stage.ENCOUNTERED,
                )
            assert by_table == stage_of(milestones), milestones


def test_the_roster_stage_is_the_person_records_stage_along_the_workflow(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("investigator")
    advocate = make_user("advocate")
    minor = cast.minor
    services.person_place(actor=make_user("investigator"), person=minor, area="community-room")
    services.needs_assessment_record(actor=advocate, person=minor, language="en")
    services.information_record(actor=advocate, person=minor, language="zh", materials=["What happens next"])
    services.victim_service_record(
        actor=advocate, person=minor, kind="service", service_kind="shelter", service_status="referred"
    )
    conduct_with_notes(cast)
    services.person_release(
        actor=make_user("investigator"), person=cast.suspect, outcome="released", reason="x"
    )
    roster = {row["code"]: row["stage"] for row in read(client, path(cast, "/persons"))["persons"]}
    assert roster == {"P-001": "interviewed", "P-002": "released", "P-003": "referred"}
    for code, stage in roster.items():
        assert read(client, person_path(cast, code))["stage"] == stage


def test_filtering_by_stage_finds_exactly_the_persons_whose_row_shows_that_stage(
    cast: Cast, client_for: Clients
) -> None:
    # given persons at many stages: interviewed, released, referred, informed, encountered, separated
    advocate, investigator = make_user("advocate"), make_user("investigator")
    conduct_with_notes(cast)
    services.person_release(actor=investigator, person=cast.suspect, outcome="released", reason="x")
    services.victim_service_record(
        actor=advocate, person=cast.minor, kind="service", service_kind="food", service_status="provided"
    )
    extra = services.person_register(
        actor=investigator, operation=cast.operation, code="P-004", languages=["en"]
    )
    services.information_record(actor=advocate, person=extra, language="en", materials=["What happens next"])
    services.person_register(
        actor=investigator, operation=cast.operation, code="P-005", area="community-room"
    )
    services.person_register(actor=investigator, operation=cast.operation, code="P-006")
    client = client_for("investigator")
    rows = {row["code"]: row["stage"] for row in read(client, path(cast, "/persons"))["persons"]}
    assert len(set(rows.values())) == 6
    for stage in Stage:
        filtered = read(client, path(cast, "/persons"), stage=stage.value)
        assert {row["code"] for row in filtered["persons"]} == {c for c, s in rows.items() if s == stage}, (
            stage
        )
        assert filtered["total"] == len(filtered["persons"])


# -- the roster -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ON_OPERATION)
def test_everyone_on_the_operation_reads_the_roster_with_the_areas_they_may_read(
    cast: Cast, client_for: Clients, who: str
) -> None:
    body = read(client_for(who), path(cast, "/persons"))
    assert body["audience"] == ("investigative" if who == "investigator" else "service")
    assert body["next_offset"] is None
    if who == "investigator":
        assert body["total"] == 3
        victim, suspect, minor = body["persons"]
    else:
        # the suspect has left the victim-care pathway: on no service agency's roster
        assert body["total"] == 2
        victim, minor = body["persons"]
        suspect = None
    assert victim["code"] == "P-001"
    assert victim["stage"] == "interview_scheduled"
    assert victim["urgent"] == ["medical"]
    assert victim["danger"] is True
    assert victim["area"] == {"id": "community-room", "name": "Harbor Center community room"}
    assert victim["tags"] == ["adult", "female", "foreign_national"]
    if suspect is not None:
        assert suspect["placed"] is True
        assert suspect["area"] == {"id": "undetermined-room", "name": "Metro Community Center gym"}
    assert minor["stage"] == "encountered"
    assert minor["placed"] is False
    # the roster has no field for a designation, whoever reads it
    assert "designation" not in json.dumps(body)


def test_the_roster_filters_by_stage_and_by_an_area_the_audience_may_read(
    cast: Cast, client_for: Clients
) -> None:
    investigator, advocate = client_for("investigator"), client_for("advocate")
    assert [p["code"] for p in read(investigator, path(cast, "/persons"), stage="separated")["persons"]] == [
        "P-002"
    ]
    assert read(investigator, path(cast, "/persons"), area="undetermined-room")["total"] == 1
    # a provider filtering by an area it may not read finds nobody, as in an area that does not exist
    hidden = read(advocate, path(cast, "/persons"), area="undetermined-room")
    missing = read(advocate, path(cast, "/persons"), area="no-such-area")
    assert hidden["persons"] == missing["persons"] == []
    assert hidden["total"] == missing["total"] == 0
    assert read(advocate, path(cast, "/persons"), area="community-room")["total"] == 1


def test_a_5000_digit_number_in_a_body_is_refused_at_its_path(cast: Cast, client_for: Clients) -> None:
    body = '{"code": "P-009", "tags": ["adult"], "minutes": ' + "9" * 5000 + "}"
    response = send(client_for("investigator"), "POST", path(cast, "/persons"), body)
    assert response.status_code == 400
    assert response.json()["problems"][0]["path"] == "minutes"
    assert "too large" in response.json()["problems"][0]["message"]
    limit = send(client_for("investigator"), "GET", path(cast, "/persons") + "?limit=" + "9" * 5000)
    assert limit.status_code == 400
    assert [p["path"] for p in limit.json()["problems"]] == ["limit"]
    assert not Person.objects.filter(code="P-009").exists()


def test_the_roster_is_paged(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    first = read(client, path(cast, "/persons"), limit="2")
    assert [p["code"] for p in first["persons"]] == ["P-001", "P-002"]
    assert (first["total"], first["limit"], first["offset"], first["next_offset"]) == (3, 2, 0, 2)
    second = read(client, path(cast, "/persons"), limit="2", offset="2")
    assert [p["code"] for p in second["persons"]] == ["P-003"]
    assert second["next_offset"] is None
    beyond = read(client, path(cast, "/persons"), offset="10")
    assert beyond["persons"] == []
    assert beyond["total"] == 3


@pytest.mark.parametrize(
    ("query", "problem"),
    [
        ("stage=waiting", "stage"),
        ("area=Not%20A%20Slug", "area"),
        ("limit=0", "limit"),
        ("limit=1001", "limit"),
        ("limit=ten", "limit"),
        ("offset=-1", "offset"),
        ("offset=1.5", "offset"),
    ],
)
def test_query_parameters_that_are_not_valid_are_refused_with_their_name(
    cast: Cast, client_for: Clients, query: str, problem: str
) -> None:
    client = client_for("investigator")
    tails = ["/persons", "/board"] if problem in ("stage", "area") else ["/persons"]
    for tail in tails:
        response = send(client, "GET", path(cast, f"{tail}?{query}"))
        assert response.status_code == 400
        assert response.json()["code"] == "invalid"
        assert [p["path"] for p in response.json()["problems"]] == [problem]


def test_one_roster_request_is_one_audit_event_whatever_its_length(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    before = AuditRecord.objects.count()
    read(client, path(cast, "/persons"))
    new = list(AuditRecord.objects.filter(sequence__gt=before).values_list("event_type", "details"))
    assert [event for event, _ in new] == ["board.viewed"]
    assert json.loads(new[0][1]) == {"action": "roster", "count": 3, "filters": [], "via": "api"}


def _populate(operation: Operation, first: int, last: int) -> None:
    investigator, advocate = make_user("investigator"), make_user("advocate")
    for n in range(first, last + 1):
        person = services.person_register(
            actor=investigator,
            operation=operation,
            code=f"P-{n:03d}",
            tags=["adult", "female" if n % 2 else "male"],
            languages=["es", "en"],
            area=("community-room", "undetermined-room", "")[n % 3] or None,
        )
        if n % 2:
            services.needs_assessment_record(actor=advocate, person=person, urgent=["food"], language="es")
        if n % 4 == 0:
            services.information_record(
                actor=advocate, person=person, language="es", materials=["What happens next"]
            )
        if n % 5 == 0:
            services.danger_flag(actor=advocate, person=person)
        if n % 7 == 0:
            services.designation_record(actor=investigator, person=person, status="witness")


def _queries(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        assert send(client, "GET", url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("who", ["investigator", "advocate"])
@pytest.mark.parametrize(
    "tail", ["/persons", "/persons?stage=needs_assessed", "/board", "/board?area=community-room"]
)
def test_the_roster_and_the_board_take_the_same_queries_for_3_persons_as_for_30(
    persona: Any, client_for: Clients, django_assert_max_num_queries: Any, who: str, tail: str
) -> None:
    operation = make_operation(starts_in=-timedelta(hours=1))
    _populate(operation, 1, 3)
    client = client_for(who)
    url = f"/operations/{operation.code}{tail}"
    send(client, "GET", url)  # the session's first request settles its bookkeeping
    small = _queries(client, url)
    _populate(operation, 4, 30)
    with django_assert_max_num_queries(small):
        body = send(client, "GET", url).json()
    assert len(body.get("persons", body.get("rows", []))) > 3
    assert _queries(client, url) == small


# -- one person's record, per audience --------------------------------------------------------------------------


def _markers_in(text: str) -> set[str]:
    return {marker for marker in MARKERS if marker in text}


def test_an_investigator_reads_designations_observations_and_interview_records_but_no_provider_record(
    cast: Cast, client_for: Clients
) -> None:
    conduct_with_notes(cast)
    client = client_for("investigator")
    victim = read(client, person_path(cast))
    assert victim["designation"] == "potential_victim"
    assert [d["status"] for d in victim["designation_history"]] == ["potential_victim"]
    assert victim["shown_towards"][0]["from_person"] == "P-002"
    assert victim["shown_towards"][0]["signs"] == ["gives_orders", "is_deferred_to"]
    assert victim["relief"][0]["kind"] == "continued_presence"
    assert victim["interviews"][0]["record"]["notes"] == INTERVIEW_NOTES
    assert victim["needs_summary"] == {"assessed": True, "urgent": ["medical"], "language": "es"}
    assert victim["information"][0]["materials"] == ["Your rights and the help available"]
    assert victim["information"][0]["questions_and_answers"] is None
    for hidden in ("needs_assessments", "service_records", "attorney_notes", "consents_recorded"):
        assert victim[hidden] is None, hidden
    suspect = read(client, person_path(cast, "P-002"))
    assert suspect["observations"][0]["text"] == OBSERVATION_TEXT
    assert suspect["area"]["id"] == "undetermined-room"


def test_the_assessing_provider_reads_its_own_records_and_nothing_investigative(
    cast: Cast, client_for: Clients
) -> None:
    conduct_with_notes(cast)
    client = client_for("advocate")
    victim = read(client, person_path(cast))
    assert victim["needs_assessments"][0]["medical"] == NEEDS_TEXT
    assert victim["information"][0]["questions_and_answers"] == {
        "questions": QUESTIONS_TEXT,
        "answers": ANSWERS_TEXT,
    }
    assert victim["service_records"][0]["text"] == SAFETY_PLAN_TEXT
    [consent] = victim["consents_recorded"]
    assert consent["purpose"] == CONSENT_PURPOSE
    assert consent["recipient"]["id"] == "hsi"
    assert consent["state"] == "active"
    for hidden in ("designation", "designation_history", "observations", "shown_towards", "attorney_notes"):
        assert victim[hidden] is None, hidden
    assert victim["interviews"][0]["record"] is None
    assert victim["relief"] is not None  # providers follow immigration relief
    # the suspect has left the victim-care pathway: hidden from the provider like a missing person
    suspect = send(client, "GET", person_path(cast, "P-002"))
    assert suspect.status_code == 404
    assert suspect.json() == send(client, "GET", person_path(cast, "P-999")).json()


def test_a_provider_of_another_agency_reads_only_what_is_shared(cast: Cast, client_for: Clients) -> None:
    client = client_for("other_provider")
    victim = read(client, person_path(cast))
    # a provider's own sections are there, empty: this agency has recorded nothing about her
    assert victim["needs_assessments"] == []
    assert victim["service_records"] == []
    assert victim["consents_recorded"] == []
    assert victim["information"][0]["questions_and_answers"] is None
    assert victim["needs_summary"]["assessed"] is True
    for hidden in ("designation", "observations", "shown_towards", "attorney_notes"):
        assert victim[hidden] is None, hidden


def test_an_attorney_reads_its_notes_and_the_relief_and_no_provider_or_investigative_record(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("attorney")
    victim = read(client, person_path(cast))
    assert victim["attorney_notes"][0]["text"] == ATTORNEY_TEXT
    assert victim["relief"][0]["status"] == "requested"
    for hidden in (
        "designation",
        "observations",
        "needs_assessments",
        "service_records",
        "consents_recorded",
    ):
        assert victim[hidden] is None, hidden


@pytest.mark.parametrize("who", ON_OPERATION)
def test_no_response_carries_a_marker_its_reader_may_not_read(
    cast: Cast, client_for: Clients, who: str
) -> None:
    conduct_with_notes(cast)
    client = client_for(who)
    bodies = [send(client, "GET", path(cast, tail)).content.decode() for tail in ("/persons", "/board")]
    bodies += [
        send(client, "GET", person_path(cast, code)).content.decode() for code in ("P-001", "P-002", "P-003")
    ]
    # the answers to writes carry roster rows only
    bodies.append(send(client, "POST", person_path(cast, "P-001", "/danger")).content.decode())
    bodies.append(
        send(
            client,
            "POST",
            person_path(cast, "P-003", "/information"),
            {"language": "zh", "materials": ["What happens next"]},
        ).content.decode()
    )
    found = set().union(*(_markers_in(body) for body in bodies))
    allowed = {marker for marker, readers in MARKERS.items() if who in readers}
    assert found == allowed


def test_the_recipient_of_a_consent_reads_exactly_what_it_releases_and_each_read_is_audited(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("federal_agent")
    before = events(AuditEvent.CONSENT_READ)
    victim = read(client, person_path(cast))
    assert [a["medical"] for a in victim["needs_assessments"]] == [NEEDS_TEXT]
    assert victim["released_items"] == ["needs_details"]
    assert victim["consents_received"][0]["from_agency"] == "Harbor Victim Services"
    assert victim["consents_received"][0]["items"] == ["needs_details"]
    text = json.dumps(victim)
    for marker in (SAFETY_PLAN_TEXT, QUESTIONS_TEXT, CONSENT_PURPOSE, ATTORNEY_TEXT):
        assert marker not in text
    assert events(AuditEvent.CONSENT_READ) == before + 1
    last = AuditRecord.objects.filter(event_type=AuditEvent.CONSENT_READ.value).order_by("-sequence")[0]
    assert json.loads(last.details)["consent_id"] == str(cast.consent.pk)


def test_the_recording_provider_s_auditors_see_each_read_under_its_consent_and_each_refused_attempt(
    cast: Cast, client_for: Clients
) -> None:
    """The consent and the reads under it are the provider's data: its auditors see them (before, only
    the recipient's auditors did). A refused attempt on the consent is an event on the provider's data
    too, while the one refused is told only that there is no such consent."""
    from haven.accounts import services as accounts
    from haven.audit.selectors import events_visible_to
    from tests.personas import PASSWORD

    harbor = make_user("advocate").agency
    harbor_auditor = accounts.user_create(
        actor=None,
        username="hal.harbor",
        name="Hal Harbor",
        agency=harbor,
        password=PASSWORD,
        roles=("member", "auditor"),
    )
    metro_auditor = make_user("auditor")  # Metro City Police: neither the provider nor the reader
    read(client_for("federal_agent"), person_path(cast))
    reads = events_visible_to(harbor_auditor).filter(event_type=AuditEvent.CONSENT_READ.value)
    assert [(e.actor_label, json.loads(e.details)["consent_id"]) for e in reads] == [
        ("fay.federal", str(cast.consent.pk))
    ]
    assert not events_visible_to(metro_auditor).filter(event_type=AuditEvent.CONSENT_READ.value).exists()
    refused = send(
        client_for("other_provider"),
        "POST",
        person_path(cast, tail=f"/consents/{cast.consent.pk}/revocation"),
        {"orally": True},
    )
    missing = send(
        client_for("other_provider"),
        "POST",
        person_path(cast, tail=f"/consents/{uuid.uuid4()}/revocation"),
        {"orally": True},
    )
    assert (refused.status_code, refused.content) == (missing.status_code, missing.content)
    denied = events_visible_to(harbor_auditor).filter(event_type=AuditEvent.ACCESS_DENIED.value)
    assert [(e.actor_label, e.outcome) for e in denied] == [("otto.provider", "denied")]


def test_a_consent_given_for_a_later_day_is_not_listed_as_releasing_before_that_day(
    cast: Cast, client_for: Clients
) -> None:
    later = timezone.now().date() + timedelta(days=2)
    # recorded on that day (a later day cannot be recorded ahead since issue 13), read from before it
    with time_machine.travel(later.isoformat() + "T12:00:00Z"):
        services.consent_record(
            actor=make_user("other_provider"),
            person=cast.victim,
            recipient=Agency.objects.get(slug="hsi"),
            items=["services"],
            purpose="Bay's referral, from the day after tomorrow",
            in_writing=True,
            given_on=later,
            expires_on=later + timedelta(days=30),
        )
    victim = read(client_for("federal_agent"), person_path(cast))
    assert [c["from_agency"] for c in victim["consents_received"]] == ["Harbor Victim Services"]
    assert victim["released_items"] == ["needs_details"]


def test_a_revoked_consent_releases_nothing_from_the_next_request(cast: Cast, client_for: Clients) -> None:
    recipient, provider = client_for("federal_agent"), client_for("advocate")
    assert read(recipient, person_path(cast))["released_items"] == ["needs_details"]
    revoked = send(
        provider, "POST", person_path(cast, tail=f"/consents/{cast.consent.pk}/revocation"), {"orally": True}
    )
    assert revoked.status_code == 200
    after = read(recipient, person_path(cast))
    assert after["released_items"] == []
    assert after["needs_assessments"] is None
    assert NEEDS_TEXT not in json.dumps(after)
    [consent] = read(provider, person_path(cast))["consents_recorded"]
    assert consent["state"] == "revoked"
    assert consent["revoked_orally"] is True
    assert [r["by"] for r in consent["reads"]] == ["fay.federal"]


def test_opening_a_person_is_one_audit_event(cast: Cast, client_for: Clients) -> None:
    client = client_for("attorney")
    before = AuditRecord.objects.count()
    read(client, person_path(cast))
    assert list(AuditRecord.objects.filter(sequence__gt=before).values_list("event_type", flat=True)) == [
        "person.opened"
    ]


# -- the board ------------------------------------------------------------------------------------------------


def test_the_board_shows_investigators_designations_sensitive_areas_and_separation_alerts(
    cast: Cast, client_for: Clients
) -> None:
    # a potential victim left with the suspect in the undetermined area raises a separation alert
    investigator = make_user("investigator")
    services.person_place(actor=investigator, person=cast.minor, area="undetermined-room")
    services.designation_record(actor=investigator, person=cast.minor, status="potential_victim")
    board = read(client_for("investigator"), path(cast, "/board"))
    assert board["audience"] == "investigative"
    rows = {row["code"]: row for row in board["rows"]}
    assert rows["P-002"]["designation"] == "suspect"
    assert rows["P-002"]["area"] == "Metro Community Center gym"
    assert board["separation_alerts"] == [
        {
            "area": "Metro Community Center gym",
            "must_move": ["P-002"],
            "kept_from": ["P-003"],
            "reasons": ["A suspect with a potential victim"],
            "since": board["separation_alerts"][0]["since"],
        }
    ]
    assert {a["id"] for a in board["areas"]} == {"community-room", "undetermined-room", "precinct-holding"}
    assert board["danger"][0]["code"] == "P-001"
    assert {s["stage"]: s["count"] for s in board["stages"]}["interview_scheduled"] == 1


@pytest.mark.parametrize("who", ["advocate", "other_provider", "attorney"])
def test_service_users_see_the_same_board_rows_without_designations_or_sensitive_areas(
    cast: Cast, client_for: Clients, who: str
) -> None:
    board = read(client_for(who), path(cast, "/board"))
    assert board["audience"] == "service"
    assert board["separation_alerts"] is None
    # the suspect (P-002) has left the victim-care pathway: on no service agency's board
    assert [row["code"] for row in board["rows"]] == ["P-001", "P-003"]
    assert all(row["designation"] is None for row in board["rows"])
    assert [a["id"] for a in board["areas"]] == ["community-room"]
    assert board["danger"][0]["code"] == "P-001"  # imminent danger: at the top for everyone
    text = json.dumps(board)
    assert "Metro Community Center gym" not in text
    assert "suspect" not in text


def test_the_board_filters_by_stage_and_area_and_is_one_audit_event(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    before = AuditRecord.objects.count()
    board = read(client, path(cast, "/board"), stage="separated", area="undetermined-room")
    assert [row["code"] for row in board["rows"]] == ["P-002"]
    new = list(AuditRecord.objects.filter(sequence__gt=before).values_list("event_type", "details"))
    assert [event for event, _ in new] == ["board.viewed"]
    assert json.loads(new[0][1])["filters"] == ["stage", "area"]


def test_the_api_board_has_the_pages_rows_in_the_order_of_urgency(cast: Cast, client_for: Clients) -> None:
    investigator = make_user("investigator")
    services.danger_respond(actor=investigator, flag=cast.victim.danger_flags.get(), response="Unit sent")
    services.danger_flag(actor=make_user("advocate"), person=cast.minor)  # P-003 in danger: before P-001
    board = read(client_for("investigator"), path(cast, "/board"))
    codes = [row["code"] for row in board["rows"]]
    assert codes[0] == "P-003"
    expected = board_for(investigator, standing(investigator, cast.operation), cast.operation).rows
    assert codes == [row.code for row in expected]
    assert [row["next_owner_ids"] for row in board["rows"]] == [row.next_owner_ids for row in expected]


def test_the_api_board_searches_and_lists_my_tasks(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    assert [r["code"] for r in read(client, path(cast, "/board"), search="chinese")["rows"]] == ["P-003"]
    assert [r["code"] for r in read(client, path(cast, "/board"), search="p-00%20es")["rows"]] == ["P-001"]
    everyone = read(client, path(cast, "/board"))["rows"]
    mine = read(client, path(cast, "/board"), mine="true")["rows"]
    assert [r["code"] for r in mine] == [r["code"] for r in everyone if "metro-pd" in r["next_owner_ids"]]
    assert "P-003" in [r["code"] for r in mine]  # not placed yet: the lead agency places them
    assert len(mine) < len(everyone)
    assert read(client_for("advocate"), path(cast, "/board"), mine="true")["rows"] == []


@pytest.mark.parametrize(("query", "problem"), [("mine=maybe", "mine"), ("search=" + "x" * 101, "search")])
def test_the_boards_search_and_my_tasks_refuse_what_is_not_valid_by_name(
    cast: Cast, client_for: Clients, query: str, problem: str
) -> None:
    response = send(client_for("investigator"), "GET", path(cast, f"/board?{query}"))
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == [problem]


# -- writes: who may, who is refused ------------------------------------------------------------------------------

TODAY = date.today()
# what each write is, on which person, with a body that is valid, and what each persona gets in turn
# (outsider, attorney, other_provider, advocate, investigator: earlier writes change what later ones get)
ORDER = ("outsider", "attorney", "other_provider", "advocate", "investigator")
WRITES: dict[str, tuple[str, Callable[[Cast], dict[str, Any]], dict[str, int]]] = {
    "register": (
        "/persons",
        lambda c: {"code": "P-010", "tags": ["adult"], "languages": ["fr"]},
        {"investigator": 201},
    ),
    # P-002 is a suspect: off the victim-care pathway, so to service agencies as if missing
    "placement": (
        "/persons/P-002/placement",
        lambda c: {"area": "precinct-holding"},
        {"investigator": 200, "attorney": 404, "other_provider": 404, "advocate": 404},
    ),
    "designation": ("/persons/P-003/designations", lambda c: {"status": "witness"}, {"investigator": 201}),
    "observation": (
        "/persons/P-002/observations",
        lambda c: {"signs": ["watches_others"], "towards": "P-003"},
        {"investigator": 201, "attorney": 404, "other_provider": 404, "advocate": 404},
    ),
    "needs": (
        "/persons/P-003/needs",
        lambda c: {"urgent": ["food"], "food": "Has not eaten today"},
        {"other_provider": 201, "advocate": 201},
    ),
    "information": (
        "/persons/P-003/information",
        lambda c: {"language": "zh", "materials": ["Your rights and the help available"]},
        {"attorney": 201, "other_provider": 201, "advocate": 201, "investigator": 201},
    ),
    "service_record": (
        "/persons/P-001/service-records",
        lambda c: {"kind": "service", "service_kind": "shelter", "service_status": "referred"},
        {"other_provider": 201, "advocate": 201},
    ),
    "attorney_note": (
        "/persons/P-001/attorney-notes",
        lambda c: {"text": "Call back on Monday"},
        {"attorney": 201},
    ),
    "consent": (
        "/persons/P-001/consents",
        lambda c: {
            "recipient": "legal-aid",
            "items": ["contact"],
            "purpose": "Legal advice",
            "in_writing": True,
            "given_on": TODAY.isoformat(),
            "expires_on": (TODAY + timedelta(days=30)).isoformat(),
        },
        {"other_provider": 201, "advocate": 201},
    ),
    # only the recording provider knows the consent: to everyone else it does not exist
    "revocation": (
        "/persons/P-001/consents/{consent}/revocation",
        lambda c: {"orally": False},
        {"attorney": 404, "other_provider": 404, "advocate": 200, "investigator": 404},
    ),
    "interview": (
        "/persons/P-001/interviews",
        lambda c: {
            "interviewer": "ivy.investigator",
            "role": "investigator",
            "location": "harbor-rooms",
            "starts_at": in_hours(6),
            "minutes": 45,
            "interpreter": "ines.interpreter",  # P-001 speaks Spanish, Ivy English (rule 4)
        },
        {"investigator": 201},
    ),
    # the interview is hsi's: an investigative user may record interviews, but only its interviewer does
    "interview_record": (
        "/persons/P-001/interviews/{interview}/record",
        lambda c: {"notes": "Notes"},
        {"investigator": 422},
    ),
    "relief": (
        "/persons/P-001/relief",
        lambda c: {"kind": "t_visa", "status": "requested"},
        {"attorney": 201, "investigator": 201},
    ),
    "danger": (
        "/persons/P-003/danger",
        lambda c: {},
        # the first flags; while the flag is open, the others get it back
        {"attorney": 201, "other_provider": 200, "advocate": 200, "investigator": 200},
    ),
    "danger_response": (
        "/persons/P-001/danger/{flag}/response",
        lambda c: {"response": "An officer is with her"},
        # everyone on the operation may answer; the first answer stands, the others are told so
        {"attorney": 200, "other_provider": 409, "advocate": 409, "investigator": 409},
    ),
    "release": (
        "/persons/P-003/release",
        lambda c: {"outcome": "transferred", "reason": "To child welfare"},
        {"investigator": 200},
    ),
    "preference_withdrawal": (
        "/persons/P-001/preference-withdrawal",
        lambda c: {},
        # the first records it; after that there is no preference to withdraw
        {"attorney": 200, "other_provider": 422, "advocate": 422, "investigator": 422},
    ),
}


def _tail(cast: Cast, tail: str) -> str:
    return tail.format(consent=cast.consent.pk, interview=cast.interview.pk, flag=cast.flag.pk)


@pytest.mark.parametrize("write", list(WRITES))
def test_each_write_for_each_persona(cast: Cast, client_for: Clients, write: str) -> None:
    tail, body, allowed = WRITES[write]
    if tail in PREPARED:
        PREPARED[tail](cast)
    got = {}
    for who in ORDER:
        response = send(client_for(who), "POST", path(cast, _tail(cast, tail)), body(cast))
        got[who] = response.status_code
        if response.status_code in (200, 201):
            answer = response.json()
            assert answer["operation"] == cast.operation.code
            assert answer["person"]["code"] == tail.split("/")[2] if tail != "/persons" else "P-010"
        elif response.status_code == 403:
            assert response.json()["code"] == "forbidden"
        elif response.status_code == 404:
            assert response.json() == NOT_FOUND
    expected = {who: allowed.get(who, 404 if who == "outsider" else 403) for who in ORDER}
    assert got == expected


def test_a_refusal_by_the_policy_is_audited_as_access_denied(cast: Cast, client_for: Clients) -> None:
    before = events(AuditEvent.ACCESS_DENIED)
    response = send(
        client_for("advocate"), "POST", person_path(cast, tail="/designations"), {"status": "suspect"}
    )
    assert response.status_code == 403
    assert events(AuditEvent.ACCESS_DENIED) == before + 1


def test_a_caller_who_may_not_act_is_refused_before_the_body_is_read(cast: Cast, client_for: Clients) -> None:
    response = send(client_for("advocate"), "POST", person_path(cast, tail="/designations"), b"not json")
    assert response.status_code == 403


def test_writes_need_the_csrf_token(cast: Cast) -> None:
    signed_in = Client()
    sign_in(signed_in, make_user("advocate"))
    client = Client(enforce_csrf_checks=True)
    client.cookies = signed_in.cookies
    url = person_path(cast, "P-003", "/danger")
    refused = send(client, "POST", url, {})
    assert refused.status_code == 403
    assert refused.json()["code"] == "csrf_failed"
    token = send(client, "GET", "/session").json()["csrf_token"]
    assert send(client, "POST", url, {}, **{"X-CSRFToken": token}).status_code == 201


def test_the_interviewer_records_the_interview_and_the_notes_stay_investigative(
    cast: Cast, client_for: Clients
) -> None:
    url = person_path(cast, tail=f"/interviews/{cast.interview.pk}/record")
    refused = send(client_for("investigator"), "POST", url, {"notes": INTERVIEW_NOTES})
    assert refused.status_code == 422
    assert refused.json()["rules"] == ["interview.note-taker"]
    recorded = send(client_for("federal_agent"), "POST", url, {"notes": INTERVIEW_NOTES, "minutes": 50})
    assert recorded.status_code == 200
    assert recorded.json()["person"]["stage"] == "interviewed"
    assert (
        read(client_for("investigator"), person_path(cast))["interviews"][0]["record"]["notes"]
        == INTERVIEW_NOTES
    )
    for who in ("advocate", "other_provider", "attorney"):
        assert INTERVIEW_NOTES not in send(client_for(who), "GET", person_path(cast)).content.decode()


# -- hidden and missing ---------------------------------------------------------------------------------------------

ROUTES = [
    ("GET", "/persons"),
    ("POST", "/persons"),
    ("GET", "/board"),
    ("GET", "/persons/{person}"),
    *(
        ("POST", f"/persons/{{person}}/{tail}")
        for tail in (
            "placement",
            "designations",
            "observations",
            "needs",
            "information",
            "service-records",
            "attorney-notes",
            "consents",
            "consents/{consent}/revocation",
            "interviews",
            "interviews/{interview}/record",
            "relief",
            "danger",
            "danger/{flag}/response",
            "release",
            "preference-withdrawal",
        )
    ),
]


@pytest.mark.parametrize(("method", "tail"), ROUTES)
def test_a_hidden_record_and_a_missing_one_give_the_same_404(
    cast: Cast, client_for: Clients, method: str, tail: str
) -> None:
    ids = {"consent": cast.consent.pk, "interview": cast.interview.pk, "flag": cast.flag.pk}
    body = {"consent_overridden": True}
    outsider = client_for("outsider")
    hidden = send(outsider, method, path(cast, tail.format(person="P-001", **ids)), body)
    no_operation = send(outsider, method, f"/operations/NO-SUCH-OP{tail.format(person='P-001', **ids)}", body)
    answers = [hidden, no_operation]
    if "{person}" in tail:
        insider = client_for("investigator")
        answers.append(send(insider, method, path(cast, tail.format(person="P-999", **ids)), body))
        answers.append(send(outsider, method, path(cast, tail.format(person="P-999", **ids)), body))
        answers.append(send(insider, method, path(cast, tail.format(person="not-a-code", **ids)), body))
    if "{consent}" in tail or "{interview}" in tail or "{flag}" in tail:
        insider = client_for("investigator")
        others = {key: uuid.uuid4() for key in ids}
        answers.append(send(insider, method, path(cast, tail.format(person="P-001", **others)), body))
        # a record of another person, addressed under this one
        answers.append(send(insider, method, path(cast, tail.format(person="P-002", **ids)), body))
        answers.append(
            send(
                insider,
                method,
                path(cast, tail.format(person="P-001", consent="x", interview="x", flag="x")),
                body,
            )
        )
    for answer in answers:
        assert answer.status_code == 404
        assert answer.content == hidden.content
        assert answer.json() == NOT_FOUND
        assert "X-Haven-Exercise" not in answer


def test_a_consent_hidden_from_another_provider_looks_missing(cast: Cast, client_for: Clients) -> None:
    client = client_for("other_provider")
    hidden = send(
        client, "POST", person_path(cast, tail=f"/consents/{cast.consent.pk}/revocation"), {"orally": True}
    )
    missing = send(
        client, "POST", person_path(cast, tail=f"/consents/{uuid.uuid4()}/revocation"), {"orally": True}
    )
    assert hidden.status_code == missing.status_code == 404
    assert hidden.content == missing.content
    assert Consent.objects.get(pk=cast.consent.pk).revoked_at is None


# -- guardrails through the API ---------------------------------------------------------------------------------------


def refused_by(response: Any, rule: str) -> None:
    assert response.status_code == 422, response.content
    body = response.json()
    assert body["code"] == "rule_violation"
    assert body["rules"] == [rule]
    assert body["message"]


def test_registration_waits_for_the_approved_plan(persona: Any, client_for: Clients) -> None:
    operation = make_operation(approved=False)
    client = client_for("investigator")
    url = f"/operations/{operation.code}/persons"
    refused_by(send(client, "POST", url, {"code": "P-001"}), "operation.approved")
    from haven.operations.services import operation_approve

    operation_approve(actor=make_user("coordinator"), operation=operation)
    assert send(client, "POST", url, {"code": "P-001"}).status_code == 201


def test_the_separation_rules_refuse_and_allow_once_the_areas_are_safe(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("investigator")

    def place(code: str, area: str) -> Any:
        return send(client, "POST", person_path(cast, code, "/placement"), {"area": area})

    refused_by(place("P-002", "community-room"), "separation.suspect-in-victims-area")
    refused_by(place("P-001", "precinct-holding"), "separation.victim-in-suspects-area")
    refused_by(place("P-001", "undetermined-room"), "separation.victim-with-suspects")
    moved = place("P-002", "precinct-holding")
    assert moved.status_code == 200
    assert moved.json()["person"]["area"]["id"] == "precinct-holding"
    assert place("P-001", "undetermined-room").status_code == 200
    refused_by(place("P-002", "undetermined-room"), "separation.suspect-with-victims")
    assert place("P-001", "community-room").status_code == 200
    assert place("P-002", "undetermined-room").status_code == 200
    # a refusal is audited after the rollback, naming the rule
    refusal = AuditRecord.objects.filter(event_type=AuditEvent.PERSON_PLACEMENT_REFUSED.value).order_by(
        "-sequence"
    )[0]
    assert json.loads(refusal.details) == {"rule": "separation.suspect-with-victims"}


def test_the_interview_guardrails_refuse_and_allow_once_care_came_first(
    cast: Cast, client_for: Clients
) -> None:
    investigator, advocate = client_for("investigator"), client_for("advocate")
    make_user("forensic")
    minor = person_path(cast, "P-003")
    at = in_hours(8)

    def schedule(client: Client = investigator, person: str = minor, **changes: Any) -> Any:
        body = {"interviewer": "fern.forensic", "role": "forensic_interviewer", "location": "cac-suite"}
        return send(
            client, "POST", person + "/interviews", {**body, "starts_at": at, "minutes": 60, **changes}
        )

    refused_by(schedule(), "interview.needs-first")
    assert send(advocate, "POST", minor + "/needs", {"language": "en"}).status_code == 201
    refused_by(schedule(), "interview.information-first")
    assert (
        send(
            advocate, "POST", minor + "/information", {"language": "zh", "materials": ["What happens next"]}
        ).status_code
        == 201
    )
    refused_by(schedule(interviewer="ivy.investigator", role="investigator"), "interview.minor-forensic")
    refused_by(schedule(interviewer="ivy.investigator"), "interview.qualified")
    InterviewLocation.objects.create(
        operation=cast.operation, plan_id="precinct-4", name="Precinct 4 interview room", setting="detention"
    )
    refused_by(schedule(location="precinct-4"), "interview.nondetention")
    refused_by(schedule(note_taker="ivy.investigator"), "interview.note-taker")
    # the planning day keeps the Child Advocacy Center's suites for minors: a minor elsewhere is refused
    from haven.scheduling.models import PlanningDay

    moment = timezone.now() + timedelta(hours=8)
    day = PlanningDay.objects.create(
        operation=cast.operation,
        starts_at=moment - timedelta(hours=1),
        ends_at=moment + timedelta(hours=4),
        set_by=make_user("coordinator"),
    )
    day.minor_locations.set([cast.operation.interview_locations.get(plan_id="cac-suite")])
    refused_by(schedule(location="harbor-rooms"), "interview.minor-room")
    scheduled = schedule(client_for("forensic"))  # forensic interview providers schedule too
    assert scheduled.status_code == 201
    assert scheduled.json()["person"]["stage"] == "interview_scheduled"
    refused_by(schedule(), "interview.person-overlap")
    # P-001 has an imminent-danger flag without a response: safety first, then the interview
    victim = person_path(cast, "P-001")
    refused_by(schedule(person=victim, location="harbor-rooms"), "interview.danger-open")
    answered = send(
        advocate, "POST", victim + f"/danger/{cast.flag.pk}/response", {"response": "An officer is with her"}
    )
    assert answered.status_code == 200
    refused_by(schedule(person=victim, location="harbor-rooms"), "interview.interviewer-overlap")
    refusal = AuditRecord.objects.filter(event_type=AuditEvent.INTERVIEW_REFUSED.value).order_by("-sequence")[
        0
    ]
    assert json.loads(refusal.details) == {"rule": "interview.interviewer-overlap"}


def test_a_stated_interviewer_gender_is_honoured_until_the_person_withdraws_it(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("investigator")
    make_user("prosecutor")
    body = {
        "interviewer": "pat.prosecutor",
        "role": "prosecutor",
        "location": "harbor-rooms",
        "minutes": 30,
        "interpreter": "ines.interpreter",  # P-001 speaks Spanish, Pat English (rule 4)
    }
    url = person_path(cast, tail="/interviews")
    PREPARED["/persons/P-001/interviews"](cast)
    refused_by(send(client, "POST", url, {**body, "starts_at": in_hours(7)}), "interview.gender-preference")
    withdrawn = send(client_for("advocate"), "POST", person_path(cast, tail="/preference-withdrawal"))
    assert withdrawn.status_code == 200
    assert send(client, "POST", url, {**body, "starts_at": in_hours(7)}).status_code == 201
    refused_by(send(client, "POST", person_path(cast, tail="/preference-withdrawal"), {}), "preference.none")
    after = read(client, person_path(cast))
    assert after["interviewer_gender"] is None
    assert after["interviewer_gender_withdrawn_at"] is not None


def _consent(**changes: Any) -> dict[str, Any]:
    return {
        "recipient": "hsi",
        "items": ["safety_plan"],
        "purpose": "Plan her safety with the investigators",
        "in_writing": True,
        "given_on": TODAY.isoformat(),
        "expires_on": (TODAY + timedelta(days=60)).isoformat(),
        **changes,
    }


def test_the_consent_rules_refuse_and_allow(cast: Cast, client_for: Clients) -> None:
    client = client_for("advocate")
    url = person_path(cast, tail="/consents")
    before = Consent.objects.count()
    refused_by(send(client, "POST", url, _consent(recipient="harbor-vs")), "consent.recipient")
    refused_by(
        send(client, "POST", url, _consent(items=["safety_plan", "attorney_notes"])), "consent.attorney-notes"
    )
    refused_by(send(client, "POST", url, _consent(in_writing=False)), "consent.in-writing")
    too_long = send(client, "POST", url, _consent(expires_on=(TODAY + timedelta(days=400)).isoformat()))
    assert too_long.status_code == 400
    assert [p["path"] for p in too_long.json()["problems"]] == ["expires_on"]
    assert Consent.objects.count() == before
    created = send(client, "POST", url, _consent())
    assert created.status_code == 201
    assert Consent.objects.get(pk=created.json()["id"]).agency.slug == "harbor-vs"
    # the recipient now reads the safety plan, and only because of it
    assert SAFETY_PLAN_TEXT in send(client_for("federal_agent"), "GET", person_path(cast)).content.decode()


def test_a_consent_for_a_minor_names_the_guardian_or_the_legal_basis(cast: Cast, client_for: Clients) -> None:
    client = client_for("advocate")
    url = person_path(cast, "P-003", "/consents")
    missing = send(client, "POST", url, _consent())
    assert missing.status_code == 400
    assert [p["path"] for p in missing.json()["problems"]] == ["guardian"]
    assert send(client, "POST", url, _consent(guardian="Her aunt, legal guardian")).status_code == 201


def test_the_relief_rules_refuse_and_allow(cast: Cast, client_for: Clients) -> None:
    investigator, attorney, federal = (
        client_for("investigator"),
        client_for("attorney"),
        client_for("federal_agent"),
    )
    victim, suspect = person_path(cast, tail="/relief"), person_path(cast, "P-002", "/relief")
    refused_by(
        send(investigator, "POST", suspect, {"kind": "t_visa", "status": "requested"}),
        "relief.foreign-national",
    )
    refused_by(
        send(investigator, "POST", victim, {"kind": "u_visa", "status": "signed"}), "relief.requested-first"
    )
    assert send(investigator, "POST", victim, {"kind": "u_visa", "status": "requested"}).status_code == 201
    assert send(investigator, "POST", victim, {"kind": "u_visa", "status": "signed"}).status_code == 201
    # Continued Presence: a local police department may not record it at all; an attorney may follow it
    # but not request it; federal law enforcement requests it
    forbidden = send(investigator, "POST", victim, {"kind": "continued_presence", "status": "requested"})
    assert forbidden.status_code == 403
    refused_by(
        send(attorney, "POST", victim, {"kind": "continued_presence", "status": "requested"}),
        "relief.cp-federal",
    )
    assert (
        send(federal, "POST", victim, {"kind": "continued_presence", "status": "requested"}).status_code
        == 201
    )
    assert (
        send(attorney, "POST", victim, {"kind": "continued_presence", "status": "granted"}).status_code == 201
    )
    providers = send(client_for("advocate"), "POST", victim, {"kind": "t_visa", "status": "requested"})
    assert providers.status_code == 403


def test_a_danger_flag_is_answered_once_and_an_outcome_recorded_once(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    url = person_path(cast, tail=f"/danger/{cast.flag.pk}/response")
    assert send(client, "POST", url, {"response": "An officer is with her"}).status_code == 200
    again = send(client, "POST", url, {"response": "Something else"})
    assert again.status_code == 409
    assert again.json()["code"] == "conflict"
    assert read(client, person_path(cast))["danger"][0]["response"] == "An officer is with her"
    release = person_path(cast, "P-003", "/release")
    assert (
        send(client, "POST", release, {"outcome": "released", "reason": "No further questions"}).status_code
        == 200
    )
    second = send(client, "POST", release, {"outcome": "transferred", "reason": "Changed"})
    assert second.status_code == 409
    assert read(client, person_path(cast, "P-003"))["outcome"]["reason"] == "No further questions"


# -- bodies: problems with their paths, forged fields -------------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "tail", "body", "paths"),
    [
        ("investigator", "/persons", {"code": "P-001"}, ["code"]),  # already registered
        ("investigator", "/persons", {"code": "P-020", "tags": ["minor", "adult"]}, ["tags"]),
        ("investigator", "/persons", {"code": "P-020", "area": "nowhere"}, ["area"]),
        ("investigator", "/persons", {"code": "Maria", "languages": ["Spanish"]}, ["code", "languages[0]"]),
        (
            "investigator",
            "/persons",
            {"code": "P-020", "encountered_at": "2026-01-01T10:00:00"},
            ["encountered_at"],
        ),
        (
            "investigator",
            "/persons",
            {"code": "P-020", "encountered_at": "9999-12-31T23:59:00-12:00"},
            ["encountered_at"],
        ),
        ("investigator", "/persons", {"code": "P-020", "priority": 1}, ["priority"]),
        ("investigator", "/persons", {"code": "P-02\u0000"}, ["code"]),
        ("investigator", "/persons/P-001/observations", {"towards": "P-999"}, ["towards"]),
        ("investigator", "/persons/P-001/observations", {}, ["signs"]),
        (
            "advocate",
            "/persons/P-001/service-records",
            {"kind": "service"},
            ["service_kind", "service_status"],
        ),
        ("advocate", "/persons/P-001/service-records", {"kind": "case_note", "text": " "}, ["text"]),
        ("advocate", "/persons/P-001/consents", {**_consent(), "recipient": "nobody"}, ["recipient"]),
        ("advocate", "/persons/P-001/consents", {**_consent(), "given_on": "1999-12-31"}, ["given_on"]),
        ("advocate", "/persons/P-001/consents", {**_consent(), "in_writing": "yes"}, ["in_writing"]),
        ("advocate", "/persons/P-001/information", {"language": "es"}, ["materials"]),
        (
            "investigator",
            "/persons/P-001/interviews",
            {
                "interviewer": "oz.outsider",
                "role": "investigator",
                "location": "harbor-rooms",
                "starts_at": "2030-01-01T10:00:00Z",
                "minutes": 30,
            },
            ["interviewer"],
        ),
        (
            "investigator",
            "/persons/P-001/interviews",
            {
                "interviewer": "ivy.investigator",
                "role": "investigator",
                "location": "the-basement",
                "starts_at": "2030-01-01T10:00:00Z",
                "minutes": 0,
            },
            ["minutes"],
        ),
        (
            "investigator",
            "/persons/P-001/release",
            {"outcome": "escaped", "reason": ""},
            ["outcome", "reason"],
        ),
    ],
)
def test_a_body_with_problems_is_refused_naming_each_field(
    cast: Cast, client_for: Clients, who: str, tail: str, body: dict[str, Any], paths: list[str]
) -> None:
    make_user("outsider")
    response = send(client_for(who), "POST", path(cast, tail), body)
    assert response.status_code == 400, response.content
    answer = response.json()
    assert answer["code"] == "invalid"
    assert sorted(p["path"] for p in answer["problems"]) == sorted(paths)


def test_a_body_that_is_not_a_json_object_is_refused(cast: Cast, client_for: Clients) -> None:
    for body in (b"[1, 2]", b"{", '"text"', b"[" * 100_000 + b"]" * 100_000):
        response = send(client_for("investigator"), "POST", path(cast, "/persons"), body)
        assert response.status_code == 400
        assert response.json()["problems"][0]["path"] == ""


def test_text_no_database_can_hold_is_refused_with_its_path(cast: Cast, client_for: Clients) -> None:
    client = client_for("investigator")
    nested = b'{"tags": ' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    assert send(client, "POST", path(cast, "/persons"), nested).status_code == 400
    lone_surrogate = b'{"code": "P-040", "area": "\\ud800"}'
    response = send(client, "POST", path(cast, "/persons"), lone_surrogate)
    assert response.status_code == 400
    assert [p["path"] for p in response.json()["problems"]] == ["area"]
    nul = send(client, "POST", person_path(cast, tail="/observations"), {"text": "a\u0000b", "signs": []})
    assert [p["path"] for p in nul.json()["problems"]] == ["text"]
    assert not Person.objects.filter(code="P-040").exists()


# every write, with a body its persona may send, to which a forged field is added
VALID = {
    "/persons": ("investigator", {"code": "P-030"}),
    "/persons/P-002/placement": ("investigator", {"area": "precinct-holding"}),
    "/persons/P-003/designations": ("investigator", {"status": "witness"}),
    "/persons/P-002/observations": ("investigator", {"signs": ["holds_money"]}),
    "/persons/P-003/needs": ("advocate", {"urgent": ["shelter"]}),
    "/persons/P-003/information": ("advocate", {"language": "zh", "materials": ["What happens next"]}),
    "/persons/P-001/service-records": ("advocate", {"kind": "case_note", "text": "Called her sister"}),
    "/persons/P-001/attorney-notes": ("attorney", {"text": "Eligible for a T visa"}),
    "/persons/P-001/consents": ("advocate", _consent()),
    "/persons/P-001/consents/{consent}/revocation": ("advocate", {"orally": True}),
    "/persons/P-001/interviews": (
        "investigator",
        {
            "interviewer": "ivy.investigator",
            "role": "investigator",
            "location": "harbor-rooms",
            "starts_at": "2030-01-01T10:00:00Z",
            "minutes": 30,
            "interpreter": "ines.interpreter",
        },
    ),
    "/persons/P-001/interviews/{interview}/record": ("federal_agent", {"notes": "Official notes"}),
    "/persons/P-001/relief": ("attorney", {"kind": "t_visa", "status": "requested"}),
    "/persons/P-003/danger": ("advocate", {}),
    "/persons/P-001/danger/{flag}/response": ("investigator", {"response": "Officer sent"}),
    "/persons/P-003/release": ("investigator", {"outcome": "released", "reason": "Free to go"}),
    "/persons/P-001/preference-withdrawal": ("advocate", {}),
}
# What a valid request needs first: the cast's P-001 has an open imminent-danger flag, and no interview is
# booked until someone responds to it (interview.danger-open).
PREPARED: dict[str, Callable[[Cast], object]] = {
    "/persons/P-001/interviews": lambda cast: services.danger_respond(
        actor=make_user("investigator"), flag=cast.flag, response="Officer posted at the door"
    ),
}
FORGED = {
    "consent_overridden": True,
    "agency": "bay-vs",
    "by": "ivy.investigator",
    "author": "ada.advocate",
    "designation": "suspect",
}


def _writes_recorded() -> int:
    """Every audit event of a successful write (the trail records each write once)."""
    return (
        AuditRecord.objects.filter(outcome="success")
        .exclude(
            event_type__in=[AuditEvent.SIGN_IN_SUCCEEDED.value, AuditEvent.SECOND_FACTOR_SUCCEEDED.value]
        )
        .count()
    )


@pytest.mark.parametrize("tail", list(VALID))
@pytest.mark.parametrize("forged", list(FORGED))
def test_a_forged_field_is_refused_by_name_and_changes_nothing(
    cast: Cast, client_for: Clients, tail: str, forged: str
) -> None:
    who, body = VALID[tail]
    client = client_for(who)
    url = path(cast, _tail(cast, tail))
    if tail in PREPARED:
        PREPARED[tail](cast)
    before = _writes_recorded()
    response = send(client, "POST", url, {**body, forged: FORGED[forged]})
    assert response.status_code == 400, response.content
    assert [p["path"] for p in response.json()["problems"]] == [forged]
    assert "is not accepted here" in response.json()["problems"][0]["message"]
    assert _writes_recorded() == before
    # the same body without it goes through: the refusal was the forged field's alone
    assert send(client, "POST", url, body).status_code in (200, 201)


def test_a_record_belongs_to_its_authors_agency_whatever_the_client_says(
    cast: Cast, client_for: Clients
) -> None:
    client = client_for("other_provider")
    url = person_path(cast, tail="/needs")
    assert (
        send(client, "POST", url, {"medical": "BAY-MARKER asthma", "agency": "harbor-vs"}).status_code == 400
    )
    created = send(client, "POST", url, {"medical": "BAY-MARKER asthma"})
    assert created.status_code == 201
    assert NeedsAssessment.objects.get(pk=created.json()["id"]).agency.slug == "bay-vs"
    # so the assessing provider of the operation does not read another provider's assessment
    assert "BAY-MARKER" not in send(client_for("advocate"), "GET", person_path(cast)).content.decode()
    assert "BAY-MARKER" in send(client, "GET", person_path(cast)).content.decode()
    service = send(
        client, "POST", person_path(cast, tail="/service-records"), {"kind": "case_note", "text": "BAY"}
    )
    assert VictimServiceRecord.objects.get(pk=service.json()["id"]).agency.slug == "bay-vs"


def test_a_needs_assessment_cannot_carry_a_designation(cast: Cast, client_for: Clients) -> None:
    url = person_path(cast, "P-003", "/needs")
    response = send(
        client_for("advocate"), "POST", url, {"urgent": ["safety"], "designation": "potential_victim"}
    )
    assert response.status_code == 400
    assert cast.minor.designations.count() == 0
    assert cast.minor.needs_assessments.count() == 0


def test_a_recipient_equal_to_the_recording_agency_is_refused(cast: Cast, client_for: Clients) -> None:
    response = send(
        client_for("other_provider"),
        "POST",
        person_path(cast, tail="/consents"),
        _consent(recipient="bay-vs"),
    )
    refused_by(response, "consent.recipient")


@pytest.mark.parametrize("who", ["other_provider", "attorney", "investigator"])
def test_forged_query_parameters_give_no_more_than_without_them(
    cast: Cast, client_for: Clients, who: str
) -> None:
    client = client_for(who)
    forged = "?consent_overridden=true&agency=harbor-vs&audience=investigative&as=ada.advocate"
    plain = send(client, "GET", person_path(cast)).json()
    with_forged = send(client, "GET", person_path(cast) + forged).json()
    assert with_forged == plain
    assert (
        send(client, "GET", path(cast, "/persons") + forged).json()
        == send(client, "GET", path(cast, "/persons")).json()
    )


# -- the exercise marker --------------------------------------------------------------------------------------------


@pytest.fixture
def exercise(persona: Any) -> Cast:
    return cast_on(make_operation(starts_in=-timedelta(hours=2), exercise=True))


@pytest.mark.parametrize(
    ("who", "method", "tail", "body", "status"),
    [
        ("advocate", "GET", "/persons", None, 200),
        ("advocate", "GET", "/board", None, 200),
        ("advocate", "GET", "/persons/P-001", None, 200),
        ("advocate", "POST", "/persons/P-003/danger", {}, 201),
        ("advocate", "GET", "/persons?limit=0", None, 400),
        ("advocate", "GET", "/board?stage=nope", None, 400),
        ("advocate", "POST", "/persons/P-003/needs", {"extra": 1}, 400),
        ("advocate", "POST", "/persons/P-003/designations", {"status": "suspect"}, 403),
        ("advocate", "POST", "/persons/P-001/consents", _consent(in_writing=False), 422),
        ("investigator", "POST", "/persons/P-001/danger/{flag}/response", {"response": "Done"}, 200),
    ],
)
def test_every_answer_about_an_exercise_carries_the_marker_but_the_404(
    exercise: Cast, client_for: Clients, who: str, method: str, tail: str, body: Any, status: int
) -> None:
    response = send(client_for(who), method, path(exercise, _tail(exercise, tail)), body)
    assert response.status_code == status, response.content
    assert response.json()["exercise"] is True
    assert response["X-Haven-Exercise"] == "true"
    missing = send(client_for(who), "GET", path(exercise, "/persons/P-999"))
    assert missing.json() == NOT_FOUND
    assert "X-Haven-Exercise" not in missing


def test_a_real_operation_carries_no_exercise_marker(cast: Cast, client_for: Clients) -> None:
    response = send(client_for("advocate"), "GET", path(cast, "/persons"))
    assert response.json()["exercise"] is False
    assert "X-Haven-Exercise" not in response


def test_the_write_answer_is_the_persons_roster_row_as_the_caller_may_read_it(
    cast: Cast, client_for: Clients
) -> None:
    register = send(
        client_for("investigator"),
        "POST",
        path(cast, "/persons"),
        {
            "code": "P-004",
            "tags": ["male", "adult"],
            "languages": ["en"],
            "area": "undetermined-room",
            "interviewer_gender": "male",
        },
    )
    assert register.status_code == 201
    assert register.json()["id"] is None
    assert register.json()["person"]["area"]["id"] == "undetermined-room"
    assert Person.objects.get(operation=cast.operation, code="P-004").interviewer_gender == "male"
    answer = send(
        client_for("advocate"),
        "POST",
        person_path(cast, "P-004", "/information"),
        {"language": "en", "materials": ["What happens next"], "questions": "Q", "answers": "A"},
    ).json()
    assert answer["recorded"] == "information"
    assert uuid.UUID(answer["id"])
    assert answer["person"]["code"] == "P-004"
    assert answer["person"]["stage"] == "informed"
    assert answer["person"]["area"] is None  # the undetermined area is not the advocate's to read


def test_two_registrations_of_one_code_at_the_same_moment_answer_409_not_500(
    cast: Cast, client_for: Clients, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The check for a code already registered reads before the insert: two simultaneous requests can
    both pass it (PostgreSQL), and the unique constraint keeps one. Blinding the check to the first
    registration stands in for the second request of such a race."""
    from django.db.models.query import QuerySet

    from haven.encounters.models import Person

    exists = QuerySet.exists

    def blind(self: QuerySet[Any]) -> bool:
        return False if self.model is Person else exists(self)

    monkeypatch.setattr(QuerySet, "exists", blind)
    client = client_for("investigator")
    response = send(client, "POST", path(cast, "/persons"), {"code": "P-001"})
    assert response.status_code == 409
    assert response.json()["code"] == "conflict"
    assert "Someone else saved the same record at the same moment" in response.json()["message"]
    page = client.post(
        f"/operations/{cast.operation.code}/persons/register/", {"code": "P-001", "priority": "normal"}
    )
    assert page.status_code == 409
    assert "Someone else saved the same record at the same moment" in page.content.decode()
    assert Person.objects.filter(operation=cast.operation, code="P-001").count() == 1
