"""A report as `haven.after-action/v1` JSON, as Markdown, and as CSV with HTCDS column names.

The CSV holds the shareable figures only, one row per published number. Its columns take the names of
IOM's Human Trafficking Case Data Standard (HTCDS) where Haven holds the same information, so that the
counts can be pooled with other programmes' data; see docs/formats/after-action.md for the mapping and for
the figures that have no HTCDS equivalent.
"""

from __future__ import annotations

import csv
import io
import json
from datetime import date, datetime, tzinfo
from typing import Any

from haven.core.clock import clock_stamp
from haven.core.errors import ValidationFailed
from haven.core.markdown import markdown_text
from haven.core.markings import EXERCISE_MARKING
from haven.core.problems import Problem
from haven.core.spreadsheets import safe_cell
from haven.reports.audiences import NOT_SHOWN, WITHHELD, Audience
from haven.reports.layout import Block, sections
from haven.reports.services import FORMAT, Report


def _plain(value: Any, where: tzinfo) -> Any:
    """JSON-ready: a moment as ISO 8601 on the operation's clock (`2026-12-03T06:40:00-05:00`)."""
    if isinstance(value, datetime):
        return value.astimezone(where).isoformat().replace("+00:00", "Z")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: _plain(v, where) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_plain(v, where) for v in value]
    return value


def report_document(report: Report) -> dict[str, Any]:
    """The report as the `haven.after-action/v1` document (a JSON-ready mapping)."""
    document: dict[str, Any] = {
        "format": FORMAT,
        "operation": {
            "code": report.code,
            "name": report.name,
            "exercise": report.exercise,
            "starts_at": report.starts_at,
            "ends_at": report.ends_at,
        },
        "audience": report.audience.value,
        "scope": report.scope.value,
        "agency": report.agency or None,
        "generated_at": report.generated_at,
        "generated_by": report.generated_by if report.internal else None,
        "policy": {
            "provider_contact_limit_minutes": report.limit_minutes,
            "suppression_threshold": report.threshold,
        },
        "percentile_method": "nearest-rank",
        "markers": {"suppressed": report.published.fewer, "withheld": WITHHELD, "not_shown": NOT_SHOWN}
        if report.audience is Audience.SHAREABLE
        else None,
        "figures": dict(sorted(report.figures.items())),
    }
    if report.internal:
        document["timeline"] = [
            {
                "code": row.code,
                "designation": row.designation,
                "encountered_at": row.encountered_at,
                "provider_contact_at": row.provider_contact_at,
                "minutes_to_provider_contact": row.minutes_to_provider_contact,
                "interview_at": row.interview_at,
                "minutes_to_interview": row.minutes_to_interview,
                "outcome": row.outcome or None,
            }
            for row in report.timeline
        ]
    return _plain(document, report.zone)  # type: ignore[no-any-return]


def to_json(report: Report) -> str:
    return json.dumps(report_document(report), indent=2, ensure_ascii=False) + "\n"


# --- Markdown -----------------------------------------------------------------------------------------


def _md_table(block: Block) -> list[str]:
    """A table whose every cell is text (a release reason stays its words: `haven.core.markdown`)."""
    lines = [f"*{markdown_text(block.caption)}*", ""] if block.caption else []
    lines.append("| " + " | ".join(markdown_text(c) or " " for c in block.columns) + " |")
    lines.append("|" + "|".join("---" for _ in block.columns) + "|")
    lines += ["| " + " | ".join(markdown_text(c) for c in row) + " |" for row in block.rows]
    return [*lines, ""]


def heading(report: Report) -> tuple[str, str]:
    """The report's title and the line under it (audience, scope, when)."""
    audience = {
        Audience.INTERNAL: "Internal — for the task force's coordinators",
        Audience.SHAREABLE: f"Shareable — de-identified; counts below {report.threshold} suppressed",
    }[report.audience]
    whose = f" · figures for {report.agency}'s own clients" if report.agency else ""
    return (
        f"After-action report: {report.code} {report.name}",
        f"{audience}{whose} · generated {clock_stamp(report.generated_at, report.utc_offset_minutes)}",
    )


def marker_note(report: Report) -> str:
    """What the markers of a shareable report mean, in one sentence."""
    return (
        f"Counts from 1 to {report.threshold - 1} read “{report.published.fewer}”; “{WITHHELD}” marks a count "
        "hidden so that a small one cannot be worked out by subtraction; “not shown”, a count in the "
        "breakdown of a group too small to break down."
    )


