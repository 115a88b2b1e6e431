"""In Chromium, under Haven's Content-Security-Policy: the after-action report page draws its charts (inline
SVG with presentation attributes, no style attribute for the CSP to block), and axe-core finds nothing."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from haven.exercises.loader import exercise_load
from tests.e2e.conftest import ARTIFACTS, assert_accessible
from tests.exercises.builders import small_data, write
from tests.personas import PASSWORD, current_code, make_user
from tests.reports.builders import after_action_exercise

pytestmark = pytest.mark.django_db(transaction=True)

BRAND_RGB = "rgb(31, 78, 121)"  # the bars' fill, #1f4e79, as the browser computes it


def _sign_in(page: Page, key: str) -> None:
    user = make_user(key)
    page.goto("/sign-in/")
    page.get_by_label("Username").fill(user.username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Continue").click()
    page.get_by_label("Authentication code").fill(current_code(user))
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", name="Operations")).to_be_visible()


def _violations(page: Page) -> list[str]:
    messages: list[str] = []
    page.on(
        "console",
        lambda msg: messages.append(msg.text) if "Content Security Policy" in msg.text else None,
    )
    return messages


def _chart_fills(page: Page, key: str) -> list[str]:
    """The computed fill of the bars and markers of one chart (what Chromium really paints)."""
    return page.eval_on_selector_all(
        f"#chart-{key} svg path, #chart-{key} svg use",
        "nodes => nodes.map(n => getComputedStyle(n).fill)",
    )


def test_internal_report_draws_its_charts_under_the_csp_and_is_accessible(page: Page):
    exercise = after_action_exercise()
    violations = _violations(page)
    _sign_in(page, "coordinator")
    page.goto(f"/operations/{exercise.operation.code}/report/")
    expect(page.get_by_role("heading", name="People encountered")).to_be_visible()
    for key, title in (
        ("timeline", "Timeline by person"),
        ("waits", "Waits from the encounter"),
        ("needs", "Urgent needs by domain"),
        ("services", "Services provided and referred, by kind"),
    ):
        chart = page.get_by_role("img", name=title)
        expect(chart).to_be_visible()
        box = chart.bounding_box()
        assert box is not None, key
        assert box["width"] > 200, (key, box)
        assert box["height"] > 80, (key, box)
    # the bars are painted in the brand colour: the presentation attributes took effect under the CSP
    assert BRAND_RGB in _chart_fills(page, "needs")
    assert BRAND_RGB in _chart_fills(page, "timeline")
    expect(page.get_by_role("img", name="Timeline by person")).to_contain_text("P-001")
    assert violations == []
    assert_accessible(page, "report-internal")


def test_shareable_report_shows_no_codes_and_is_accessible(page: Page):
    exercise = after_action_exercise()
    violations = _violations(page)
    _sign_in(page, "investigator")
    page.goto(f"/operations/{exercise.operation.code}/report/")
    expect(page.get_by_text("De-identified for funders and partners")).to_be_visible()
    expect(page.get_by_role("img", name="Waits from the encounter")).to_be_visible()
    assert page.get_by_role("img", name="Timeline by person").count() == 0
    assert "P-00" not in page.content()
    assert page.get_by_text("fewer than 5").count() > 0
    assert violations == []
    assert_accessible(page, "report-shareable")


def test_service_agency_report_holds_its_own_figures_and_is_accessible(page: Page):
    exercise = after_action_exercise()
    violations = _violations(page)
    _sign_in(page, "advocate")
    page.goto(f"/operations/{exercise.operation.code}/report/")
    expect(page.get_by_role("heading", name="Needs and services")).to_be_visible()
    # its own clients' figures, each "fewer than 5" or 0: said in words, not drawn as empty axes (issue 14)
    expect(page.get_by_role("heading", name="Urgent needs by domain")).to_be_visible()
    expect(
        page.get_by_text("No chart: every figure it would draw is withheld or zero.").first
    ).to_be_visible()
    assert page.get_by_role("img").count() == 0
    assert page.get_by_role("heading", name="People encountered").count() == 0
    assert page.get_by_role("heading", name="Interviews").count() == 0
    assert violations == []
    assert_accessible(page, "report-service")


def test_report_prints_with_its_charts(page: Page):
    exercise = after_action_exercise()
    _sign_in(page, "coordinator")
    page.goto(f"/operations/{exercise.operation.code}/report/")
    page.emulate_media(media="print")
    expect(page.locator(".site-header")).to_be_hidden()
    expect(page.locator(".report-downloads")).to_be_hidden()
    expect(page.get_by_role("img", name="Urgent needs by domain")).to_be_visible()
    pdf = page.pdf(format="Letter")
    assert pdf.startswith(b"%PDF")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / "report-print.pdf").write_bytes(pdf)  # to look at: pdftoppm -png -r 60


def test_a_small_exercises_shareable_report_says_why_its_charts_are_not_drawn(page: Page, tmp_path):
    """Issue 14: three persons, almost every figure "fewer than 5" — no axes with labels and no bars, but a
    sentence saying why, readable at desk and phone width."""
    make_user("investigator")
    code = exercise_load(write(tmp_path, small_data())).operation
    violations = _violations(page)
    _sign_in(page, "investigator")
    page.goto(f"/operations/{code}/report/")
    charts = page.locator("#section-charts").locator("..")
    expect(charts.get_by_role("heading", name="Waits from the encounter")).to_be_visible()
    expect(
        charts.get_by_text("No chart: every figure it would draw is withheld or zero.").first
    ).to_be_visible()
    expect(charts.get_by_text("(de-identification)").first).to_be_visible()
    expect(charts.get_by_text("No chart: no service was provided or referred.")).to_be_visible()
    assert charts.locator("svg").count() == 0
    assert page.get_by_role("img").count() == 0
    # the figures stay at hand, as a table, for anyone who opens it
    page.get_by_text("Urgent needs by domain: the data").click()
    expect(charts.get_by_role("cell", name="fewer than 5").first).to_be_visible()
    assert violations == []
    assert_accessible(page, "report-small-shareable")
