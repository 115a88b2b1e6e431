"""`haven report CODE --audience … [--format json|md|pdf|csv] [-o FILE] --as USERNAME`: every format, and
the exit codes — 0 when written, 2 when refused (who, what, or which audience)."""

from __future__ import annotations

import csv
import io
import json
import os
import subprocess
import sys
from datetime import timedelta
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from haven.audit.models import AuditRecord
from haven.core.markings import EXERCISE_MARKING
from haven.reports.audiences import Audience
from haven.reports.formats import CSV_COLUMNS
from haven.reports.pdf import to_pdf
from haven.reports.services import report_generate
from tests.operations.fixtures import make_operation
from tests.pdf import pdf_pages
from tests.personas import make_user
from tests.reports.builders import Exercise, after_action_exercise

ROOT = Path(__file__).resolve().parents[2]
HAVEN = str(Path(sys.executable).with_name("haven"))

pytestmark = pytest.mark.django_db


@pytest.fixture
def exercise() -> Exercise:
    make_user("outsider")
    return after_action_exercise()


def run(*args: str) -> tuple[int, str, str]:
    """The command in this process (its exit code is CommandError's), with its two outputs."""
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("report", *args, stdout=out, stderr=err)
    except CommandError as error:
        return error.returncode, out.getvalue(), str(error)
    return 0, out.getvalue(), err.getvalue()


def test_json_to_standard_output(exercise):
    code, out, _ = run("NL-2026-12", "--audience", "internal", "--as", "cole.coordinator")
    assert code == 0
    document = json.loads(out)
    assert document["format"] == "haven.after-action/v1"
    assert document["audience"] == "internal"
    assert document["operation"] == {
        "code": "NL-2026-12",
        "name": "Operation Northern Light",
        "exercise": True,
        "starts_at": document["operation"]["starts_at"],
        "ends_at": document["operation"]["ends_at"],
    }
    assert document["figures"]["persons.encountered"] == 9
    assert document["percentile_method"] == "nearest-rank"
    assert len(document["timeline"]) == 9


def test_markdown_to_a_file(exercise, tmp_path):
    target = tmp_path / "report.md"
    code, out, err = run(
        "NL-2026-12",
        "--audience",
        "shareable",
        "--format",
        "md",
        "-o",
        str(target),
        "--as",
        "ivy.investigator",
    )
    assert (code, out) == (0, "")
    assert "Wrote the shareable report of NL-2026-12" in err
    text = target.read_text()
    assert text.startswith("# After-action report: NL-2026-12 Operation Northern Light")
    assert "EXERCISE — FICTIONAL DATA" in text
    assert "| Persons encountered | 9 |" in text
    assert "| Male | fewer than 5 |" in text
    assert "P-00" not in text


def test_pdf_to_a_file(exercise, tmp_path):
    target = tmp_path / "report.pdf"
    code, _, _ = run(
        "NL-2026-12",
        "--audience",
        "internal",
        "--format",
        "pdf",
        "-o",
        str(target),
        "--as",
        "cole.coordinator",
    )
    assert code == 0
    assert target.read_bytes().startswith(b"%PDF-")
    assert target.stat().st_size > 10_000


def test_the_pdf_of_an_exercise_carries_the_watermark_and_a_real_operation_does_not(exercise):
    coordinator = make_user("coordinator")

    def drawn(code: str) -> list[str]:
        report = report_generate(
            actor=coordinator, code=code, audience=Audience.INTERNAL, format="pdf", via="test"
        )
        return pdf_pages(to_pdf(report))

    exercise_pages = drawn("NL-2026-12")
    assert all(EXERCISE_MARKING in page for page in exercise_pages)
    make_operation(starts_in=-timedelta(hours=1), changes={"operation.code": "REAL-2026-1"})
    real = drawn("REAL-2026-1")
    assert not any("EXERCISE" in page for page in real)
    assert all("INTERNAL" in page for page in real)