def to_markdown(report: Report) -> str:
    """The report as Markdown; every text from the plan or the records (the operation's name, an
    agency's, a release reason) renders as that text and nothing else."""
    title, subtitle = heading(report)
    lines = [f"# {markdown_text(title)}", "", markdown_text(subtitle, starts_line=True), ""]
    if report.exercise:
        lines += [f"> **{EXERCISE_MARKING}** — every person and number in this report is invented.", ""]
    if report.audience is Audience.SHAREABLE:
        lines += [
            f"> {markdown_text(marker_note(report))}",
            "",
        ]
    for section in sections(report):
        lines += [f"## {markdown_text(section.title)}", ""]
        if section.note:
            lines += [markdown_text(section.note, starts_line=True), ""]
        for block in section.blocks:
            lines += _md_table(block)
    lines += ["Percentiles use the nearest-rank method; minutes are whole minutes, rounded down.", ""]
    return "\n".join(lines)


# --- CSV with HTCDS names -------------------------------------------------------------------------

CSV_COLUMNS = (
    "operation",
    "figure",
    "category",
    "Gender",
    "Citizenship",
    "TraffickingStatus",
    "Status",
    "ReasonForCaseClosure",
    "value",
    "unit",
    "suppressed",
)

# Haven's values → (HTCDS field, HTCDS value), where Haven holds the same information.
HTCDS = {
    ("persons.by_tag", "female"): ("Gender", "Feminine"),
    ("persons.by_tag", "male"): ("Gender", "Masculine"),
    ("persons.tags_not_recorded", "gender"): ("Gender", "NonSpecifiedUnknown"),
    ("persons.by_tag", "us_citizen"): ("Citizenship", "US"),
    ("persons.by_designation", "potential_victim"): ("TraffickingStatus", "PossibleVictimOfTrafficking"),
    ("persons.released", ""): ("Status", "Closed"),
    ("persons.transferred", ""): ("Status", "ClosedReferred"),
}

_UNITS = {
    "interviews.": "interviews",
    "separation_alerts.": "alerts",
    "danger.": "flags",
    "consents.": "consents",
    "plan.": "plan versions",
}


def _unit(name: str) -> str:
    if name.endswith((".median", ".p90", ".max", ".limit_minutes")):
        return "minutes"
    return next((unit for prefix, unit in _UNITS.items() if name.startswith(prefix)), "persons")


def _csv_rows(report: Report) -> list[dict[str, object]]:
    rows: list[dict[str, object]] = []

    def add(name: str, category: str, value: Any, **htcds: str) -> None:
        if value is None or isinstance(value, list | dict | bool):
            return
        field, htcds_value = HTCDS.get((name, category), ("", ""))
        row: dict[str, object] = dict.fromkeys(CSV_COLUMNS, "")
        row.update(operation=report.code, figure=name, category=category, unit=_unit(name), **htcds)
        if field:
            row[field] = htcds_value
        if value in (report.published.fewer, WITHHELD, NOT_SHOWN):
            row["suppressed"] = str(value)
        else:
            row["value"] = value  # a number stays a number (negative ones too): see safe_cell
        rows.append(row)

    for name, value in sorted(report.figures.items()):
        if name.endswith(".reasons"):
            outcome = name.removesuffix(".reasons")
            status = HTCDS[(outcome, "")][1]
            for reason, count in value.items():
                add(name, "", count, Status=status, ReasonForCaseClosure=reason)
        elif name == "services.by_kind":
            for kind, statuses in value.items():
                for status, count in statuses.items():
                    add(name, f"{kind}.{status}", count)
        elif name == "plan.readiness_at_approval":
            if value is not None:
                add(name + ".ready", "", "yes" if value["ready"] else "no")
        elif isinstance(value, dict):
            for key, count in value.items():
                add(name, key, count)
        else:
            add(name, "", value)
    return rows


def to_csv(report: Report) -> str:
    """The shareable figures, one row per number, with HTCDS column names; no cell reads as a formula
    (`haven.core.spreadsheets.safe_cell`)."""
    if report.audience is not Audience.SHAREABLE:
        raise ValidationFailed(
            [Problem("format", "the CSV export holds the shareable figures only: use audience=shareable")],
            what="report",
        )
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=CSV_COLUMNS, lineterminator="\n")
    writer.writeheader()
    # every cell through one neutraliser: a release reason such as =HYPERLINK(…) stays text
    writer.writerows({column: safe_cell(cell) for column, cell in row.items()} for row in _csv_rows(report))
    return buffer.getvalue()
