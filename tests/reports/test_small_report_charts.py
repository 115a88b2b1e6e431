"""The shareable report of a small exercise is almost all "fewer than 5": a chart whose every figure is
withheld (or zero) would show labels with no bars. Instead, the page and the PDF say in words why there is
nothing to draw — counts under 5 are withheld from the shareable report (de-identification) — and a chart
with something to draw is still drawn (issue 14)."""

from __future__ import annotations

import io
import re

import pytest
from pypdf import PdfReader

from haven.accounts.models import User
from haven.exercises.loader import exercise_load
from haven.reports.audiences import Audience
from haven.reports.charts import charts_for
from haven.reports.formats import to_markdown
from haven.reports.pdf import to_pdf
from haven.reports.services import report_generate
from tests.exercises.builders import small_data, write
from tests.personas import make_user
from tests.reports.builders import after_action_exercise

pytestmark = pytest.mark.django_db

WITHHELD = (
    "No chart: every figure it would draw is withheld or zero. The shareable report withholds counts from "
    "1 to 4 (“fewer than 5”) and the statistics of groups of fewer than 5 people, so that no one can be "
    "recognised from them (de-identification). The table holds what can be shown."
)
WAITS_DRAWING = "minutes from the encounter (dashed: the limit)"  # the waits chart's axis label


def figure(page: str, key: str) -> str:
    """The page's figure of one chart."""
    match = re.search(rf'<figure class="chart[^"]*" id="chart-{key}">.*?</figure>', page, re.S)
    assert match, f"no figure for the {key} chart"
    return match.group(0)


def text_of(html: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", html).split())


@pytest.fixture
def small_exercise(tmp_path) -> str:
    """The three-person exercise of tests/exercises, loaded; an investigator at metro-pd reads its
    shareable report."""
    make_user("investigator")
    return exercise_load(write(tmp_path, small_data())).operation


def test_a_small_exercises_shareable_page_says_why_instead_of_drawing_empty_charts(
    small_exercise, client_for
):
    page = client_for("investigator").get(f"/operations/{small_exercise}/report/").content.decode()
    assert "De-identified for funders and partners" in page
    for key in ("waits", "needs"):
        chart = figure(page, key)
        assert "<svg" not in chart, key
        assert WITHHELD in text_of(chart), key
        # the figures themselves stay at hand, as words
        assert "fewer than 5" in text_of(chart) or "withheld" in text_of(chart), key
    services = figure(page, "services")
    assert "<svg" not in services
    assert "No chart: no service was provided or referred." in text_of(services)
    # no chart is drawn on the page at all: no labels with no bars
    assert "<svg" not in page.split('id="section-charts"', 1)[1]


def test_a_chart_with_something_to_draw_is_still_drawn_and_says_what_it_writes_instead(client_for):
    exercise = after_action_exercise()
    page = client_for("investigator").get(f"/operations/{exercise.operation.code}/report/").content.decode()
    # five potential victims reached a provider: their waits are drawn; the interview waits (fewer) are not
    waits = figure(page, "waits")
    assert "<svg" in waits
    assert (
        "Figures withheld for de-identification (counts from 1 to 4, statistics of fewer than 5 people) "
        "are written on the chart, not drawn." in text_of(waits)
    )
    needs = figure(page, "needs")  # every domain "fewer than 5" or 0
    assert "<svg" not in needs
    assert WITHHELD in text_of(needs)


def test_the_internal_report_draws_every_chart():
    exercise = after_action_exercise()
    report = report_generate(
        actor=make_user("coordinator"),
        code=exercise.operation.code,
        audience=Audience.INTERNAL,
        format="html",
        via="test",
        now=exercise.now,
    )
    charts = charts_for(report)
    assert [c.key for c in charts] == ["timeline", "waits", "needs", "services"]
    assert [c.not_drawn for c in charts] == ["", "", "", ""]


def test_nothing_recorded_is_said_as_such_in_the_internal_report_too(small_exercise):
    report = report_generate(
        actor=User.objects.get(username="arivera"),
        code=small_exercise,
        audience=Audience.INTERNAL,
        format="html",
        via="test",
    )
    not_drawn = {c.key: c.not_drawn for c in charts_for(report)}
    assert not_drawn["services"] == "No chart: no service was provided or referred."
    assert not_drawn["waits"] == ""  # exact waits, drawn for the coordinators
    assert not_drawn["needs"] == ""


def test_the_pdf_of_a_small_exercise_says_why_instead_of_drawing_empty_charts(small_exercise):
    report = report_generate(
        actor=make_user("investigator"),
        code=small_exercise,
        audience=Audience.SHAREABLE,
        format="pdf",
        via="test",
    )
    text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(to_pdf(report))).pages
    )
    assert "Waits from the encounter: No chart: every figure it would draw is withheld or zero." in text
    assert "Urgent needs by domain: No chart:" in text
    assert "(de-identification)" in text
    assert WAITS_DRAWING not in text
    # a report with waits to draw still draws them
    exercise = after_action_exercise(code="NL-2026-13")
    drawn = report_generate(
        actor=make_user("coordinator"),
        code=exercise.operation.code,
        audience=Audience.SHAREABLE,
        format="pdf",
        via="test",
        now=exercise.now,
    )
    drawn_text = " ".join(
        " ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(to_pdf(drawn))).pages
    )
    assert WAITS_DRAWING in drawn_text


def test_the_markdown_export_draws_no_chart_and_says_what_its_markers_mean(small_exercise):
    report = report_generate(
        actor=make_user("investigator"),
        code=small_exercise,
        audience=Audience.SHAREABLE,
        format="md",
        via="test",
    )
    markdown = to_markdown(report)
    assert "## Charts" not in markdown
    assert "Counts from 1 to 4 read “fewer than 5”" in markdown
