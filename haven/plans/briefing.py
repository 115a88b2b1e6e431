"""The need-to-know briefings: what each agency receives of a plan, as a document model and as Markdown.

Two audiences (E-Guide 3.2): victim service providers receive the *service briefing*, which holds only what
a provider needs to prepare (a date range rather than times, how many persons and who, the staging location
and their own call window, their tasks, the points of contact), and never a site, a time of day of the action,
a holding area for suspects, legal notes or investigative responsibilities. The investigative agencies on
`distribution.full_plan` receive the *full plan*, laid out like an operations plan.

Both are built as a `Briefing` (sections of paragraphs, labelled fields, lists and tables), which
`render_markdown` here and `render_pdf` (in `briefing_pdf`) turn into documents: what is not in the model
cannot leak into either.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Final, Literal

from haven.core.languages import language_label
from haven.core.markdown import markdown_text
from haven.core.markings import EXERCISE_MARKING
from haven.plans.addresses import normalise_address
from haven.plans.formats import (
    INVESTIGATIVE_TYPES,
    Agency,
    Anticipated,
    Plan,
)
from haven.plans.wording import POPULATION_LABELS

SERVICE_MARKING: Final = "SERVICE BRIEFING — NEED TO KNOW"
FULL_MARKING: Final = "LAW ENFORCEMENT SENSITIVE — FULL PLAN"

Audience = Literal["service", "full"]

# -- the document model -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Paragraph:
    text: str


@dataclass(frozen=True, slots=True)
class Fields:
    """Labelled values, one per line (`Staging location: Harbor Center, 12 Elm St`)."""

    items: tuple[tuple[str, str], ...]


@dataclass(frozen=True, slots=True)
class Bullets:
    items: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Table:
    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    #: Relative column widths for print; equal when empty.
    widths: tuple[float, ...] = ()


Block = Paragraph | Fields | Bullets | Table


@dataclass(frozen=True, slots=True)
class Section:
    heading: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class ReadinessNote:
    """What a briefing shows of a readiness report: the verdict and, for the full plan, each rule's line."""

    ready: bool
    results: tuple[tuple[str, str, str], ...] = ()  # (rule, status, message)


@dataclass(frozen=True, slots=True)
class Briefing:
    audience: Audience
    title: str
    subtitle: str
    marking: str
    exercise: bool
    sections: tuple[Section, ...] = field(default_factory=tuple)

    def texts(self) -> Iterator[str]:
        """Every piece of text the briefing holds (what a renderer may print, and nothing else)."""
        yield from (self.title, self.subtitle, self.marking)
        if self.exercise:
            yield EXERCISE_MARKING
        for section in self.sections:
            yield section.heading
            for block in section.blocks:
                if isinstance(block, Paragraph):
                    yield block.text
                elif isinstance(block, Fields):
                    for label, value in block.items:
                        yield from (label, value)
                elif isinstance(block, Bullets):
                    yield from block.items
                else:
                    yield block.caption
                    yield from block.columns
                    for row in block.rows:
                        yield from row


# -- wording ------------------------------------------------------------------------------------------------


def _offset(moment: datetime) -> str:
    text = moment.isoformat()
    return "UTC" if text.endswith("+00:00") else f"UTC{text[-6:]}"


def format_moment(moment: datetime | None) -> str:
    """`2026-12-03 07:00 (UTC-05:00)`; seconds only when there are some."""
    if moment is None:
        return "not set"
    clock = "%H:%M:%S" if moment.second or moment.microsecond else "%H:%M"
    return f"{moment.strftime('%Y-%m-%d ' + clock)} ({_offset(moment)})"


def date_range(start: datetime, end: datetime) -> str:
    """The dates of two timestamps, each in its own offset: `2026-12-03`, or `2026-12-03 to 2026-12-04`."""
    first, last = start.date(), end.date()
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _text(value: str | None, absent: str = "not set") -> str:
    return value if value else absent


def _flag(value: bool | None) -> str:
    return {True: "yes", False: "no", None: "not stated"}[value]


def _populations(tags: Iterable[str]) -> str:
    labels = [f"{POPULATION_LABELS.get(tag, tag)} ({tag})" for tag in tags]
    return ", ".join(labels) if labels else "none stated"


def _languages(codes: Iterable[str]) -> str:
    labels = [language_label(code) for code in codes]
    return ", ".join(labels) if labels else "none"


