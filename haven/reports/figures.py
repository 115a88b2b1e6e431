"""Every after-action figure of one operation, computed from plain facts: pure, no ORM, no request.

The facts (`ReportInput`) come from `haven.reports.selectors`; the result (`Figures`) holds the exact
figures under the names of `docs/formats/after-action.md`, and says which of them count people or events
(`counted`), which sums hold between them (`tables`, so that suppression can keep a hidden count from
being worked out by subtraction), which are statistics of a group (`statistics`), and which only the
task force's coordinators may read (`internal_only`).

Minutes are whole minutes, rounded down. Percentiles use the nearest-rank method: the p-th percentile
of n values sorted ascending is the value at rank ⌈p·n/100⌉ (1-based), so it is always one of the values;
the median is the 50th percentile by the same rule.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from enum import StrEnum
from typing import Any

from haven.encounters.rules import treated_as_minor

Path = tuple[str, ...]


class Scope(StrEnum):
    """Whose figures a report holds: the task force's, or one service agency's own clients'."""

    TASK_FORCE = "task_force"
    SERVICE_AGENCY = "service_agency"


# --- the facts ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Vocabulary:
    """The values each breakdown lists, even when nobody has them (a stable shape for every report)."""

    tags: tuple[str, ...]
    designations: tuple[str, ...]
    urgent_domains: tuple[str, ...]
    service_kinds: tuple[str, ...]
    interviewer_roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class PersonFacts:
    code: str
    encountered_at: datetime
    tags: frozenset[str] = frozenset()
    designation: str = "undetermined"
    outcome: str = ""
    outcome_reason: str = ""
    interviewer_gender: str = ""  # the preference still stated ("" when none or withdrawn)
    child_welfare_at: datetime | None = None  # when child welfare was notified of this minor


@dataclass(frozen=True, slots=True)
class NeedsFacts:
    person: str
    at: datetime
    by_provider: bool
    urgent: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class InformationFacts:
    person: str
    at: datetime
    by_provider: bool


@dataclass(frozen=True, slots=True)
class ServiceRecordFacts:
    person: str
    at: datetime
    by_provider: bool
    kind: str  # safety_plan, service, case_note, contact
    service_kind: str = ""
    service_status: str = ""


@dataclass(frozen=True, slots=True)
class InterviewFacts:
    person: str
    starts_at: datetime
    role: str
    status: str  # scheduled, conducted, cancelled
    interpreter: bool = False
    nondetention: bool = True
    interviewer_gender: str = ""


@dataclass(frozen=True, slots=True)
class ReliefFacts:
    person: str
    kind: str  # continued_presence, t_visa, u_visa
    status: str
    at: datetime


@dataclass(frozen=True, slots=True)
class DangerFacts:
    person: str
    flagged_at: datetime
    responded_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertFacts:
    raised_at: datetime
    cleared_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ConsentFacts:
    given_on: date
    expires_on: date
    revoked: bool = False


@dataclass(frozen=True, slots=True)
class ApprovalFacts:
    version: int
    ready: bool
    failing_rules: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class AmendmentFacts:
    version: int
    author: str | None  # None when the reader may not know who wrote the plan
    at: datetime
    sections: tuple[str, ...] = ()


@dataclass(frozen=True)
class ReportInput:
    """Everything a report is computed from, for one operation and one scope."""

    scope: Scope
    now: datetime
    limit_minutes: int
    vocabulary: Vocabulary
    persons: Sequence[PersonFacts] = ()
    needs: Sequence[NeedsFacts] = ()
    information: Sequence[InformationFacts] = ()
    service_records: Sequence[ServiceRecordFacts] = ()
    interviews: Sequence[InterviewFacts] = ()
    relief: Sequence[ReliefFacts] = ()
    danger: Sequence[DangerFacts] = ()
    alerts: Sequence[AlertFacts] = ()
    consents: Sequence[ConsentFacts] = ()
    approval: ApprovalFacts | None = None
    plan_history: bool = False  # the reader is on the full plan's distribution
    amendments: Sequence[AmendmentFacts] = ()


