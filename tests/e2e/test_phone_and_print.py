"""Issue 14, in Chromium: the board, the person and the report on a phone (390 × 844 px) — the first person
on the first screen, nothing wider than the screen — and the pages a task force prints (the board's roster,
the interview schedule, a person's page, the briefing), printed to PDF by Chromium with print media, with no
filters, forms or navigation and with their coloured bars painted. The demo (Operation Northern Light, under
way now) is the data; the personas sign in to it. Screenshots and PDFs go to test-artifacts/ to be looked at
(`pdftoppm -png -r 60 file.pdf out`)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from haven.exercises.demo import load_demo
from haven.operations.models import Operation
from haven.scheduling import services as scheduling
from haven.scheduling.live import floor_slot
from haven.scheduling.services import Marked, RoomMarked
from tests.e2e.conftest import ARTIFACTS, assert_accessible
from tests.e2e.test_encounter_browser import board, no_horizontal_scroll, person, sign_in
from tests.personas import make_user

pytestmark = pytest.mark.django_db(transaction=True)

PHONE = {"width": 390, "height": 844}
DESK = {"width": 1280, "height": 900}

# the top and height of each part of the board's first screen, in CSS pixels
MEASURE = """() => {
  const box = s => { const e = document.querySelector(s); if (!e) return null;
    const b = e.getBoundingClientRect(); return {top: Math.round(b.top), height: Math.round(b.height)}; };
  return {banner: box('.banner'), header: box('.site-header'), tabs: box('.tabs'),
          first_row: box('tr.board-row')};
}"""


@pytest.fixture
def demo() -> Operation:
    load_demo()
    return Operation.objects.get(code="NL-2026-12")


@pytest.fixture
def phone(browser: Browser, live_server: Any) -> Iterator[Page]:
    context = browser.new_context(viewport=PHONE, base_url=live_server.url)
    page = context.new_page()
    yield page
    context.close()


def shot(page: Page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"))


@pytest.mark.parametrize(
    "who",
    [
        "investigator",
        "coordinator",
        "advocate",
        "federal_agent",
        "prosecutor",
        "attorney",
        "forensic",
        "interpreter",
    ],
)
def test_on_a_phone_the_first_person_of_the_board_is_on_the_first_screen(phone: Page, demo: Operation, who):
    sign_in(phone, who)
    phone.goto(board(demo))
    expect(phone.locator("tr.board-row").first).to_be_visible()
    parts = phone.evaluate(MEASURE)
    shot(phone, f"phone-board-first-screen-{who}")
    (ARTIFACTS / f"phone-board-first-screen-{who}.json").write_text(json.dumps(parts))
    # the first row's top is on the first screen, and the chrome above it no longer takes half of it
    assert parts["first_row"]["top"] < PHONE["height"], parts
    chrome = parts["tabs"]["top"] + parts["tabs"]["height"]
    assert chrome < 260, parts
    assert no_horizontal_scroll(phone)
    # the account menu folds behind the name on a phone, and still signs out
    expect(phone.get_by_role("button", name="Sign out")).to_be_hidden()
    # the toggle is named by the person and "Account", not by its arrow
    expect(phone.locator(".whoami > summary")).to_have_accessible_name(f"{make_user(who).name} Account")
    phone.locator(".whoami > summary").click()
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    shot(phone, f"phone-board-menu-{who}")
    phone.locator(".whoami > summary").click()
    # and on a desk: the menu is open, the filters too; axe-core at 1280 and 390 px
    phone.set_viewport_size(DESK)
    expect(phone.get_by_role("button", name="Sign out")).to_be_visible()
    assert_accessible(phone, f"board-{who}")


def test_on_a_phone_the_person_page_and_its_relief_table_fit_the_screen(phone: Page, demo: Operation):
    sign_in(phone, "attorney")
    phone.goto(person(demo, "P-001"))
    relief = phone.locator("#sec-relief")
    expect(relief).to_be_visible()
    relief.scroll_into_view_if_needed()
    shot(phone, "phone-person-relief-attorney")
    assert no_horizontal_scroll(phone)
    box = relief.bounding_box()
    assert box is not None
    assert box["x"] >= 0
    assert box["x"] + box["width"] <= PHONE["width"], box
    assert_accessible(phone, "phone-person-attorney")


def test_on_a_phone_the_report_and_its_wait_chart_fit_the_screen(phone: Page, demo: Operation):
    sign_in(phone, "coordinator")
    phone.goto(f"/operations/{demo.code}/report/")
    chart = phone.get_by_role("img", name="Waits from the encounter")
    expect(chart).to_be_visible()
    chart.scroll_into_view_if_needed()
    shot(phone, "phone-report-waits-coordinator")
    assert no_horizontal_scroll(phone)
    box = chart.bounding_box()
    assert box is not None
    assert box["x"] + box["width"] <= PHONE["width"], box


# --- print ------------------------------------------------------------------------------------------------

VISIBLE_CONTROLS = """() => [...document.querySelectorAll(
    'main form, main input, main select, main textarea, main button, main summary, .tabs, .site-header')]
  .filter(e => e.checkVisibility()).map(e => e.outerHTML.slice(0, 80))"""

BROKEN_BADGES = """() => [...document.querySelectorAll('.badge, .enc-stage')]
  .filter(e => e.checkVisibility() && e.getClientRects().length > 1).map(e => e.textContent)"""


def printed(page: Page, name: str) -> None:
    """Print the page as Chromium does (print media, Letter), keep the PDF, and check what it shows."""
    page.emulate_media(media="print")
    assert page.evaluate(VISIBLE_CONTROLS) == [], name
    assert page.evaluate(BROKEN_BADGES) == [], name
    pdf = page.pdf(format="Letter", print_background=False)
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / f"print-{name}.pdf").write_bytes(pdf)  # to look at: pdftoppm -png -r 60
    page.emulate_media(media="screen")


def test_the_board_and_a_persons_page_print_without_filters_or_forms(page: Page, demo: Operation):
    sign_in(page, "investigator")
    page.goto(board(demo))
    expect(page.locator("tr.board-row").first).to_be_visible()
    printed(page, "board")
    page.goto(person(demo, "P-001"))
    printed(page, "person")


def test_the_briefing_prints_without_its_buttons(page: Page, demo: Operation):
    sign_in(page, "coordinator")
    page.goto(f"/operations/{demo.code}/briefing/")
    printed(page, "briefing")


def test_the_interview_schedule_prints_its_timeline_with_its_bars(page: Page, demo: Operation):
    coordinator = make_user("coordinator")
    federal = make_user("federal_agent")
    now = timezone.now()
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=6)
    scheduling.availability_set(
        actor=coordinator,
        operation=demo,
        starts_at=start,
        ends_at=end,
        interview_minutes=60,
        interviewers=[Marked(federal, start, end)],
        interpreters=[],
        rooms=[RoomMarked("harbor-rooms-1", start, end), RoomMarked("harbor-rooms-2", start, end)],
        now=now,
    )
    scheduling.schedule_plan(actor=coordinator, operation=demo, time_limit=2, now=now)
    sign_in(page, "coordinator")
    page.goto(f"/operations/{demo.code}/interviews/plan/")
    bar = page.locator(".tl__cell--interview").first
    expect(bar).to_be_visible()
    page.emulate_media(media="print")
    # the bars keep their background on paper (Chromium drops backgrounds unless told to keep them)
    assert bar.evaluate("e => getComputedStyle(e).printColorAdjust") == "exact"
    page.emulate_media(media="screen")
    expect(page.locator(".sched-summary")).to_contain_text(
        re.compile(r"This is the best possible plan\.|better plan may exist|No plan can schedule more")
    )
    printed(page, "schedule")
    page.set_viewport_size(PHONE)
    shot(page, "phone-schedule-coordinator")
    assert_accessible(page, "schedule-coordinator")


def test_on_a_phone_no_page_of_the_operation_is_wider_than_the_screen(phone: Page, demo: Operation):
    sign_in(phone, "coordinator")
    wide = []
    for path in ("", "history/", "briefing/", "board/", "interviews/plan/", "report/", "persons/P-004/"):
        phone.goto(f"/operations/{demo.code}/{path}")
        if not no_horizontal_scroll(phone):
            wide.append((path, phone.evaluate("document.documentElement.scrollWidth")))
            shot(phone, f"phone-wide-{path.strip('/').replace('/', '-') or 'plan'}")
    assert wide == []
