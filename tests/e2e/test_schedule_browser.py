"""In a real browser: a coordinator goes from the live board to the interview plan, marks who and which
rooms are available today, plans — the worker solves it in the background while the page shows its progress
(issue 14) — reads the timeline, pins one interview, re-plans around it, and accepts; an interviewer then
finds the booking in their notifications and downloads their calendar. axe-core checks the plan page and the
notification centre at desktop and phone width (with screenshots of both)."""

from __future__ import annotations

import re
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.db import connection
from icalendar import Calendar
from playwright.sync_api import Page, expect

from haven.encounters import services as encounters
from haven.encounters.models import Interview, InterviewStatus
from haven.notifications.models import Kind
from haven.notifications.services import notification_preferences_set
from haven.operations.models import Operation
from haven.scheduling.models import InterviewPlan, PlanStatus
from tests.e2e.conftest import assert_accessible
from tests.e2e.test_encounter_browser import no_horizontal_scroll, sign_in, sign_out
from tests.mailserver import Inbox, smtp
from tests.operations.fixtures import make_operation
from tests.personas import PERSONAS, make_user

pytestmark = pytest.mark.django_db(transaction=True)

__all__ = ["smtp"]  # the test SMTP server, a fixture
FAY = f"{PERSONAS['federal_agent'].username}@taskforce.example"


class Worker:
    """`haven worker` in a thread; `pause` holds it between batches (none under way when it returns), so a
    test sees a run wait for the worker whatever the machine's speed."""

    def __init__(self) -> None:
        self.stop = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.held = threading.Event()

    def pause(self) -> None:
        self.running.clear()
        assert self.held.wait(30), "the worker did not pause"

    def resume(self) -> None:
        self.held.clear()
        self.running.set()

    def loop(self) -> None:
        try:
            while not self.stop.is_set():
                if not self.running.is_set():
                    self.held.set()
                    self.running.wait(0.1)
                    continue
                call_command("worker", "--batch", verbosity=0)
                self.stop.wait(0.3)
        finally:
            connection.close()


@pytest.fixture
def worker(settings: Any) -> Iterator[Worker]:
    """`haven worker` beside the live server, on the database queue, as `haven demo` and production run it."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend", "QUEUES": ["default"]}}
    running = Worker()
    thread = threading.Thread(target=running.loop, daemon=True)
    thread.start()
    yield running
    running.stop.set()
    running.resume()
    thread.join(timeout=30)


def unread(count: int) -> re.Pattern[str]:
    """The header's link as a screen reader names it ("Notifications, 4 unread"; Chromium puts a space
    before the comma of the hidden text)."""
    return re.compile(rf"^Notifications ?, {count} unread$")


def plan_in_the_background(page: Page, button: str, worker: Worker) -> None:
    """Click the planning button: the answer comes at once with the run's progress, which the page follows
    until the worker's plan is there (the worker is held until the page shows the run waiting for it)."""
    worker.pause()
    started = time.monotonic()
    page.get_by_role("button", name=button).click()
    progress = page.locator("#plan-progress")
    expect(progress).to_contain_text("Planning the interviews", timeout=5_000)
    expect(progress).to_have_class(re.compile("is-running"))
    expect(progress.locator("progress")).to_be_attached()
    assert time.monotonic() - started < 2  # sooner than the solver's time limit: the request did not wait
    worker.resume()
    expect(page.locator("#plan-result").get_by_role("status")).to_have_text("Planned.", timeout=20_000)
    expect(page.locator("#plan-progress")).not_to_have_class(re.compile("is-running"))