# --- the figures ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Table:
    """A sum that holds between published figures: `total` = the sum of `cells`."""

    total: Path
    cells: tuple[Path, ...]


@dataclass(frozen=True, slots=True)
class TimelineRow:
    """One person's encounter → first provider contact → first interview (internal audience only)."""

    code: str
    designation: str
    encountered_at: datetime
    provider_contact_at: datetime | None
    minutes_to_provider_contact: int | None
    interview_at: datetime | None
    minutes_to_interview: int | None
    outcome: str


@dataclass
class Figures:
    """The exact figures, by name (a name maps to a value, or to a breakdown of values by key)."""

    scope: Scope
    values: dict[str, Any] = field(default_factory=dict)
    counted: list[Path] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    statistics: list[tuple[Path, Path]] = field(default_factory=list)  # (statistic, the count it describes)
    internal_only: list[str] = field(default_factory=list)
    timeline: list[TimelineRow] = field(default_factory=list)

    def get(self, path: Path) -> Any:
        value: Any = self.values[path[0]]
        for key in path[1:]:
            value = value[key]
        return value

    def count(self, name: str, value: int) -> Path:
        self.values[name] = value
        self.counted.append((name,))
        return (name,)

    def breakdown(self, name: str, counts: Mapping[str, int]) -> list[Path]:
        self.values[name] = dict(counts)
        paths: list[Path] = [(name, key) for key in counts]
        self.counted += paths
        return paths

    def table(self, total: Path, cells: Iterable[Path]) -> None:
        """Record a sum between figures, checking that it holds (a wrong sum would mislead suppression)."""
        cells = tuple(cells)
        if sum(self.get(c) for c in cells) != self.get(total):
            raise AssertionError(f"{total} is not the sum of {cells}")
        self.tables.append(Table(total, cells))


