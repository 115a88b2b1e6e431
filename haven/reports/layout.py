"""The report as sections of tables, the same for the page, the Markdown and the PDF: pure.

Every row names the JSON figure it shows (`names`), so a reader can find a number in the data file.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, tzinfo
from typing import TYPE_CHECKING, Any

from haven.core.clock import clock_stamp, zone_label
from haven.reports.figures import Scope

if TYPE_CHECKING:
    from haven.reports.services import Report

NO_DATA = "—"

KEY_LABELS = {
    "female": "Female",
    "male": "Male",
    "adult": "Adult",
    "minor": "Minor",
    "us_citizen": "US citizen",
    "foreign_national": "Foreign national",
    "gender": "Gender not recorded",
    "age": "Age (adult or minor) not recorded",
    "citizenship": "Citizenship not recorded",
    "potential_victim": "Potential victim",
    "suspect": "Suspect",
    "witness": "Witness",
    "undetermined": "Undetermined",
    "medical": "Medical",
    "shelter": "Shelter",
    "food": "Food",
    "safety": "Safety",
    "language": "Language",
    "clothing": "Clothing",
    "interpreter": "Interpreter",
    "child_welfare": "Child welfare",
    "transportation": "Transportation",
    "counseling": "Counseling",
    "immigration_legal": "Immigration legal",
    "childcare": "Childcare",
    "investigator": "Investigator",
    "prosecutor": "Prosecutor",
    "forensic_interviewer": "Forensic interviewer",
    "released": "Released",
    "transferred": "Transferred",
}


def label(key: str) -> str:
    return KEY_LABELS.get(key, key)


@dataclass(frozen=True)
class Block:
    """One table: an optional caption, its column headings, its rows, and the figure each row shows."""

    caption: str
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    names: tuple[str, ...] = ()
    widths: tuple[float, ...] = ()  # relative column widths, where the default split does not fit


@dataclass(frozen=True)
class Section:
    key: str
    title: str
    blocks: tuple[Block, ...]
    note: str = ""


def show(value: Any, unit: str = "") -> str:
    """A figure as text: a number (with its unit), a marker ("fewer than 5", "withheld", "not shown"), or —
    for none."""
    if value is None:
        return NO_DATA
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int):
        return f"{value} {unit}".strip()
    if isinstance(value, datetime):
        return clock_stamp(value, 0)
    return str(value)


def _rows(figures: dict[str, Any], items: Sequence[tuple[str, str]], unit: str = "") -> Block:
    present = [(text, name) for text, name in items if name in figures]
    return Block(
        "",
        ("Figure", "Value"),
        tuple((text, show(figures[name], unit)) for text, name in present),
        tuple(name for _, name in present),
    )


def _breakdown(figures: dict[str, Any], name: str, caption: str, heading: str, unit: str = "") -> Block:
    counts: dict[str, Any] = figures.get(name) or {}
    return Block(
        caption,
        (heading, "Count"),
        tuple((label(key), show(value, unit)) for key, value in counts.items()),
        tuple(f"{name}.{key}" for key in counts),
    )


def _services(figures: dict[str, Any]) -> Block:
    by_kind: dict[str, dict[str, Any]] = figures.get("services.by_kind") or {}
    return Block(
        "Services by kind (persons)",
        ("Kind", "Provided", "Referred"),
        tuple((label(kind), show(v["provided"]), show(v["referred"])) for kind, v in by_kind.items()),
        tuple(f"services.by_kind.{kind}" for kind in by_kind),
    )


def _needs(figures: dict[str, Any], clients: bool) -> Section:
    scalars = [("Persons whose needs were assessed", "needs.assessed")]
    if clients:
        scalars.insert(0, ("Your agency's clients (needs or services recorded)", "persons.clients"))
    return Section(
        "needs",
        "Needs and services",
        (
            _rows(figures, scalars),
            _breakdown(figures, "needs.urgent_by_domain", "Urgent needs by domain (persons)", "Domain"),
            _services(figures),
        ),
    )


def _waits(figures: dict[str, Any], limit: int) -> Section:
    measures = ("minutes_to_provider_contact", "minutes_to_interview")
    lines = (
        ("Reached", "count", ""),
        ("Not (yet) reached", "not_reached", ""),
        ("Median", "median", "min"),
        ("90th percentile", "p90", "min"),
        ("Longest", "max", "min"),
        (f"Over the limit ({limit} min)", "over_limit", ""),
        ("Within the limit", "within_limit", ""),
    )
    return Section(
        "waits",
        "Potential victims: the wait for a provider and for an interview",
        (
            Block(
                "Minutes from the encounter (nearest-rank percentiles)",
                ("Figure", "To first provider contact", "To first interview"),
                tuple(
                    (text, *(show(figures.get(f"{m}.{key}"), unit) for m in measures))
                    for text, key, unit in lines
                ),
                tuple(f"minutes_to_*.{key}" for _, key, _ in lines),
            ),
        ),
        note="The readiness policy sets no limit on the wait for an interview: care comes first.",
    )


def _persons(figures: dict[str, Any]) -> Section:
    blocks = [
        _rows(
            figures,
            [
                ("Persons encountered", "persons.encountered"),
                ("Released", "persons.released"),
                ("Transferred", "persons.transferred"),
                ("No outcome recorded", "persons.no_outcome_recorded"),
            ],
        ),
        _breakdown(figures, "persons.by_tag", "By population tag", "Tag"),
        _breakdown(figures, "persons.tags_not_recorded", "Tags not recorded", "Dimension"),
        _breakdown(figures, "persons.by_designation", "By current designation", "Designation"),
    ]
    for outcome in ("released", "transferred"):
        name = f"persons.{outcome}.reasons"
        if figures.get(name):
            reasons: dict[str, Any] = figures[name]
            blocks.append(
                Block(
                    f"Reasons: {outcome}",
                    ("Reason", "Count"),
                    tuple((reason, show(n)) for reason, n in reasons.items()),
                    tuple(name for _ in reasons),
                )
            )
    return Section("persons", "People encountered", tuple(blocks))


def _interviews(figures: dict[str, Any]) -> Section:
    return Section(
        "interviews",
        "Interviews",
        (
            _rows(
                figures,
                [
                    ("Interviews held or scheduled", "interviews.total"),
                    ("With an interpreter", "interviews.with_interpreter"),
                    ("Without an interpreter", "interviews.without_interpreter"),
                    ("In a nondetention setting", "interviews.nondetention"),
                    ("In another setting", "interviews.other_setting"),
                    ("Of persons who stated a gender preference", "interviews.gender_preference_stated"),
                    ("… preference honoured", "interviews.gender_preference_honoured"),
                    ("… preference not honoured", "interviews.gender_preference_not_honoured"),
                    ("Of minors", "interviews.of_minors"),
                    ("… by a forensic interviewer", "interviews.of_minors_by_forensic_interviewer"),
                    ("… by another interviewer", "interviews.of_minors_by_other_role"),
                    ("Minors, and persons whose age is not recorded", "minors.treated_as_minor"),
                    ("… child welfare notified", "minors.child_welfare_notified"),
                    ("… child welfare not notified", "minors.child_welfare_not_notified"),
                ],
            ),
            _breakdown(figures, "interviews.by_role", "By interviewer role", "Role"),
        ),
    )


def _safety(figures: dict[str, Any]) -> Section:
    return Section(
        "safety",
        "Separation and imminent danger",
        (
            _rows(
                figures,
                [
                    ("Separation alerts raised", "separation_alerts.raised"),
                    ("… cleared", "separation_alerts.cleared"),
                    ("… still open", "separation_alerts.open"),
                ],
            ),
            _rows(
                figures,
                [
                    ("Alert open for, median", "separation_alerts.open_minutes.median"),
                    ("Alert open for, longest", "separation_alerts.open_minutes.max"),
                ],
                "min",
            ),
            _rows(
                figures,
                [
                    ("Imminent-danger flags", "danger.flags"),
                    ("… responded to", "danger.responded"),
                    ("… still open", "danger.open"),
                ],
            ),
            _rows(
                figures,
                [
                    ("Response time, median", "danger.response_minutes.median"),
                    ("Response time, longest", "danger.response_minutes.max"),
                ],
                "min",
            ),
        ),
    )


def _relief(figures: dict[str, Any]) -> Section:
    kinds = (
        ("Continued Presence", "continued_presence", "granted", "denied"),
        ("T-visa certification", "t_visa", "signed", "declined"),
        ("U-visa certification", "u_visa", "signed", "declined"),
    )
    return Section(
        "relief",
        "Immigration relief (persons)",
        (
            Block(
                "",
                ("Relief", "Requested", "Granted or signed", "Denied or declined", "Pending"),
                tuple(
                    (
                        text,
                        show(figures[f"relief.{kind}.requested"]),
                        show(figures[f"relief.{kind}.{yes}"]),
                        show(figures[f"relief.{kind}.{no}"]),
                        show(figures[f"relief.{kind}.pending"]),
                    )
                    for text, kind, yes, no in kinds
                ),
                tuple(f"relief.{kind}" for _, kind, _, _ in kinds),
            ),
        ),
    )


def _consents(figures: dict[str, Any]) -> Section:
    """The consents the agency's users recorded (a provider's own records), counts only."""
    rows = [("Recorded", "consents.recorded"), ("Revoked", "consents.revoked")]
    rows += [("Expired", "consents.expired"), ("Active", "consents.active")]
    return Section("consents", "Consents your agency recorded (counts only)", (_rows(figures, rows),))


def _plan(figures: dict[str, Any], internal: bool, where: tzinfo) -> Section:
    approval = figures.get("plan.readiness_at_approval")
    rows: list[tuple[str, str]] = []
    if approval is None:
        rows.append(("Approved", "no"))
    else:
        rows.append((f"Ready when version {approval['version']} was approved", show(approval["ready"])))
        rows.append(("Readiness rules failing then", ", ".join(approval["failing_rules"]) or "none"))
    amended = figures["plan.amendments_after_start"]
    # null for a reader off the full plan's distribution: its history is not theirs to read
    shown = "not shown: the full plan's history" if amended is None else show(amended)
    rows.append(("Amendments after the action started", shown))
    blocks = [
        Block(
            "",
            ("Figure", "Value"),
            tuple(rows),
            ("plan.readiness_at_approval",) * (len(rows) - 1) + ("plan.amendments_after_start",),
        )
    ]
    amendments = figures.get("plan.amendments_after_start.each") or []
    if internal and amendments:
        blocks.append(
            Block(
                "Amendments",
                ("Version", "By", f"When ({zone_label(where)})", "Sections"),
                tuple(
                    (
                        str(a["version"]),
                        a["author"] or NO_DATA,
                        clock(a["at"], where),
                        ", ".join(a["sections"]) or NO_DATA,
                    )
                    for a in amendments
                ),
                tuple("plan.amendments_after_start.each" for _ in amendments),
            )
        )
    return Section("plan", "The plan", tuple(blocks))


def clock(value: datetime | None, where: tzinfo) -> str:
    """A moment of the action, short: day, month and time on the operation's clock (said once, in the
    table's caption)."""
    return NO_DATA if value is None else f"{value.astimezone(where):%d %b %H:%M}"


