"""In a real browser: a coordinator builds a small plan through the forms, sees a failing rule, fixes it
(the readiness panel updates without a page load) and approves; a provider opens the service briefing and
downloads it as PDF; axe-core finds nothing wrong on the home, plan, history and briefing pages."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from haven.accounts.models import Authenticator, User
from haven.operations.models import Operation, OperationStatus
from tests.e2e.conftest import assert_accessible
from tests.operations.fixtures import make_operation
from tests.personas import PASSWORD, current_code, make_user

pytestmark = pytest.mark.django_db(transaction=True)

MARKER = "window.__havenSamePage"


def sign_in(page: Page, user: User) -> None:
    Authenticator.objects.filter(user=user).update(last_t=-1, throttling_failure_count=0)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Operations", exact=True)).to_be_visible(timeout=15_000)


def open_section(page: Page, title: str) -> None:
    page.locator("details.plan-section > summary", has_text=title).click()


FAILING = "#readiness ol[aria-label='Failing rules']"


def failing_rules(page: Page) -> list[str]:
    return page.locator(f"{FAILING} .rule__id").all_inner_texts()


def test_a_coordinator_builds_a_small_plan_fixes_a_failing_rule_and_approves(page: Page):
    coordinator = make_user("coordinator")
    sign_in(page, coordinator)
    page.get_by_role("link", name="New operation").click()

    # the operation: a week from now, four hours long, in US Eastern winter time
    start = (timezone.now() + timedelta(days=7)).strftime("%Y-%m-%d")
    page.get_by_label("Code").fill("LT-2027-01")
    page.get_by_label("Name").fill("Operation Lantern")
    page.get_by_label("Kind").select_option("proactive")
    starts = page.get_by_role("group", name="Starts at")
    starts.get_by_label("Date and time").fill(f"{start}T06:00")
    starts.get_by_label("UTC offset").fill("-05:00")
    ends = page.get_by_role("group", name="Ends at")
    ends.get_by_label("Date and time").fill(f"{start}T10:00")
    ends.get_by_label("UTC offset").fill("-05:00")
    page.get_by_role("button", name="Create operation").click()

    expect(page.get_by_role("heading", name="Operation Lantern")).to_be_visible()
    expect(page.locator("#plan-status")).to_contain_text("In review")
    assert "roles.responsibilities" in failing_rules(page)
    assert "populations.stated" in failing_rules(page)
    expect(page.locator("#readiness").get_by_role("button", name="Approve version 1")).to_have_count(0)
    page.evaluate(f"{MARKER} = true")

    # the agency's responsibilities and point of contact: the rule passes, the panel updates in place
    open_section(page, "Agencies")
    agency = page.locator("#row-agencies-0")
    agency.get_by_label("Responsibilities").fill("Scene security\nArrests")
    agency.get_by_label("Point of contact: name").fill("Sgt. Ana Rivera")
    agency.get_by_label("Phone").fill("+1 555 0100")
    page.get_by_role("button", name="Save agencies").click()
    expect(page.locator("#section-agencies")).to_contain_text("Saved as version 2.")
    expect(page.locator(FAILING)).not_to_contain_text("roles.responsibilities")
    assert page.evaluate(MARKER) is True  # no page load: the panel was refreshed by htmx

    # nobody expected at the door: the victim-services rules do not apply to this small plan. The failing
    # rule that asks for it opens the section it names, in place
    stated = page.locator(f"{FAILING} li", has=page.locator(".rule__id", has_text="populations.stated"))
    expect(stated.locator(".rule__message")).to_contain_text("Say how many persons are expected")
    stated.get_by_role("link", name="Anticipated persons").click()
    expect(page.get_by_label("Persons expected")).to_be_visible()
    assert page.evaluate(MARKER) is True
    page.get_by_label("Persons expected").fill("0")
    page.get_by_role("button", name="Save anticipated persons").click()
    expect(page.locator("#section-anticipated")).to_contain_text("Saved as version 3.")

    # a channel, added as a row
    open_section(page, "Communications")
    page.locator("#section-communications").get_by_label("Coordinating agency").select_option("metro-pd")
    page.get_by_role("button", name="Add channel").click()
    channel = page.locator("#row-communications-channels-0")
    channel.get_by_label("Name").fill("TAC-1")
    channel.get_by_label("Kind").select_option("radio")
    channel.get_by_label("Metro City Police Department (metro-pd)").check()
    page.get_by_role("button", name="Save communications").click()
    expect(page.locator("#section-communications")).to_contain_text("Saved as version 4.")

    # a bad value is refused at its field, and nothing is saved
    open_section(page, "MOU")
    mou = page.locator("#section-mou")
    mou.get_by_label("Title").fill("Lantern MOU")
    mou.get_by_label("Signed on").fill("2025-01-15")
    mou.get_by_label("Metro City Police Department (metro-pd)").check()
    mou.get_by_label("Covers").fill("confidentiality\nclient_consent")
    page.get_by_role("button", name="Save mou").click()
    expect(page.locator("#section-mou")).to_contain_text("Saved as version 5.")
    expect(page.locator(FAILING)).to_contain_text("mou.in-place")
    expect(page.get_by_role("button", name="Approve version 5")).to_have_count(0)
    page.locator("#section-mou").get_by_label("Covers").fill(
        "confidentiality\nclient_consent\nprofessional_obligations"
    )
    page.get_by_role("button", name="Save mou").click()
    expect(page.locator("#section-mou")).to_contain_text("Saved as version 6.")

    # every rule passes or does not apply: approve
    expect(page.locator("#readiness")).to_contain_text("Ready")
    assert failing_rules(page) == []
    page.get_by_role("button", name="Approve version 6").click()
    expect(page.locator("#plan-status")).to_contain_text("Approved — version 6 by Cole Coordinator")
    assert page.evaluate(MARKER) is True
    # axe-core leaves empty style attributes behind, which htmx would copy on its next swap: look last
    assert_accessible(page, "plan-approved")
    operation = Operation.objects.get(code="LT-2027-01")
    assert operation.status == OperationStatus.APPROVED
    assert operation.approved_version is not None
    assert operation.approved_version.number == 6

    page.get_by_role("link", name="History").click()
    expect(page.get_by_role("heading", name="Versions")).to_be_visible()
    expect(page.locator("table")).to_contain_text("Communications")
    assert_accessible(page, "history")
    page.get_by_role("link", name="Operations", exact=True).first.click()
    expect(page.locator(".operation-card")).to_contain_text("Approved")
    assert_accessible(page, "home")


def test_the_example_plan_page_with_every_section_open_is_accessible(page: Page):
    operation = make_operation(approved=False, exercise=True)
    sign_in(page, make_user("coordinator"))
    page.goto(f"/operations/{operation.code}/plan/")
    expect(page.locator(".banner--exercise")).to_have_text("EXERCISE — fictional data")
    page.evaluate("document.querySelectorAll('details').forEach((d) => { d.open = true; })")

    # a refused value shows at its field, with the summary linking to it
    page.locator("#section-anticipated").get_by_label("Persons expected").fill("many")
    page.get_by_role("button", name="Save anticipated persons").click()
    form = page.locator("#section-anticipated")
    expect(form.get_by_role("alert")).to_contain_text("anticipated.persons")
    expect(form.locator("#field-anticipated-persons")).to_contain_text("must be a whole number")
    assert_accessible(page, "plan-refused-value")


def test_a_provider_opens_the_service_briefing_and_downloads_the_pdf(page: Page, tmp_path: Path):
    operation = make_operation()
    sign_in(page, make_user("advocate"))
    expect(page.locator(".operation-card")).to_contain_text("Ready")
    assert_accessible(page, "home-provider")
    page.get_by_role("link", name="Operation Northern Light").click()
    expect(page.get_by_text("SERVICE BRIEFING — NEED TO KNOW").first).to_be_visible()
    expect(page.locator("article")).not_to_contain_text("Jade Spa")
    expect(page.get_by_role("link", name="Plan", exact=True)).to_have_count(0)
    assert_accessible(page, "briefing-service")
    with page.expect_download() as download:
        page.get_by_role("link", name="Download PDF").click()
    assert download.value.suggested_filename == f"{operation.code}-service-briefing.pdf"
    saved = tmp_path / "briefing.pdf"
    download.value.save_as(saved)
    assert saved.read_bytes().startswith(b"%PDF")


def test_an_investigator_reads_the_full_briefing(page: Page):
    operation = make_operation(starts_in=-timedelta(hours=1))
    sign_in(page, make_user("federal_agent"))
    page.goto(f"/operations/{operation.code}/briefing/")
    expect(page.get_by_text("LAW ENFORCEMENT SENSITIVE — FULL PLAN").first).to_be_visible()
    assert_accessible(page, "briefing-full")
    page.goto(f"/operations/{operation.code}/plan/")
    expect(page.locator("#plan-status")).to_contain_text("Started")
    assert_accessible(page, "plan-reader")