def _expected_languages(anticipated: Anticipated | None) -> str:
    """The languages expected besides English; never "none" when the plan does not say."""
    if anticipated is None or anticipated.languages is None:
        return "not stated"
    codes = anticipated.languages_besides_english
    return _languages(codes) if codes else "none (English only)"


def _minors_expected(populations: Iterable[str]) -> str:
    stated = set(populations)
    if "minor" in stated:
        return "yes"
    return "no" if "adult" in stated else "not stated"


def _date(value: date | None) -> str:
    return value.isoformat() if value else "not set"


def _agency_label(plan: Plan, agency_id: str | None) -> str:
    if not agency_id:
        return "not set"
    agency = plan.agency(agency_id)
    return f"{agency.name} ({agency_id})" if agency else agency_id


def _agency_names(plan: Plan, agency_ids: Iterable[str]) -> str:
    labels = [_agency_label(plan, agency_id) for agency_id in agency_ids]
    return ", ".join(labels) if labels else "none"


def _contact_row(role: str, agency: Agency) -> tuple[str, ...]:
    contact = agency.contact
    return (
        role,
        agency.name,
        _text(contact.name if contact else None, "—"),
        _text(contact.phone if contact else None, "—"),
        _text(contact.email if contact else None, "—"),
        _text(contact.radio if contact else None, "—"),
    )


_CONTACT_COLUMNS: Final = ("Role", "Agency", "Name", "Phone", "Email", "Radio")
_CONTACT_WIDTHS: Final = (1.1, 1.9, 1.4, 1.1, 1.6, 0.8)


def _readiness_line(ready: bool) -> str:
    return "ready — every readiness rule passes or does not apply" if ready else "not ready"


# -- the service briefing -----------------------------------------------------------------------------------


def _names_a_site(plan: Plan, *texts: str | None) -> bool:
    """Whether any of the texts holds a site's name or address (compared as readiness compares
    addresses: case, punctuation and spacing aside)."""
    site_texts = {normalise_address(t) for site in plan.sites for t in (site.name, site.address) if t}
    site_texts.discard("")
    for text in texts:
        said = f" {normalise_address(text or '')} "
        if any(f" {site} " in said for site in site_texts):
            return True
    return False


def service_briefing(plan: Plan, *, exercise: bool = False, ready: bool | None = None) -> Briefing:
    """What a victim service provider receives before the action, and nothing more (E-Guide 3.2)."""
    operation = plan.operation
    anticipated = plan.anticipated
    services = plan.victim_services
    information = plan.victim_information

    overview: list[tuple[str, str]] = [
        ("Operation", operation.name),
        ("Dates", date_range(operation.starts_at, operation.ends_at)),
    ]
    if ready is not None:
        overview.append(("Plan readiness", _readiness_line(ready)))

    persons = anticipated.persons if anticipated else None
    populations = anticipated.populations if anticipated else ()
    expected = Fields(
        (
            ("Persons anticipated", "not known" if persons is None else str(persons)),
            ("Populations", _populations(populations)),
            ("Minors expected", _minors_expected(populations)),
            ("Languages besides English", _expected_languages(anticipated)),
        )
    )

    staging = services.staging if services else None
    staging_place = ", ".join(part for part in (staging.name, staging.address) if part) if staging else ""
    if staging and _names_a_site(plan, staging.name, staging.address):
        # a plan failing services.off-site: the briefing still never holds a site's name or address
        staging_place = "withheld: it names an enforcement site (readiness rule services.off-site)"
    readiness_window = Fields(
        (
            ("Staging location", staging_place or "not set"),
            ("Private space", _flag(staging.private_space if staging else None)),
            ("Be ready from", format_moment(services.available_from if services else None)),
            ("Available until", format_moment(services.available_until if services else None)),
        )
    )

    tasks: list[Block] = [
        Fields(
            (
                (
                    "Needs assessment by",
                    _agency_label(plan, services.needs_assessment_by if services else None),
                ),
                ("Needs to assess", ", ".join(services.information_needs) if services else "not set"),
                (
                    "Victims' questions answered by",
                    _agency_label(plan, information.questions_answered_by if information else None),
                ),
            )
        )
    ]
    materials = information.materials if information else ()
    if materials:
        tasks.append(
            Table(
                ("Information material", "Languages"),
                tuple(
                    (_text(material.title, "untitled"), _languages(material.languages))
                    for material in materials
                ),
                caption="Information materials to hand to victims",
                widths=(2.0, 2.0),
            )
        )
    else:
        tasks.append(Paragraph("No information materials are listed."))

    rows: list[tuple[str, ...]] = []
    coordinator = plan.agency(plan.communications.coordinator if plan.communications else None)
    if coordinator is not None:
        rows.append(_contact_row("Coordinator", coordinator))
    rows.extend(
        _contact_row("Service agency", agency)
        for agency in plan.agencies
        if agency.type not in INVESTIGATIVE_TYPES and agency is not coordinator
    )

    sections = (
        Section("1. Operation", (Fields(tuple(overview)),)),
        Section("2. Persons anticipated", (expected,)),
        Section(
            "3. Staging and call window",
            (
                readiness_window,
                Paragraph(
                    "The call window is when providers must be ready to receive potential victims; "
                    "it is not the time of the action."
                ),
            ),
        ),
        Section("4. Provider tasks", tuple(tasks)),
        Section(
            "5. Points of contact",
            (Table(_CONTACT_COLUMNS, tuple(rows), widths=_CONTACT_WIDTHS),)
            if rows
            else (Paragraph("No points of contact are listed."),),
        ),
    )
    return Briefing(
        audience="service",
        title=f"{operation.name} — Service briefing",
        subtitle=f"For victim service providers · {date_range(operation.starts_at, operation.ends_at)}",
        marking=SERVICE_MARKING,
        exercise=exercise,
        sections=sections,
    )