def timeline_block(report: Report) -> Block:
    return Block(
        "Encounter → first provider contact → first interview "
        f"(times {zone_label(report.zone)}, minutes from the encounter)",
        ("Person", "Designation", "Encountered", "Provider contact", "Min", "Interview", "Min", "Outcome"),
        tuple(
            (
                row.code,
                label(row.designation),
                clock(row.encountered_at, report.zone),
                clock(row.provider_contact_at, report.zone),
                show(row.minutes_to_provider_contact),
                clock(row.interview_at, report.zone),
                show(row.minutes_to_interview),
                label(row.outcome) if row.outcome else NO_DATA,
            )
            for row in report.timeline
        ),
        tuple("timeline" for _ in report.timeline),
        widths=(0.8, 1.3, 1.15, 1.15, 0.5, 1.15, 0.5, 1.0),
    )


def sections(report: Report) -> list[Section]:
    """The report's sections, for its scope and audience."""
    figures = report.figures
    if report.scope is Scope.SERVICE_AGENCY:
        return [_needs(figures, clients=True), _consents(figures)]
    found = [
        _persons(figures),
        _waits(figures, report.limit_minutes),
        _needs(figures, clients=False),
        _interviews(figures),
        _safety(figures),
        _relief(figures),
        _plan(figures, report.internal, report.zone),
    ]
    if report.internal and report.timeline:
        found.append(Section("timeline", "Timeline by person", (timeline_block(report),)))
    return found