def test_csv_with_htcds_columns(exercise):
    code, out, _ = run("NL-2026-12", "--audience", "shareable", "--format", "csv", "--as", "ivy.investigator")
    assert code == 0
    rows = list(csv.DictReader(io.StringIO(out)))
    assert tuple(rows[0]) == CSV_COLUMNS
    by = {(r["figure"], r["category"]): r for r in rows}
    female = by[("persons.by_tag", "female")]
    assert (female["Gender"], female["value"], female["suppressed"]) == ("Feminine", "5", "")
    male = by[("persons.by_tag", "male")]
    assert (male["Gender"], male["value"], male["suppressed"]) == ("Masculine", "", "fewer than 5")
    victims = by[("persons.by_designation", "potential_victim")]
    assert (victims["value"], victims["suppressed"]) == ("", "withheld")
    reached = by[("minutes_to_provider_contact.count", "")]
    assert (reached["value"], reached["suppressed"]) == ("", "not shown")
    assert by[("persons.by_tag", "us_citizen")]["Citizenship"] == "US"
    assert victims["TraffickingStatus"] == "PossibleVictimOfTrafficking"
    assert by[("persons.transferred", "")]["Status"] == "ClosedReferred"
    needs = by[("needs.assessed", "")]
    assert (needs["value"], needs["unit"], needs["suppressed"]) == ("5", "persons", "")
    assert by[("minutes_to_provider_contact.median", "")]["unit"] == "minutes"
    assert all(r["value"] == "" or r["suppressed"] == "" for r in rows)
    assert "P-00" not in out


def test_csv_of_the_internal_figures_is_refused(exercise):
    code, out, err = run(
        "NL-2026-12", "--audience", "internal", "--format", "csv", "--as", "cole.coordinator"
    )
    assert (code, out) == (2, "")
    assert "shareable figures only" in err


def test_refusals_exit_2_and_are_audited(exercise):
    code, out, err = run("NL-2026-12", "--audience", "shareable", "--as", "oz.outsider")
    assert (code, out) == (2, "")
    assert "No operation 'NL-2026-12' that oz.outsider can see." in err
    code, _, err = run("NL-2026-12", "--audience", "internal", "--as", "ivy.investigator")
    assert code == 2
    assert "for coordinators" in err
    code, _, err = run("NOPE-1", "--audience", "shareable", "--as", "cole.coordinator")
    assert code == 2
    denied = AuditRecord.objects.filter(event_type="access.denied").order_by("sequence")
    assert [(d.actor_label, json.loads(d.details)["via"]) for d in denied] == [
        ("oz.outsider", "cli"),
        ("ivy.investigator", "cli"),
        ("cole.coordinator", "cli"),
    ]
    assert not AuditRecord.objects.filter(event_type="report.generated").exists()


def test_who_acts_must_be_named_and_exist(exercise):
    code, _, err = run("NL-2026-12", "--audience", "shareable")
    assert code == 2
    assert "needs --as USERNAME" in err
    code, _, err = run("NL-2026-12", "--audience", "shareable", "--as", "nobody.at.all")
    assert code == 2
    assert "No active account is named 'nobody.at.all'" in err


@pytest.mark.parametrize(
    "arguments",
    [
        ["--audience", "everyone", "--as", "cole.coordinator"],
        ["--audience", "shareable", "--format", "xlsx", "--as", "cole.coordinator"],
        ["--format", "json", "--as", "cole.coordinator"],
    ],
)
def test_bad_arguments_exit_2_before_reading_anything(arguments, tmp_path):
    # the real command, in its own process: arguments are refused before any database is opened
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env["HAVEN_DATA_DIR"] = str(tmp_path)
    result = subprocess.run(
        [HAVEN, "report", "NL-2026-12", *arguments],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2, result.stderr
    assert "usage: haven report" in result.stderr
    assert result.stdout == ""


def test_each_report_written_is_audited_under_the_acting_user(exercise, tmp_path):
    run("NL-2026-12", "--audience", "internal", "--as", "cole.coordinator")
    run("NL-2026-12", "--audience", "shareable", "--format", "md", "--as", "ada.advocate")
    events = AuditRecord.objects.filter(event_type="report.generated").order_by("sequence")
    assert [(e.actor_label, json.loads(e.details)) for e in events] == [
        ("cole.coordinator", {"audience": "internal", "format": "json", "via": "cli", "kind": "task_force"}),
        ("ada.advocate", {"audience": "shareable", "format": "md", "via": "cli", "kind": "service_agency"}),
    ]
    assert all(str(e.operation_id) == str(exercise.operation.pk) for e in events)
