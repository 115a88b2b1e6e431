"""The queue (issue 14): sending never blocks a request and never loses a message, and the interview solver
runs in the worker. These tests use the database backend of Django's tasks API and run `haven worker`
(`--batch`: what is due, then exit) against a real SMTP server, with committed transactions as in
production."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from haven.audit.models import AuditRecord
from haven.encounters import services as encounters
from haven.encounters.models import Person
from haven.notifications.models import Delivery, DeliveryStatus, Kind, Notification
from haven.notifications.services import notification_preferences_set
from haven.operations.models import Operation
from haven.scheduling import services as scheduling
from haven.scheduling.live import floor_slot
from haven.scheduling.models import InterviewPlan, SolveRun, SolveStatus
from haven.scheduling.services import Marked, RoomMarked
from tests.operations.fixtures import make_operation
from tests.personas import make_user, sign_in

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.xdist_group("queue")]

COORDINATOR = "cole.coordinator@taskforce.example"


@pytest.fixture(autouse=True)
def database_queue(settings: Any) -> None:
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}


@pytest.fixture
def operation() -> Operation:
    for key in ("investigator", "federal_agent", "advocate"):
        make_user(key)
    notification_preferences_set(actor=make_user("coordinator"), address=COORDINATOR, by_email=Kind.values)
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


def worker() -> None:
    call_command("worker", "--batch", verbosity=0)


def time_passes() -> None:
    """What waits for later is due now (the retry's delay, the sweep's grace), as if the clock had moved on."""
    past = timezone.now() - timedelta(minutes=2)
    Delivery.objects.filter(status=DeliveryStatus.PENDING).update(next_attempt_at=past)
    DBTaskResult.objects.filter(status="READY").update(run_after=past)


def test_a_send_that_fails_is_retried_by_the_worker_until_it_is_delivered(operation, person, smtp):
    smtp.refuse = 1  # the mail server turns the first attempt away
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    delivery = Delivery.objects.get()
    assert DBTaskResult.objects.filter(status="READY").count() == 1
    # the first attempt fails: nothing is lost, the next attempt is queued for later
    worker()
    delivery.refresh_from_db()
    assert smtp.refused == 1
    assert smtp.received == []
    assert (delivery.status, delivery.attempts, delivery.last_error) == ("pending", 1, "SMTPDataError")
    retry = DBTaskResult.objects.get(status="READY")
    assert retry.run_after > timezone.now() + timedelta(seconds=20)  # 30 s after the failure
    worker()  # not due yet: not tried again
    assert smtp.refused == 1
    # when it is due, the worker sends it
    time_passes()
    worker()
    delivery.refresh_from_db()
    assert (delivery.status, delivery.attempts) == ("sent", 2)
    assert [str(m["To"]) for m in smtp.received] == [COORDINATOR]
    outcomes = list(
        AuditRecord.objects.filter(event_type="notification.emailed")
        .order_by("sequence")
        .values_list("outcome", flat=True)
    )
    assert outcomes == ["failure", "success"]


def test_a_message_whose_task_was_lost_is_sent_by_the_workers_sweep(operation, person, smtp):
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    # the process stopped between the commit and the queue: the outbox row is all there is
    DBTaskResult.objects.all().delete()
    worker()
    assert smtp.received == []  # not overdue yet: its own task may still come
    time_passes()
    worker()
    assert [str(m["To"]) for m in smtp.received] == [COORDINATOR]
    assert Delivery.objects.get().status == DeliveryStatus.SENT


def test_a_message_is_sent_once_however_many_tasks_carry_it(operation, person, smtp):
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    time_passes()
    # the sweep queues it again while its own task waits: both run, one sends
    worker()
    assert len(smtp.received) == 1
    time_passes()
    worker()
    assert len(smtp.received) == 1


def test_after_every_retry_failed_the_message_is_kept_and_shown_as_not_delivered(
    operation, person, smtp, settings
):
    settings.HAVEN_EMAIL_MAX_ATTEMPTS = 2
    smtp.down = True
    encounters.danger_flag(actor=make_user("investigator"), person=person)
    worker()
    time_passes()
    worker()
    delivery = Delivery.objects.get()
    assert (delivery.status, delivery.attempts) == ("failed", 2)
    assert not DBTaskResult.objects.filter(status="READY").exists()
    client = Client()
    sign_in(client, make_user("coordinator"))
    page = client.get("/notifications/").content.decode()
    assert "not delivered" in page
    assert "Imminent danger was raised on operation" in page


def test_a_request_never_waits_for_the_mail_server(operation, person, smtp):
    smtp.down = True  # any attempt in the request would be refused and counted
    client = Client()
    sign_in(client, make_user("investigator"))
    started = time.monotonic()
    answered = client.post(f"/operations/{operation.code}/persons/P-001/danger/")
    assert answered.status_code in (302, 303)
    assert time.monotonic() - started < 5
    assert smtp.refused == 0  # nothing was sent in the request
    assert Delivery.objects.get().attempts == 0
    assert (
        DBTaskResult.objects.filter(status="READY", task_path="haven.notifications.tasks.deliver").count()
        == 1
    )
    smtp.down = False
    worker()  # the send happens here
    assert [str(m["To"]) for m in smtp.received] == [COORDINATOR]
    assert Notification.objects.get(kind=Kind.DANGER).delivery.status == DeliveryStatus.SENT


def _ready_to_plan(operation: Operation, person: Person) -> Client:
    """The person cared for (needs assessed, information given), today's availability marked, and the
    coordinator signed in: a client ready to ask for a plan."""
    at = operation.starts_at + timedelta(minutes=20)
    encounters.needs_assessment_record(actor=make_user("advocate"), person=person, at=at, language="es")
    encounters.information_record(
        actor=make_user("advocate"), person=person, language="es", materials=["What happens next"], at=at
    )
    coordinator, now = make_user("coordinator"), timezone.now()
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=8)
    scheduling.availability_set(
        actor=coordinator, operation=operation, starts_at=start, ends_at=end, interview_minutes=60,
        interviewers=[Marked(make_user("federal_agent"), start, end)], interpreters=[],
        rooms=[RoomMarked("harbor-rooms-1", start, end)], now=now,
    )  # fmt: skip
    client = Client()
    sign_in(client, coordinator)
    return client


def test_the_interview_solver_runs_in_the_worker_and_never_in_the_request(operation, person, settings):
    settings.HAVEN_SCHEDULE_TIME_LIMIT = 1.5
    client = _ready_to_plan(operation, person)
    started = time.monotonic()
    answered = client.post(f"/operations/{operation.code}/interviews/plan/solve/")
    assert answered.status_code == 303
    assert time.monotonic() - started < 1.5  # less than the solver's time limit
    assert not InterviewPlan.objects.exists()
    run = SolveRun.objects.get()
    assert run.status == SolveStatus.QUEUED
    assert "waiting for the worker" in client.get(answered["Location"]).content.decode()
    worker()
    run.refresh_from_db()
    assert run.status == SolveStatus.DONE
    assert run.plan == InterviewPlan.objects.get()
    done = client.get(
        f"/operations/{operation.code}/interviews/plan/runs/{run.pk}/", headers={"HX-Request": "true"}
    )
    assert done["HX-Redirect"].endswith("?saved=planned#plan-result")


def test_a_plan_solved_before_the_page_is_drawn_is_shown_planned(operation, person, settings):
    """A small plan may be solved by the worker between the run's commit and the page the request draws
    (a loaded machine, a fast solve): the page then says "Planned." rather than following a run that is
    over. Here the queue runs each task as it is queued, the extreme of that race."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    settings.HAVEN_SCHEDULE_TIME_LIMIT = 1.5
    client = _ready_to_plan(operation, person)
    answered = client.post(
        f"/operations/{operation.code}/interviews/plan/solve/", headers={"HX-Request": "true"}
    )
    assert SolveRun.objects.get().status == SolveStatus.DONE
    page = answered.content.decode()
    assert answered.status_code == 200
    assert "Planned." in page
    assert "Planning the interviews" not in page