@pytest.fixture
def operation(settings: Any) -> Operation:
    settings.HAVEN_SCHEDULE_TIME_LIMIT = 2
    for key in ("investigator", "coordinator", "federal_agent", "advocate", "forensic", "interpreter"):
        make_user(key)
    operation = make_operation(starts_in=-timedelta(hours=1))
    investigator, advocate = make_user("investigator"), make_user("advocate")
    people = [
        ("P-001", ("female", "adult"), ("es",), "female"),
        ("P-002", ("male", "adult"), ("en",), ""),
        ("P-003", ("female", "minor"), ("en",), ""),
        ("P-004", ("female", "adult"), ("zh",), ""),
        ("P-005", ("male", "adult"), ("es", "en"), ""),
    ]
    for code, tags, languages, gender in people:
        person = encounters.person_register(
            actor=investigator,
            operation=operation,
            code=code,
            encountered_at=operation.starts_at + timedelta(minutes=5),
            tags=tags,
            languages=languages,
            interviewer_gender=gender,
        )
        at = operation.starts_at + timedelta(minutes=20)
        encounters.needs_assessment_record(actor=advocate, person=person, at=at, language=languages[0])
        encounters.information_record(
            actor=advocate,
            person=person,
            language=languages[0],
            materials=["Your rights and the help available"],
            at=at + timedelta(minutes=5),
        )
    encounters.person_register(
        actor=investigator, operation=operation, code="P-006", tags=("male", "adult"), languages=("ht",)
    )
    # a child in imminent danger, whose flag nobody has answered yet: not planned until someone does
    child = encounters.person_register(
        actor=investigator, operation=operation, code="P-007", tags=("male", "minor"), languages=("en",)
    )
    encounters.needs_assessment_record(
        actor=advocate, person=child, at=operation.starts_at + timedelta(minutes=20), language="en"
    )
    encounters.information_record(
        actor=advocate,
        person=child,
        language="en",
        materials=["Your rights and the help available"],
        at=operation.starts_at + timedelta(minutes=25),
    )
    encounters.danger_flag(actor=advocate, person=child)
    return operation


def plan_page(operation: Operation) -> str:
    return f"/operations/{operation.code}/interviews/plan/"