def nearest_rank(values: Sequence[int], percentile: int) -> int | None:
    """The p-th percentile by the nearest-rank method: the value at rank ⌈p·n/100⌉ of the sorted values."""
    if not values:
        return None
    ordered = sorted(values)
    rank = max(1, -(-percentile * len(ordered) // 100))
    return ordered[rank - 1]


def minutes_between(start: datetime, end: datetime) -> int:
    """Whole minutes from start to end, rounded down (never negative)."""
    return max(0, int((end - start).total_seconds() // 60))


# --- computing --------------------------------------------------------------------------------------

_CONTACT_RECORDS = ("service", "safety_plan")
_RELIEF_OUTCOMES = {
    "continued_presence": ("granted", "denied"),
    "t_visa": ("signed", "declined"),
    "u_visa": ("signed", "declined"),
}
_TAG_DIMENSIONS = {
    "gender": ("female", "male"),
    "age": ("adult", "minor"),
    "citizenship": ("us_citizen", "foreign_national"),
}


def compute(facts: ReportInput) -> Figures:
    """Every figure of the report for the facts' scope (see the module docstring for the rules)."""
    figures = Figures(scope=facts.scope)
    if facts.scope is Scope.SERVICE_AGENCY:
        clients = {n.person for n in facts.needs} | {s.person for s in facts.service_records}
        figures.count("persons.clients", len(clients))
        _needs_and_services(figures, facts)
        _consents(figures, facts)
        return figures
    _persons(figures, facts)
    first_contact = _first_provider_contact(facts)
    first_interview = _first_interview(facts)
    _waits(figures, facts, first_contact, first_interview)
    _needs_and_services(figures, facts)
    _interviews(figures, facts)
    _safety(figures, facts)
    _relief(figures, facts)
    _plan(figures, facts)
    figures.timeline = [
        TimelineRow(
            code=p.code,
            designation=p.designation,
            encountered_at=p.encountered_at,
            provider_contact_at=first_contact.get(p.code),
            minutes_to_provider_contact=_minutes_or_none(p.encountered_at, first_contact.get(p.code)),
            interview_at=first_interview.get(p.code),
            minutes_to_interview=_minutes_or_none(p.encountered_at, first_interview.get(p.code)),
            outcome=p.outcome,
        )
        for p in sorted(facts.persons, key=lambda p: p.code)
    ]
    return figures


def _minutes_or_none(start: datetime, end: datetime | None) -> int | None:
    return None if end is None else minutes_between(start, end)


def _persons(figures: Figures, facts: ReportInput) -> None:
    persons = facts.persons
    vocabulary = facts.vocabulary
    encountered = figures.count("persons.encountered", len(persons))
    figures.breakdown(
        "persons.by_tag", {tag: sum(1 for p in persons if tag in p.tags) for tag in vocabulary.tags}
    )
    figures.breakdown(
        "persons.tags_not_recorded",
        {
            dimension: sum(1 for p in persons if not (p.tags & set(tags)))
            for dimension, tags in _TAG_DIMENSIONS.items()
        },
    )
    for dimension, tags in _TAG_DIMENSIONS.items():
        # a person tagged with both values of a dimension breaks the sum: then there is no table to keep
        if all(len(p.tags & set(tags)) <= 1 for p in persons):
            cells: list[Path] = [("persons.by_tag", tag) for tag in tags]
            figures.table(encountered, [*cells, ("persons.tags_not_recorded", dimension)])
    designations = figures.breakdown(
        "persons.by_designation",
        {status: sum(1 for p in persons if p.designation == status) for status in vocabulary.designations},
    )
    figures.table(encountered, designations)
    outcome_cells = []
    for outcome in ("released", "transferred"):
        chosen = [p for p in persons if p.outcome == outcome]
        total = figures.count(f"persons.{outcome}", len(chosen))
        reasons = Counter(" ".join(p.outcome_reason.split()) or "(no reason recorded)" for p in chosen)
        reason_cells = figures.breakdown(f"persons.{outcome}.reasons", dict(sorted(reasons.items())))
        figures.table(total, reason_cells)
        outcome_cells.append(total)
    remaining = figures.count("persons.no_outcome_recorded", sum(1 for p in persons if not p.outcome))
    figures.table(encountered, [*outcome_cells, remaining])


def _first_provider_contact(facts: ReportInput) -> dict[str, datetime]:
    """Per person: the earliest needs, information, service or safety-plan record by a provider user."""
    moments: dict[str, datetime] = {}
    candidates: list[tuple[str, datetime]] = [(n.person, n.at) for n in facts.needs if n.by_provider]
    candidates += [(i.person, i.at) for i in facts.information if i.by_provider]
    candidates += [
        (s.person, s.at) for s in facts.service_records if s.by_provider and s.kind in _CONTACT_RECORDS
    ]
    for person, at in candidates:
        if person not in moments or at < moments[person]:
            moments[person] = at
    return moments


def _first_interview(facts: ReportInput) -> dict[str, datetime]:
    """Per person: the start of the earliest interview that was not cancelled."""
    moments: dict[str, datetime] = {}
    for interview in facts.interviews:
        if interview.status == "cancelled":
            continue
        if interview.person not in moments or interview.starts_at < moments[interview.person]:
            moments[interview.person] = interview.starts_at
    return moments


def _wait(
    figures: Figures,
    name: str,
    victims: Sequence[PersonFacts],
    reached: Mapping[str, datetime],
    limit: int | None,
) -> None:
    minutes = [minutes_between(p.encountered_at, reached[p.code]) for p in victims if p.code in reached]
    count = figures.count(f"{name}.count", len(minutes))
    not_reached = figures.count(f"{name}.not_reached", len(victims) - len(minutes))
    figures.table(("persons.by_designation", "potential_victim"), [count, not_reached])
    if limit is None:
        figures.values[f"{name}.over_limit"] = None
        figures.values[f"{name}.within_limit"] = None
    else:
        over = figures.count(f"{name}.over_limit", sum(1 for m in minutes if m > limit))
        within = figures.count(f"{name}.within_limit", sum(1 for m in minutes if m <= limit))
        figures.table(count, [over, within])
    figures.values[f"{name}.limit_minutes"] = limit
    for statistic, value in (
        ("median", nearest_rank(minutes, 50)),
        ("p90", nearest_rank(minutes, 90)),
        ("max", max(minutes, default=None)),
    ):
        figures.values[f"{name}.{statistic}"] = value
        figures.statistics.append(((f"{name}.{statistic}",), count))
    figures.values[f"{name}.each"] = sorted(minutes)
    figures.internal_only.append(f"{name}.each")


def _waits(
    figures: Figures, facts: ReportInput, contact: Mapping[str, datetime], interview: Mapping[str, datetime]
) -> None:
    victims = [p for p in facts.persons if p.designation == "potential_victim"]
    _wait(figures, "minutes_to_provider_contact", victims, contact, facts.limit_minutes)
    # the readiness policy sets no limit for the wait before an interview: care comes first
    _wait(figures, "minutes_to_interview", victims, interview, None)


def _needs_and_services(figures: Figures, facts: ReportInput) -> None:
    figures.count("needs.assessed", len({n.person for n in facts.needs}))
    figures.breakdown(
        "needs.urgent_by_domain",
        {
            domain: len({n.person for n in facts.needs if domain in n.urgent})
            for domain in facts.vocabulary.urgent_domains
        },
    )
    services = [s for s in facts.service_records if s.kind == "service"]
    by_kind = {
        kind: {
            status: len({s.person for s in services if s.service_kind == kind and s.service_status == status})
            for status in ("provided", "referred")
        }
        for kind in facts.vocabulary.service_kinds
    }
    figures.values["services.by_kind"] = by_kind
    figures.counted += [("services.by_kind", kind, status) for kind in by_kind for status in by_kind[kind]]


def _interviews(figures: Figures, facts: ReportInput) -> None:
    held = [i for i in facts.interviews if i.status != "cancelled"]
    persons = {p.code: p for p in facts.persons}
    total = figures.count("interviews.total", len(held))
    roles = figures.breakdown(
        "interviews.by_role",
        {role: sum(1 for i in held if i.role == role) for role in facts.vocabulary.interviewer_roles},
    )
    if len(held) == sum(figures.get(r) for r in roles):
        figures.table(total, roles)
    with_interpreter = figures.count("interviews.with_interpreter", sum(1 for i in held if i.interpreter))
    without = figures.count("interviews.without_interpreter", sum(1 for i in held if not i.interpreter))
    figures.table(total, [with_interpreter, without])
    nondetention = figures.count("interviews.nondetention", sum(1 for i in held if i.nondetention))
    other = figures.count("interviews.other_setting", sum(1 for i in held if not i.nondetention))
    figures.table(total, [nondetention, other])
    preferring = [i for i in held if i.person in persons and persons[i.person].interviewer_gender]
    stated = figures.count("interviews.gender_preference_stated", len(preferring))
    honoured = figures.count(
        "interviews.gender_preference_honoured",
        sum(1 for i in preferring if i.interviewer_gender == persons[i.person].interviewer_gender),
    )
    not_honoured = figures.count(
        "interviews.gender_preference_not_honoured",
        sum(1 for i in preferring if i.interviewer_gender != persons[i.person].interviewer_gender),
    )
    figures.table(stated, [honoured, not_honoured])
    of_minors = [i for i in held if i.person in persons and "minor" in persons[i.person].tags]
    minors = figures.count("interviews.of_minors", len(of_minors))
    forensic = figures.count(
        "interviews.of_minors_by_forensic_interviewer",
        sum(1 for i in of_minors if i.role == "forensic_interviewer"),
    )
    other_role = figures.count(
        "interviews.of_minors_by_other_role", sum(1 for i in of_minors if i.role != "forensic_interviewer")
    )
    figures.table(minors, [forensic, other_role])
    # child welfare notified of every minor, and of every person whose age is not recorded (rules.treated_as_minor)
    treated = [p for p in facts.persons if treated_as_minor(p.tags)]
    of_concern = figures.count("minors.treated_as_minor", len(treated))
    notified = figures.count(
        "minors.child_welfare_notified", sum(1 for p in treated if p.child_welfare_at is not None)
    )
    not_notified = figures.count(
        "minors.child_welfare_not_notified", sum(1 for p in treated if p.child_welfare_at is None)
    )
    figures.table(of_concern, [notified, not_notified])


def _durations(figures: Figures, name: str, minutes: Sequence[int], count: Path) -> None:
    for statistic, value in (("median", nearest_rank(minutes, 50)), ("max", max(minutes, default=None))):
        figures.values[f"{name}.{statistic}"] = value
        figures.statistics.append(((f"{name}.{statistic}",), count))
    figures.values[f"{name}.each"] = sorted(minutes)
    figures.internal_only.append(f"{name}.each")


def _safety(figures: Figures, facts: ReportInput) -> None:
    alerts = facts.alerts
    raised = figures.count("separation_alerts.raised", len(alerts))
    cleared = figures.count("separation_alerts.cleared", sum(1 for a in alerts if a.cleared_at is not None))
    still_open = figures.count("separation_alerts.open", sum(1 for a in alerts if a.cleared_at is None))
    figures.table(raised, [cleared, still_open])
    # an alert still open counts until the moment of the report
    _durations(
        figures,
        "separation_alerts.open_minutes",
        [minutes_between(a.raised_at, a.cleared_at or facts.now) for a in alerts],
        raised,
    )
    flags = facts.danger
    flagged = figures.count("danger.flags", len(flags))
    responded = figures.count("danger.responded", sum(1 for f in flags if f.responded_at is not None))
    unanswered = figures.count("danger.open", sum(1 for f in flags if f.responded_at is None))
    figures.table(flagged, [responded, unanswered])
    _durations(
        figures,
        "danger.response_minutes",
        [minutes_between(f.flagged_at, f.responded_at) for f in flags if f.responded_at is not None],
        responded,
    )


def _relief(figures: Figures, facts: ReportInput) -> None:
    for kind, outcomes in _RELIEF_OUTCOMES.items():
        latest: dict[str, ReliefFacts] = {}
        for step in sorted((s for s in facts.relief if s.kind == kind), key=lambda s: s.at):
            latest[step.person] = step
        requested = figures.count(f"relief.{kind}.requested", len(latest))
        cells = [
            figures.count(f"relief.{kind}.{outcome}", sum(1 for s in latest.values() if s.status == outcome))
            for outcome in outcomes
        ]
        pending = figures.count(
            f"relief.{kind}.pending", sum(1 for s in latest.values() if s.status not in outcomes)
        )
        figures.table(requested, [*cells, pending])


def _consents(figures: Figures, facts: ReportInput) -> None:
    today = facts.now.date()
    consents = facts.consents
    recorded = figures.count("consents.recorded", len(consents))
    revoked = figures.count("consents.revoked", sum(1 for c in consents if c.revoked))
    expired = figures.count(
        "consents.expired", sum(1 for c in consents if not c.revoked and c.expires_on < today)
    )
    active = figures.count(
        "consents.active", sum(1 for c in consents if not c.revoked and c.expires_on >= today)
    )
    figures.table(recorded, [revoked, expired, active])


def _plan(figures: Figures, facts: ReportInput) -> None:
    approval = facts.approval
    figures.values["plan.readiness_at_approval"] = (
        None
        if approval is None
        else {
            "version": approval.version,
            "ready": approval.ready,
            "failing_rules": list(approval.failing_rules),
        }
    )
    # the full plan's history: null (not zero) for a reader off its distribution
    figures.values["plan.amendments_after_start"] = len(facts.amendments) if facts.plan_history else None
    figures.values["plan.amendments_after_start.each"] = (
        [
            {"version": a.version, "author": a.author, "at": a.at, "sections": list(a.sections)}
            for a in sorted(facts.amendments, key=lambda a: a.version)
        ]
        if facts.plan_history
        else None
    )
    figures.internal_only.append("plan.amendments_after_start.each")