# -- the full plan ------------------------------------------------------------------------------------------


def _table_or(
    columns: tuple[str, ...],
    rows: Iterable[tuple[str, ...]],
    empty: str,
    *,
    caption: str = "",
    widths: tuple[float, ...] = (),
) -> Block:
    materialised = tuple(rows)
    if not materialised:
        return Paragraph(empty)
    return Table(columns, materialised, caption=caption, widths=widths)


def full_briefing(plan: Plan, *, exercise: bool = False, readiness: ReadinessNote | None = None) -> Briefing:
    """The whole plan, laid out like an operations plan, for the agencies on `distribution.full_plan`."""
    op = plan.operation
    comms = plan.communications
    anticipated = plan.anticipated
    services = plan.victim_services
    lead = plan.agency(op.lead_agency)

    situation: list[tuple[str, str]] = [
        ("Operation", f"{op.name} ({op.code})"),
        ("Kind", op.kind.value),
        ("Starts", format_moment(op.starts_at)),
        ("Ends", format_moment(op.ends_at)),
    ]
    if readiness is not None:
        situation.append(("Plan readiness", _readiness_line(readiness.ready)))

    command = Fields(
        (
            (
                "Lead agency",
                f"{_agency_label(plan, op.lead_agency)}, {lead.type.value}" if lead else op.lead_agency,
            ),
            ("Communications coordinator", _agency_label(plan, comms.coordinator if comms else None)),
            ("Command post", _text(comms.command_post if comms else None)),
        )
    )

    ics205 = _table_or(
        ("Channel", "Kind", "Assignment (parties)"),
        (
            (_text(channel.name, "unnamed"), channel.kind.value, _agency_names(plan, channel.parties))
            for channel in (comms.channels if comms else ())
        ),
        "No communication channels are listed.",
        caption="ICS 205 — Incident radio and communications plan",
        widths=(1.2, 1.0, 4.0),
    )
    ics205a = _table_or(
        ("Agency", "Name", "Phone", "Email", "Radio"),
        (_contact_row("", agency)[1:] for agency in plan.agencies),
        "No points of contact are listed.",
        caption="ICS 205A — Communications list",
        widths=(1.9, 1.4, 1.1, 1.6, 0.8),
    )

    agencies = Table(
        ("Agency", "Type", "Responsibilities"),
        tuple(
            (
                f"{agency.name} ({agency.id})",
                agency.type.value,
                "; ".join(agency.responsibilities) or "none listed",
            )
            for agency in plan.agencies
        ),
        widths=(2.0, 1.5, 2.7),
    )

    sites = _table_or(
        ("Id", "Name", "Address", "Kind"),
        ((site.id, _text(site.name, "—"), _text(site.address, "—"), site.kind.value) for site in plan.sites),
        "No enforcement sites are listed.",
        widths=(1.1, 1.8, 2.3, 0.9),
    )

    persons = anticipated.persons if anticipated else None
    expected = Fields(
        (
            ("Persons anticipated", "not known" if persons is None else str(persons)),
            ("Populations", _populations(anticipated.populations if anticipated else ())),
            ("Languages besides English", _expected_languages(anticipated)),
        )
    )

    service_blocks: list[Block] = []
    if services is None:
        service_blocks.append(Paragraph("The plan has no victim services section."))
    else:
        staging = services.staging
        service_blocks.append(
            Fields(
                (
                    ("Providers", _agency_names(plan, services.providers)),
                    (
                        "Staging",
                        ", ".join(p for p in (staging.name, staging.address) if p) if staging else "not set",
                    ),
                    ("Private space", _flag(staging.private_space if staging else None)),
                    ("Available from", format_moment(services.available_from)),
                    ("Available until", format_moment(services.available_until)),
                    ("Needs assessment by", _agency_label(plan, services.needs_assessment_by)),
                    ("Needs to assess", ", ".join(services.information_needs) or "not set"),
                )
            )
        )
        service_blocks.append(
            _table_or(
                ("Agency notified", "Notified at", "Acknowledged at"),
                (
                    (_agency_label(plan, n.agency), format_moment(n.at), format_moment(n.acknowledged_at))
                    for n in services.notifications
                ),
                "No notifications are recorded.",
                caption="Advance notice",
                widths=(2.2, 1.5, 1.5),
            )
        )

    resources = _table_or(
        ("Agency", "Kind", "Serves", "Capacity", "Languages"),
        (
            (
                _agency_label(plan, resource.agency),
                resource.kind.value,
                ", ".join(resource.serves) or "all",
                "—" if resource.capacity is None else str(resource.capacity),
                ", ".join(resource.languages) or "—",
            )
            for resource in plan.resources
        ),
        "No resources are listed.",
        widths=(2.2, 1.3, 1.6, 0.8, 1.0),
    )

    interviews: tuple[Block, ...] = (
        _table_or(
            ("Id", "Location", "Address", "Setting", "Private rooms"),
            (
                (
                    loc.id,
                    _text(loc.name, "—"),
                    _text(loc.address, "—"),
                    loc.setting.value,
                    "—" if loc.private_rooms is None else str(loc.private_rooms),
                )
                for loc in plan.interview_locations
            ),
            "No interview locations are listed.",
            caption="Interview locations",
            widths=(1.0, 2.0, 1.6, 1.0, 0.8),
        ),
        _table_or(
            ("Population", "Conducted by", "Agency"),
            (
                (i.population.value, i.conducted_by.value, _agency_label(plan, i.agency))
                for i in plan.interviews
            ),
            "No interviewers are assigned.",
            caption="Who interviews whom",
            widths=(1.2, 1.5, 2.5),
        ),
    )

    separation = plan.separation
    separation_blocks: tuple[Block, ...] = (
        (
            _table_or(
                ("Id", "Area", "Holds", "Location"),
                (
                    (area.id, _text(area.name, "—"), area.holds.value, _text(area.location, "—"))
                    for area in separation.areas
                ),
                "No separation areas are listed.",
                widths=(1.3, 2.0, 1.3, 1.6),
            ),
            Fields((("Separate transport", _flag(separation.transport_separate)),)),
        )
        if separation
        else (Paragraph("The plan has no separation section."),)
    )

    legal = _table_or(
        ("Population", "Reviewed by", "Notes"),
        (
            (entry.population.value, _agency_label(plan, entry.reviewed_by), _text(entry.notes, "—"))
            for entry in plan.legal_authorities
        ),
        "No legal authorities are recorded.",
        widths=(1.2, 1.8, 3.2),
    )

    relief = plan.immigration_relief
    relief_block = Fields(
        (
            (
                "Continued Presence requested by",
                _agency_label(plan, relief.continued_presence_by if relief else None),
            ),
            ("Immigration legal services", _agency_label(plan, relief.legal_services if relief else None)),
        )
    )

    information = plan.victim_information
    information_blocks: tuple[Block, ...] = (
        _table_or(
            ("Material", "Languages"),
            (
                (_text(m.title, "untitled"), _languages(m.languages))
                for m in (information.materials if information else ())
            ),
            "No information materials are listed.",
            widths=(2.5, 2.5),
        ),
        Fields(
            (
                (
                    "Victims' questions answered by",
                    _agency_label(plan, information.questions_answered_by if information else None),
                ),
            )
        ),
    )

    mou = plan.mou
    mou_block: Block = (
        Fields(
            (
                ("Title", _text(mou.title)),
                ("Signed on", _date(mou.signed_on)),
                ("Expires on", _date(mou.expires_on) if mou.expires_on else "no expiry stated"),
                ("Parties", _agency_names(plan, mou.parties)),
                ("Covers", ", ".join(mou.covers) or "not stated"),
            )
        )
        if mou
        else Paragraph("The plan has no MOU section.")
    )

    distribution = plan.distribution
    distribution_block = Fields(
        (
            ("Full plan", _agency_names(plan, distribution.full_plan if distribution else ())),
            ("Service briefing", _agency_names(plan, distribution.service_briefing if distribution else ())),
        )
    )

    sections = [
        Section("1. Situation and operation", (Fields(tuple(situation)),)),
        Section("2. Command and lead agency", (command,)),
        Section("3. Communications plan", (ics205,)),
        Section("4. Points of contact", (ics205a,)),
        Section("5. Agencies and responsibilities", (agencies,)),
        Section("6. Enforcement sites", (sites,)),
        Section("7. Anticipated persons", (expected,)),
        Section("8. Victim services", tuple(service_blocks)),
        Section("9. Resources for victims' needs", (resources,)),
        Section("10. Interviews and interview locations", interviews),
        Section("11. Separation of potential victims and suspects", separation_blocks),
        Section("12. Legal authorities", (legal,)),
        Section("13. Immigration relief", (relief_block,)),
        Section("14. Information for victims", information_blocks),
        Section("15. Memorandum of understanding", (mou_block,)),
        Section("16. Distribution", (distribution_block,)),
    ]
    if readiness is not None and readiness.results:
        sections.append(
            Section(
                "17. Readiness",
                (
                    Table(
                        ("Rule", "Status", "Finding"),
                        tuple(
                            (rule, status.replace("_", " "), message)
                            for rule, status, message in readiness.results
                        ),
                        widths=(1.8, 0.9, 3.5),
                    ),
                ),
            )
        )
    return Briefing(
        audience="full",
        title=f"{op.name} — Operations plan",
        subtitle=f"{op.code} · {format_moment(op.starts_at)} to {format_moment(op.ends_at)}",
        marking=FULL_MARKING,
        exercise=exercise,
        sections=tuple(sections),
    )