def test_a_coordinator_plans_pins_replans_and_accepts(
    page: Page, operation: Operation, worker: Worker, smtp: Inbox
) -> None:
    page.on("dialog", lambda dialog: dialog.accept())
    fay = make_user("federal_agent")
    notification_preferences_set(actor=fay, address=FAY, by_email=Kind.values)
    sign_in(page, "coordinator")
    page.goto(f"/operations/{operation.code}/board/")
    page.get_by_role("link", name="Interview plan").click()
    expect(page.get_by_role("heading", name=re.compile("Interview plan"))).to_be_visible()
    expect(page.get_by_role("button", name="Plan interviews")).to_be_disabled()

    # --- today's availability -------------------------------------------------------------------------
    panel = page.locator("details#availability")
    expect(panel).to_have_attribute("open", "")
    for name in ("Fay Federal", "Ivy Investigator", "Fern Forensic", "Ines Interpreter"):
        panel.get_by_role("checkbox", name=name, exact=True).check()
    expect(panel.get_by_role("checkbox", name="harbor-rooms-1")).to_be_checked()
    panel.get_by_role("checkbox", name="harbor-rooms-4").uncheck()
    # minors are interviewed at the child advocacy center's suites (and adults elsewhere)
    minors = panel.get_by_role("group", name="Where minors are interviewed")
    minors.get_by_role("checkbox", name="Child Advocacy Center interview suite").check()
    panel.get_by_role("button", name="Save availability").click()
    expect(page.locator("#availability").get_by_role("status")).to_contain_text("Availability saved")
    assert_accessible(page, "schedule-availability")

    # --- plan in the background, with its progress on the page ------------------------------------------
    plan_in_the_background(page, "Plan interviews", worker)
    result = page.locator("#plan-result")
    expect(result.get_by_role("heading", name="By room")).to_be_visible()
    expect(result.get_by_role("heading", name="By interviewer")).to_be_visible()
    lanes = result.locator(".tl").first.locator(".tl__grid .tl__lane:not(.tl__lane--head)")
    expect(lanes).to_have_count(5)  # harbor-rooms-1..3 and cac-suite-1..2
    expect(result.locator(".tl__cell--interview")).to_have_count(10)  # five interviews, in both timelines
    expect(result).to_contain_text("P-006: missing needs assessment and information given")
    # issue 13: the plan says who interviews whom, the day where minors are interviewed, and danger first
    expect(result).to_contain_text("P-007 has an open imminent-danger flag: respond to it first")
    expect(result).to_contain_text("Adults: interviewed by investigators of Homeland Security Investigations")
    for adult in ("P-001", "P-002", "P-004", "P-005"):
        expect(result.locator(f"#assignment-{adult}")).to_contain_text("Fay Federal")
        expect(result.locator(f"#assignment-{adult}")).to_contain_text("harbor-rooms-")
    expect(result.locator("#assignment-P-003")).to_contain_text("cac-suite-")
    expect(result.locator("#assignment-P-003")).to_contain_text("Fern Forensic")
    expect(result).to_contain_text(
        re.compile(r"This is the best possible plan|A better plan may exist|No plan can schedule more")
    )

    # --- pin one and re-plan --------------------------------------------------------------------------
    first = InterviewPlan.objects.get(status=PlanStatus.DRAFT)
    pinned = max(first.schedule["assignments"], key=lambda a: (a["start"], a["person"]))
    code = pinned["person"]
    row = result.locator(f"#assignment-{code}")
    before = row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()
    row.get_by_role("button", name=f"Pin {code}'s interview").click()
    result = page.locator("#plan-result")
    expect(result.get_by_role("status")).to_have_text(re.compile("^Pinned"))
    expect(result.locator(f"#assignment-{code}")).to_contain_text("pinned")
    plan_in_the_background(page, "Re-plan", worker)
    row = page.locator(f"#assignment-{code}")
    expect(row).to_contain_text("pinned")
    assert (row.locator("td").nth(0).inner_text(), row.locator("td").nth(1).inner_text()) == before
    again = InterviewPlan.objects.get(status=PlanStatus.DRAFT)
    assert again.previous_id == first.pk
    assert again.pinned == [code]
    assert_accessible(page, "schedule-plan")

    # the phone: the timeline becomes a list, and nothing is wider than the screen
    page.set_viewport_size({"width": 390, "height": 844})
    expect(page.locator(".tl__list").first).to_be_visible()
    expect(page.locator(".tl__scroll").first).to_be_hidden()
    assert no_horizontal_scroll(page)
    page.set_viewport_size({"width": 1280, "height": 900})

    # --- accept ---------------------------------------------------------------------------------------
    page.get_by_role("button", name="Accept the plan").click()
    expect(page.locator("#plan-result").get_by_role("status")).to_have_text(re.compile("^Accepted"))
    expect(page.locator("#plan-heading")).to_contain_text("Accepted")
    scheduled = Interview.objects.filter(person__operation=operation, status=InterviewStatus.SCHEDULED)
    assert scheduled.count() == 5
    assert scheduled.get(person__code=code).room == pinned["room"]
    sign_out(page)

    # --- an interviewer takes their interviews along --------------------------------------------------
    sign_in(page, "federal_agent")
    # the bookings are in their notifications: the header counts them, the centre lists them
    theirs = scheduled.filter(interviewer__username="fay.federal")
    page.get_by_role("link", name=unread(theirs.count())).click()
    expect(page.get_by_role("heading", name=re.compile("Notifications"))).to_be_visible()
    expect(
        page.get_by_role("link", name=f"An interview was booked for you on operation {operation.code}")
    ).to_have_count(theirs.count())
    assert_accessible(page, "notifications")
    page.get_by_role(
        "link", name=f"An interview was booked for you on operation {operation.code}"
    ).first.click()
    expect(page).to_have_url(re.compile(r"/interviews/plan/"))
    expect(page.get_by_role("link", name=unread(theirs.count() - 1))).to_be_visible()
    page.goto(plan_page(operation))
    expect(page.get_by_role("button", name="Re-plan")).to_have_count(0)  # reads, does not plan
    with page.expect_download() as download:
        page.get_by_role("link", name=re.compile("My interviews")).click()
    body = Path(download.value.path()).read_bytes()
    events = [c for c in Calendar.from_ical(body).walk() if c.name == "VEVENT"]
    assert len(events) == theirs.count()

    # --- and the worker e-mailed each booking, with the same calendar entry as the download ------------
    deadline = time.monotonic() + 20
    while len(smtp.to(FAY)) < theirs.count() and time.monotonic() < deadline:
        time.sleep(0.2)
    mails = smtp.to(FAY)
    assert len(mails) == theirs.count()
    assert {m["Subject"] for m in mails} == {
        f"Haven: An interview was booked for you on operation {operation.code}"
    }
    mailed = set()
    for mail in mails:
        (ics,) = [p for p in mail.walk() if p.get_content_type() == "text/calendar"]
        mailed |= {str(e["UID"]) for e in Calendar.from_ical(ics.get_payload(decode=True)).walk("VEVENT")}
    assert mailed == {str(e["UID"]) for e in events}
    assert b"Fay Federal" not in body
