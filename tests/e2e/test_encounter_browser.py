"""In a real browser: an officer registers three persons and places them; an advocate records needs and
information; a federal investigator schedules and records the interview; the board shows each step —
including on a board left open, which refreshes itself. axe-core checks the board and the person pages
at desktop and phone width."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from axe_playwright_python.sync_playwright import Axe
from django.conf import settings
from django.utils import timezone
from playwright.sync_api import Browser, Page, expect

from haven.accounts.models import Authenticator
from haven.encounters import services
from haven.operations.models import Operation
from haven.web.timezones import zone, zone_label
from tests.e2e.conftest import ARTIFACTS, assert_accessible
from tests.operations.fixtures import allow_any_interviewer_for_adults, make_operation
from tests.personas import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db(transaction=True)


def sign_in(page: Page, key: str) -> None:
    user = make_user(key)
    Authenticator.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page).to_have_url(re.compile(r"/$"))


def sign_out(page: Page) -> None:
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("heading", name="Sign in")).to_be_visible()


def board(operation: Operation) -> str:
    return f"/operations/{operation.code}/board/"


def person(operation: Operation, code: str) -> str:
    return f"/operations/{operation.code}/persons/{code}/"


def row(page: Page, code: str) -> Any:
    return page.locator("tr.board-row", has=page.locator(f"#board-link-{code}"))


def no_horizontal_scroll(page: Page) -> bool:
    return bool(page.evaluate("document.documentElement.scrollWidth <= window.innerWidth"))


@pytest.fixture
def operation() -> Operation:
    for key in ("investigator", "coordinator", "federal_agent", "advocate"):
        make_user(key)
    return make_operation(starts_in=-timedelta(hours=1))


@pytest.fixture
def watcher(browser: Browser, live_server: Any) -> Iterator[tuple[Page, list[Any]]]:
    """A second person (the coordinator) with the board open on a phone, never reloading it."""
    context = browser.new_context(viewport={"width": 390, "height": 844}, base_url=live_server.url)
    page = context.new_page()
    polls: list[Any] = []
    page.on("request", lambda request: polls.append(request) if "/board/rows/" in request.url else None)
    errors: list[str] = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    yield page, polls
    context.close()
    assert [e for e in errors if "Content Security Policy" in e] == [], errors


def test_register_place_care_interview_and_the_board_follows(
    page: Page, operation: Operation, watcher: tuple[Page, list[Any]]
):
    # --- an officer registers three persons and places them ---------------------------------------
    sign_in(page, "investigator")
    page.goto(board(operation))
    expect(page.get_by_role("heading", name=re.compile("Live board"))).to_be_visible()
    expect(page.get_by_text("No one has been registered on this operation yet.")).to_be_visible()
    registrations = [
        ("P-001", ["Female", "Adult", "Foreign national"], "es", "community-room"),
        ("P-002", ["Male", "Adult", "US citizen"], "en", "undetermined-room"),
        ("P-003", ["Female", "Minor"], "zh", ""),
    ]
    for code, tags, languages, area in registrations:
        panel = page.locator("details#register")
        if not panel.evaluate("element => element.open"):
            panel.locator("summary").click()
        form = panel.locator("form")
        expect(form.get_by_label("Code")).to_have_value(code)  # the next free code is offered
        for tag in tags:
            form.get_by_role("checkbox", name=tag, exact=True).check()
        form.get_by_label("Languages").fill(languages)
        if area:
            form.get_by_label("Area").select_option(area)
        form.get_by_role("button", name="Register").click()
        expect(page.get_by_role("status")).to_contain_text(f"{code} registered.")
        expect(row(page, code)).to_contain_text("Separated" if area else "Encountered")

    page.goto(person(operation, "P-003"))
    page.locator("#person-summary summary", has_text="Place in an area").click()
    page.locator("#person-summary").get_by_label("Area").select_option("community-room")
    page.get_by_role("button", name="Place", exact=True).click()
    expect(page.locator("#person-summary")).to_contain_text("Placed.")
    expect(page.locator("#person-summary")).to_contain_text("Harbor Center community room")
    expect(page.locator("#person-summary .enc-stage")).to_have_text("Separated")
    page.locator("#sec-designation summary", has_text="Record a designation").click()
    page.locator("#sec-designation").get_by_label("Designation").select_option("potential_victim")
    page.get_by_role("button", name="Record the designation").click()
    expect(page.locator("#sec-designation")).to_contain_text("Designation recorded.")

    page.goto(board(operation))
    for code in ("P-001", "P-002", "P-003"):
        expect(row(page, code)).to_contain_text("Separated")
    expect(row(page, "P-002")).to_contain_text("Metro Community Center gym")
    assert_accessible(page, "encounter-board-investigator")
    sign_out(page)

    # a coordinator keeps the board open on a phone; it refreshes itself and never reloads
    watching, polls = watcher
    sign_in(watching, "coordinator")
    watching.goto(board(operation))
    expect(row(watching, "P-001")).to_contain_text("Separated")
    assert no_horizontal_scroll(watching)

    # --- an advocate records needs and information ------------------------------------------------
    sign_in(page, "advocate")
    page.goto(board(operation))
    expect(row(page, "P-002")).not_to_contain_text("Metro Community Center gym")  # not shared with providers
    expect(page.get_by_text("Suspect")).to_have_count(0)
    page.locator("#board-link-P-001").click()
    expect(page.get_by_role("heading", name="P-001", exact=True)).to_be_visible()
    needs = page.locator("#sec-needs")
    needs.locator("summary", has_text="Record needs").click()
    needs.get_by_role("checkbox", name="Medical").check()
    needs.get_by_role("textbox", name="Medical").fill("Diabetic, no insulin since yesterday")
    needs.get_by_label("Medications").fill("Insulin, twice a day")
    needs.get_by_role("textbox", name="Shelter").fill("Needs a bed tonight")
    needs.get_by_label("Language the person prefers").select_option("es")
    needs.get_by_role("button", name="Record needs").click()
    needs = page.locator("#sec-needs")
    expect(needs.get_by_role("status")).to_have_text("Needs assessment recorded.")
    expect(needs).to_contain_text("Medications: Insulin, twice a day")
    expect(page.locator("#person-summary .enc-stage")).to_have_text("Needs assessed")
    expect(page.locator("#sec-needs [data-focus-after-swap]")).to_be_focused()

    # the coordinator's board follows without a reload, and its polls say they are automatic
    expect(row(watching, "P-001")).to_contain_text("Needs assessed", timeout=25_000)
    assert polls
    assert all(r.headers.get(settings.HAVEN_AUTO_REFRESH_HEADER.lower()) == "1" for r in polls)

    info = page.locator("#sec-information")
    info.locator("summary", has_text="Record information given").click()
    info.get_by_role("checkbox", name="Your rights and the help available").check()
    info.get_by_label("Language used").select_option("es")
    info.get_by_label("The person's questions").fill("Will I be sent back?")
    info.get_by_label("Answers given").fill("Explained Continued Presence and the attorney's role")
    info.get_by_role("button", name="Record information").click()
    expect(page.locator("#sec-information").get_by_role("status")).to_have_text("Information recorded.")
    expect(page.locator("#sec-information")).to_contain_text("Will I be sent back?")
    expect(page.locator("#person-summary .enc-stage")).to_have_text("Informed")
    page.locator("#sec-consents").locator("summary", has_text="Record a consent").click()
    assert_accessible(page, "encounter-person-advocate")
    sign_out(page)

    # --- a federal investigator schedules and records the interview ---------------------------------
    federal = make_user("federal_agent")
    sign_in(page, "federal_agent")
    page.goto(person(operation, "P-001"))
    expect(page.locator("#sec-needs")).not_to_contain_text("Diabetic")  # no consent: the summary only
    expect(page.locator("#sec-information")).not_to_contain_text("Will I be sent back?")
    interviews = page.locator("#sec-interviews")
    interviews.locator("summary", has_text="Schedule an interview").click()
    interviews.get_by_label("Interviewer").select_option(str(federal.pk))
    interviews.get_by_label("Interviewing as").select_option("investigator")
    interviews.get_by_label("Location").select_option(label="Harbor Center rooms 2A-2D")
    interviews.get_by_label("Room").fill("2B")
    # typed as the page shows times: in the operation's own offset, which the label names
    starts = (timezone.now() + timedelta(minutes=30)).astimezone(zone(operation.utc_offset_minutes))
    interviews.get_by_label(f"Starts at ({zone_label(starts.tzinfo)})").fill(
        starts.strftime("%Y-%m-%dT%H:%M")
    )
    interviews.get_by_label("Minutes", exact=True).fill("45")
    interviews.get_by_role("button", name="Schedule").click()
    interviews = page.locator("#sec-interviews")
    expect(interviews.get_by_role("status")).to_have_text("Interview scheduled.")
    expect(page.locator("#person-summary .enc-stage")).to_have_text("Interview scheduled")
    assert_accessible(page, "encounter-person-federal-scheduled")

    interviews.locator("summary", has_text="Record this interview").click()
    interviews.get_by_label("Official notes").fill("Describes recruitment through a job offer")
    interviews.get_by_role("button", name="Record the interview").click()
    interviews = page.locator("#sec-interviews")
    expect(interviews.get_by_role("status")).to_have_text("Interview recorded.")
    expect(interviews).to_contain_text("Describes recruitment through a job offer")
    expect(page.locator("#person-summary .enc-stage")).to_have_text("Interviewed")

    page.goto(board(operation))
    expect(row(page, "P-001")).to_contain_text("Interviewed")
    expect(row(page, "P-003")).to_contain_text("Separated")
    assert_accessible(page, "encounter-board-federal")
    expect(row(watching, "P-001")).to_contain_text("Interviewed", timeout=25_000)


def test_a_refusal_is_shown_next_to_the_form_in_the_browser(page: Page, operation: Operation):
    """An interview before needs were assessed is refused: the message is next to the form, focused,
    and the form keeps what was typed."""
    federal = make_user("federal_agent")
    services.person_register(
        actor=make_user("investigator"),
        operation=operation,
        code="P-001",
        tags=["adult"],
        area="community-room",
    )
    sign_in(page, "federal_agent")
    page.goto(person(operation, "P-001"))
    interviews = page.locator("#sec-interviews")
    interviews.locator("summary", has_text="Schedule an interview").click()
    interviews.get_by_label("Interviewer").select_option(str(federal.pk))
    interviews.get_by_label("Location").select_option(label="Harbor Center rooms 2A-2D")
    interviews.get_by_label("Room").fill("2C")
    starts = (timezone.now() + timedelta(hours=1)).astimezone(zone(operation.utc_offset_minutes))
    interviews.get_by_label(f"Starts at ({zone_label(starts.tzinfo)})").fill(
        starts.strftime("%Y-%m-%dT%H:%M")
    )
    interviews.get_by_role("button", name="Schedule").click()
    alert = page.locator("#sec-interviews [role=alert]")
    expect(alert).to_contain_text("needs were not assessed")
    expect(alert).to_be_focused()
    expect(page.locator("#sec-interviews").get_by_label("Room")).to_have_value("2C")
    assert_accessible(page, "encounter-person-refusal")


def test_language_access_and_every_need_in_the_browser(page: Page, operation: Operation):
    """An advocate records every need and the person's concerns, and gives information only in a language
    the person speaks; an interview in English for a Spanish speaker without an interpreter is refused,
    naming both sides' languages (issue 13). axe-core checks the forms, open, at desktop and phone width."""
    make_user("interpreter")
    services.person_register(
        actor=make_user("investigator"), operation=operation, code="P-001", tags=["female", "adult"],
        languages=["es", "yue"], area="community-room",
    )  # fmt: skip
    sign_in(page, "advocate")
    page.goto(person(operation, "P-001"))
    expect(page.locator("#person-summary")).to_contain_text("Cantonese (yue)")
    needs = page.locator("#sec-needs")
    needs.locator("summary", has_text="Record needs").click()
    for label, text in (
        ("Clothing", "Only the clothes she wears"),
        ("Contact with family or others", "Wants to call her sister"),
        ("Childcare", "Her son is with a neighbour"),
        ("Transportation", "No way to reach the clinic"),
        ("Legal", "Asks about her visa"),
        ("Counseling", "Cannot sleep"),
        ("The person's concerns", "Worried about her mother at home"),
    ):
        needs.get_by_label(label, exact=True).fill(text)
    needs.get_by_label("Language the person prefers").select_option("yue")
    info = page.locator("#sec-information")
    info.locator("summary", has_text="Record information given").click()
    language = info.get_by_label("Language used")
    expect(language.locator("option")).to_have_text(["Spanish (es)", "Cantonese (yue)"])
    expect(info).to_contain_text("Your rights and the help available (English, Spanish, Chinese)")
    assert_accessible(page, "encounter-person-needs-information-forms")
    needs.get_by_role("button", name="Record needs").click()
    needs = page.locator("#sec-needs")
    expect(needs.get_by_role("status")).to_have_text("Needs assessment recorded.")
    expect(needs).to_contain_text("Worried about her mother at home")
    expect(needs).to_contain_text("Her son is with a neighbour")
    info = page.locator("#sec-information")  # still open: only the needs section was swapped
    info.get_by_role("checkbox", name=re.compile("Your rights and the help available")).check()
    info.get_by_label("Language used").select_option("yue")
    info.get_by_role("button", name="Record information").click()
    error = page.locator("#information_language_error")
    expect(error).to_contain_text("Cantonese (yue) is not a language the material is held in")
    assert_accessible(page, "encounter-person-information-refused")
    page.locator("#sec-information").get_by_label("Language used").select_option("es")
    page.locator("#sec-information").get_by_role("button", name="Record information").click()
    expect(page.locator("#sec-information").get_by_role("status")).to_have_text("Information recorded.")
    sign_out(page)

    allow_any_interviewer_for_adults(operation)  # Ivy, of metro-pd, interviews an adult (issue 13)
    investigator = make_user("investigator")
    sign_in(page, "investigator")
    page.goto(person(operation, "P-001"))
    interviews = page.locator("#sec-interviews")
    interviews.locator("summary", has_text="Schedule an interview").click()
    interviews.get_by_label("Interviewer").select_option(str(investigator.pk))
    interviews.get_by_label("Location").select_option(label="Harbor Center rooms 2A-2D")
    starts = (timezone.now() + timedelta(hours=1)).astimezone(zone(operation.utc_offset_minutes))
    interviews.get_by_label(f"Starts at ({zone_label(starts.tzinfo)})").fill(
        starts.strftime("%Y-%m-%dT%H:%M")
    )
    interviews.get_by_role("button", name="Schedule").click()
    alert = page.locator("#sec-interviews [role=alert]")
    expect(alert).to_contain_text("Ivy Investigator speaks English (en)")
    expect(alert).to_contain_text("an interpreter of Spanish or Cantonese")
    assert_accessible(page, "encounter-person-language-refusal")
    page.locator("#sec-interviews").get_by_label("Interpreter").select_option(
        str(make_user("interpreter").pk)
    )
    page.locator("#sec-interviews").get_by_role("button", name="Schedule").click()
    expect(page.locator("#sec-interviews").get_by_role("status")).to_have_text("Interview scheduled.")