# -- Markdown -----------------------------------------------------------------------------------------------


def _md(text: str, *, starts_line: bool = False) -> str:
    """Text of the plan as Markdown that renders as that text (`haven.core.markdown`)."""
    return markdown_text(text, starts_line=starts_line)


def render_markdown(briefing: Briefing) -> str:
    """The briefing as Markdown: a title block with its marking, then each section."""
    lines = [f"# {_md(briefing.title)}", "", f"**{_md(briefing.marking)}**", ""]
    if briefing.exercise:
        lines += [
            f"> **{EXERCISE_MARKING}** — this briefing belongs to an exercise; every name in it is invented.",
            "",
        ]
    lines += [f"_{_md(briefing.subtitle)}_", ""]
    for section in briefing.sections:
        lines += [f"## {_md(section.heading)}", ""]
        for block in section.blocks:
            if isinstance(block, Paragraph):
                lines += [_md(block.text, starts_line=True), ""]
            elif isinstance(block, Fields):
                lines += [f"- **{_md(label)}:** {_md(value)}" for label, value in block.items]
                lines.append("")
            elif isinstance(block, Bullets):
                lines += [f"- {_md(item)}" for item in block.items]
                lines.append("")
            else:
                if block.caption:
                    lines += [f"**{_md(block.caption)}**", ""]
                lines.append("| " + " | ".join(_md(column) for column in block.columns) + " |")
                lines.append("|" + "|".join("---" for _ in block.columns) + "|")
                lines += ["| " + " | ".join(_md(cell) or " " for cell in row) + " |" for row in block.rows]
                lines.append("")
    lines += ["---", "", f"_{_md(briefing.marking)}_"]
    if briefing.exercise:
        lines[-1] += f" · _{EXERCISE_MARKING}_"
    return "\n".join(lines) + "\n"


def render_pdf(briefing: Briefing, *, compress: bool = True) -> bytes:
    """The briefing as PDF (see `haven.plans.briefing_pdf`; reportlab is imported only when needed)."""
    from haven.plans.briefing_pdf import render_pdf as render  # noqa: PLC0415 - keeps reportlab off imports

    return render(briefing, compress=compress)