def test_the_board_and_a_person_page_at_phone_width(page: Page, operation: Operation):
    investigator = make_user("investigator")
    for n, area in enumerate(("community-room", "undetermined-room", None), start=1):
        services.person_register(
            actor=investigator,
            operation=operation,
            code=f"P-00{n}",
            tags=["female", "adult", "foreign_national"],
            languages=["es", "zh"],
            priority="high",
            area=area,
        )
    services.danger_flag(actor=make_user("advocate"), person=operation.persons.get(code="P-002"))
    page.set_viewport_size({"width": 390, "height": 844})
    sign_in(page, "investigator")
    page.goto(board(operation))
    # the filters are folded on a phone, and open with one tap
    filters = page.locator("details.filters-panel")
    expect(filters).not_to_have_attribute("open", "")
    filters.locator("summary").click()
    expect(page.get_by_label("Stage", exact=True)).to_be_visible()
    results = Axe().run(page)
    assert results.response["violations"] == [], [v["id"] for v in results.response["violations"]]
    assert no_horizontal_scroll(page)
    # tap targets: the person codes and the stage chips are at least 44 px tall
    for locator in (page.locator("#board-link-P-001"), page.locator(".stage-counts a").first):
        box = locator.bounding_box()
        assert box is not None
        assert box["height"] >= 44
    page.get_by_label("Stage", exact=True).select_option("encountered")
    page.get_by_role("button", name="Show").click()
    expect(page).to_have_url(re.compile(r"\?stage=encountered"))
    expect(page.locator("tr.board-row")).to_have_count(1)
    page.locator("#board-link-P-003").click()
    expect(page.get_by_role("heading", name="P-003", exact=True)).to_be_visible()
    assert no_horizontal_scroll(page)
    results = Axe().run(page)
    assert results.response["violations"] == [], [v["id"] for v in results.response["violations"]]
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "encounter-person-phone-390.png"), full_page=True)


def test_a_new_danger_flag_is_announced_when_the_board_refreshes(page: Page, operation: Operation):
    """The refreshed list is not a live region (it would be read out every 15 s); a flag that appears
    between two refreshes is said in the board's assertive live region."""
    person = services.person_register(
        actor=make_user("investigator"), operation=operation, code="P-001", area="community-room"
    )
    sign_in(page, "advocate")
    page.goto(board(operation))
    announcer = page.locator("#board-announcer")
    expect(announcer).to_have_attribute("aria-live", "assertive")
    page.evaluate("htmx.trigger(document.getElementById('board-live'), 'board-refresh')")
    page.wait_for_timeout(500)
    expect(announcer).to_have_text("")
    services.danger_flag(actor=make_user("investigator"), person=person)
    page.evaluate("htmx.trigger(document.getElementById('board-live'), 'board-refresh')")
    expect(announcer).to_contain_text("Imminent danger: P-001")
