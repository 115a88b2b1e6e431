"""Reading live interview planning through the policy: the day, the newest plan as a timeline, the
interviewer's own interviews.

Policy (access-policy.md, "interview schedule (time, room, interviewer role)"): everyone on the operation
reads the schedule; who interviews and interprets, the availability of staff and the full reasons for
leaving someone out are for the agencies that write the schedule. A reason that names the persons someone
must be kept apart from would tell who is a suspect, so those names are held back from everyone who may not
read the investigative compartment.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any
from uuid import UUID

from django.db.models import Q, QuerySet
from django.utils import timezone

from haven.access.policies import Access, Compartment, Standing, allows, require
from haven.accounts.models import InterviewerRole, User
from haven.core.errors import NotFound
from haven.encounters.models import Interview, InterviewStatus
from haven.operations.models import Operation
from haven.scheduling.formats import InterviewProblem, Schedule
from haven.scheduling.live import SLOT, current_day, eligibility, eligibility_summary
from haven.scheduling.models import ACTIVE_SOLVES, InterviewPlan, Pin, PlanningDay, PlanStatus, SolveRun
from haven.scheduling.words import plan_summary

# Longer runs of a timeline are split: the stylesheet has span classes up to this many slots.
MAX_SPAN = 96
_KEPT_APART = (
    re.compile(r"(at the same location as )[A-Z]-\d+(?:, [A-Z]-\d+)*(, from whom)"),
    re.compile(r"(kept apart from )[A-Z]-\d+()"),
)
_ROLE_LABELS = dict(InterviewerRole.choices)


def plan_documents(plan: InterviewPlan) -> tuple[InterviewProblem, Schedule]:
    """The plan's problem and schedule, read back into the pure models."""
    return (
        InterviewProblem.model_validate_json(json.dumps(plan.problem)),
        Schedule.model_validate_json(json.dumps(plan.schedule)),
    )


def may_plan(standing_: Standing | None) -> bool:
    """Coordinators of agencies that write the interview schedule (investigative, forensic interview)."""
    return (
        standing_ is not None
        and standing_.coordinator
        and allows(standing_, Compartment.INTERVIEW_SCHEDULE, Access.WRITE)
    )


def may_accept(standing_: Standing | None) -> bool:
    """Accepting books and cancels interviews of every agency's interviewers: coordinators of
    investigative agencies (access-policy.md: the interview schedule is theirs to write; a forensic
    interview provider's coordinators plan, and write only their own interviewers' interviews)."""
    return (
        standing_ is not None
        and standing_.coordinator
        and allows(standing_, Compartment.INVESTIGATIVE, Access.WRITE)
    )


def require_reader(standing_: Standing) -> None:
    """Everyone on the operation reads the schedule; to others it does not exist."""
    require(standing_, Compartment.INTERVIEW_SCHEDULE, Access.READ)


def sees_interviewers(standing_: Standing) -> bool:
    """Who interviews and interprets: for the agencies that write the schedule."""
    return allows(standing_, Compartment.INTERVIEW_SCHEDULE, Access.WRITE)


def day_for(operation: Operation, now: datetime) -> PlanningDay | None:
    return current_day(operation, now)


def latest_plan(operation: Operation, day: PlanningDay | None) -> InterviewPlan | None:
    """The newest plan of the day (draft or accepted); superseded ones are history."""
    if day is None:
        return None
    return (
        InterviewPlan.objects.filter(day=day)
        .exclude(status=PlanStatus.SUPERSEDED)
        .select_related("author", "accepted_by")
        .order_by("-created_at")
        .first()
    )


def plan_for(standing_: Standing, operation: Operation, plan_id: UUID) -> InterviewPlan:
    """Fetch and authorise one plan: the same NotFound whether it is missing, elsewhere or hidden."""
    require_reader(standing_)
    found = (
        InterviewPlan.objects.filter(operation=operation, pk=plan_id)
        .select_related("day", "operation")
        .first()
    )
    if found is None:
        raise NotFound("No such plan.")
    return found


def my_interviews(actor: User, standing_: Standing, operation: Operation) -> QuerySet[Interview]:
    """The actor's own scheduled interviews on the operation, as interviewer or interpreter."""
    require_reader(standing_)
    return (
        Interview.objects.filter(person__operation=operation, status=InterviewStatus.SCHEDULED)
        .filter(Q(interviewer=actor) | Q(interpreter=actor))
        .select_related("person", "location", "interviewer", "interpreter")
        .prefetch_related(
            "person__languages",
            "person__needs_assessments",
            "interviewer__languages",
            "interpreter__languages",
        )
        .order_by("starts_at")
    )


# --- the timeline ---------------------------------------------------------------------------------------


@dataclass
class Item:
    """One planned interview, as the page shows it."""

    person: str
    start: int
    end: int
    starts_at: datetime
    ends_at: datetime
    room: str
    location: str
    interviewer: str  # a name, or the role for those who may not see who interviews
    interviewer_id: str
    role: str
    interpreter: str
    pinned: bool
    started: bool
    wait_minutes: int


@dataclass
class Cell:
    """A run of a lane: free, not available, or an interview (`item`)."""

    span: int
    kind: str  # "free", "off" or "interview"
    item: Item | None = None


@dataclass
class Lane:
    """One room or one interviewer across the day."""

    key: str
    label: str
    detail: str
    cells: list[Cell]
    items: list[Item]


@dataclass
class Hour:
    span: int
    label: str


@dataclass
class Timeline:
    hours: list[Hour]
    lanes: list[Lane]


@dataclass
class Unplanned:
    person: str
    reason: str
    priority: str
    held: bool = False  # left out for their safety: the reason says what to do first


@dataclass
class PlanView:
    """The newest plan of the day, presented for one reader."""

    plan: InterviewPlan
    items: list[Item]
    by_room: Timeline
    by_interviewer: Timeline | None
    unscheduled: list[Unplanned]
    waiting: list[dict[str, Any]]
    notes: list[str]
    pinned_now: set[str]
    proven: bool
    bound: tuple[int, int] | None
    slots: int
    first_slot: int
    starts_at: datetime
    ends_at: datetime
    names_shown: bool
    may_plan: bool
    is_newest_draft: bool
    counts: dict[str, int] = field(default_factory=dict)
    # who may interview whom and where, as the plan and the day say now (for those who see who interviews)
    eligibility: list[str] = field(default_factory=list)

    @property
    def summary(self) -> list[str]:
        """The plan in a coordinator's words (`haven.scheduling.words.plan_summary`)."""
        return plan_summary(
            scheduled=len(self.items),
            left_out=[(u.person, u.reason) for u in self.unscheduled],
            waits=[i.wait_minutes for i in self.items],
            proven=self.proven,
            left_out_weight=self.plan.unscheduled_weight,
            least_left_out_weight=self.bound[0] if self.bound else None,
            seconds=self.plan.seconds,
        )


def _split(span: int, kind: str, item: Item | None = None) -> list[Cell]:
    cells = []
    while span > 0:
        cells.append(Cell(min(span, MAX_SPAN), kind, item))
        span -= MAX_SPAN
    return cells


def _lane(
    key: str,
    *,
    label: str,
    detail: str,
    items: list[Item],
    available: list[tuple[int, int]],
    first: int,
    last: int,
) -> Lane:
    """Cells from `first` to `last`: interviews where they are, then free or unavailable runs."""
    free: set[int] = set()
    for a, b in available:
        free.update(range(a, b))
    cells: list[Cell] = []
    ordered = sorted(items, key=lambda i: i.start)
    slot = first
    run_kind, run = "", 0
    position = 0
    while slot < last:
        if position < len(ordered) and ordered[position].start <= slot:
            item = ordered[position]
            position += 1
            if item.end <= slot:
                continue
            if run:
                cells += _split(run, run_kind)
                run_kind, run = "", 0
            begin = max(item.start, first)
            end = min(item.end, last)
            cells += _split(end - begin, "interview", item)
            slot = end
            continue
        kind = "free" if slot in free else "off"
        if kind != run_kind and run:
            cells += _split(run, run_kind)
            run = 0
        run_kind = kind
        run += 1
        slot += 1
    if run:
        cells += _split(run, run_kind)
    return Lane(key=key, label=label, detail=detail, cells=cells, items=ordered)


def _hours(start: datetime, first: int, last: int) -> list[Hour]:
    """Header runs: each runs to the next full hour, in the times the page shows (the active zone's)."""
    hours: list[Hour] = []
    slot = first
    while slot < last:
        at = timezone.localtime(start + slot * SLOT)
        to_hour = (60 - at.minute) // 15 if at.minute % 15 == 0 else 1
        span = max(1, min(to_hour, last - slot))
        hours.append(Hour(span, f"{at:%H:%M}" if span >= 2 or at.minute == 0 else ""))
        slot += span
    return hours


def redact_reason(reason: str, standing_: Standing) -> str:
    """A reason as this reader may see it: who someone is kept apart from only for investigative readers."""
    if allows(standing_, Compartment.INVESTIGATIVE, Access.READ):
        return reason
    for pattern in _KEPT_APART:
        reason = pattern.sub(r"\1someone\2", reason)
    return reason


def plan_view(standing_: Standing, plan: InterviewPlan, *, newest: bool = True) -> PlanView:
    """The plan as this reader may see it: a timeline by room, and by interviewer for those who may see
    who interviews."""
    problem, schedule = plan_documents(plan)
    names_shown = sees_interviewers(standing_)
    operation = plan.operation
    usernames = {i.id for i in problem.interviewers} | {t.id for t in problem.interpreters}
    names = dict(User.objects.filter(username__in=usernames).values_list("username", "name"))
    locations = dict(operation.interview_locations.values_list("plan_id", "name"))
    persons = {p.id: p for p in problem.persons}
    roles = {i.id: i.role for i in problem.interviewers}
    rooms = {r.id: r for r in problem.rooms}
    started, pinned = set(plan.started), set(plan.pinned)
    pinned_now = set(Pin.objects.filter(day=plan.day).values_list("person__code", flat=True))
    at = problem.start

    items: list[Item] = []
    for a in sorted(schedule.assignments, key=lambda a: (a.start, a.room)):
        person = persons[a.person]
        role = _ROLE_LABELS.get(roles[a.interviewer], roles[a.interviewer])
        items.append(
            Item(
                person=a.person,
                start=a.start,
                end=a.start + person.duration,
                starts_at=at + a.start * SLOT,
                ends_at=at + (a.start + person.duration) * SLOT,
                room=a.room,
                location=locations.get(rooms[a.room].location, rooms[a.room].location),
                interviewer=names.get(a.interviewer, a.interviewer) if names_shown else str(role),
                interviewer_id=a.interviewer,
                role=str(role),
                interpreter=(
                    (names.get(a.interpreter, a.interpreter) if names_shown else "an interpreter")
                    if a.interpreter
                    else ""
                ),
                pinned=a.person in pinned or a.person in pinned_now,
                started=a.person in started,
                wait_minutes=max(0, a.start - person.ready) * 15,
            )
        )
    first = min([plan_now_slot(problem), *(i.start for i in items)])
    last = max([problem.horizon, *(i.end for i in items)])
    hours = _hours(at, first, last)
    by_room = Timeline(
        hours,
        [
            _lane(
                r.id,
                label=r.id,
                detail=locations.get(r.location, r.location),
                items=[i for i in items if i.room == r.id],
                available=list(r.available),
                first=first,
                last=last,
            )
            for r in problem.rooms
        ],
    )
    by_interviewer = None
    if names_shown:
        by_interviewer = Timeline(
            hours,
            [
                _lane(
                    i.id,
                    label=names.get(i.id, i.id),
                    detail=str(_ROLE_LABELS.get(i.role, i.role)),
                    items=[item for item in items if item.interviewer_id == i.id],
                    available=list(i.available),
                    first=first,
                    last=last,
                )
                for i in problem.interviewers
            ],
        )
    bound = (
        (plan.bound_unscheduled_weight, plan.bound_weighted_wait)
        if plan.bound_unscheduled_weight is not None and plan.bound_weighted_wait is not None
        else None
    )
    return PlanView(
        plan=plan,
        items=items,
        by_room=by_room,
        by_interviewer=by_interviewer,
        # who is held for their safety (an imminent-danger flag without a response) first: act on it first
        unscheduled=[Unplanned(h["person"], h["reason"], h["priority"], held=True) for h in plan.held]
        + [
            Unplanned(u.person, redact_reason(u.reason, standing_), persons[u.person].priority or "normal")
            for u in schedule.unscheduled
        ],
        waiting=list(plan.waiting),
        # the planner's notes name staff (who left, whose pin was released): for those who see who
        # interviews only, as the timeline by interviewer is
        notes=[redact_reason(n, standing_) for n in plan.notes] if names_shown else [],
        pinned_now=pinned_now,
        proven=plan.solver_status == "optimal",
        bound=bound,
        slots=last - first,
        first_slot=first,
        starts_at=at + first * SLOT,
        ends_at=at + last * SLOT,
        names_shown=names_shown,
        may_plan=may_plan(standing_),
        is_newest_draft=newest and plan.status == PlanStatus.DRAFT,
        # the plan's interviews section is in the full plan, not the service briefing: for those who see who
        # interviews, as the timeline by interviewer is
        eligibility=eligibility_summary(operation, eligibility(operation, plan.day)) if names_shown else [],
        counts={
            "scheduled": len(items),
            "unscheduled": len(schedule.unscheduled) + len(plan.held),
            "waiting": len(plan.waiting),
        },
    )


def plan_now_slot(problem: InterviewProblem) -> int:
    """The first slot anyone free to move could be planned in (the earliest `ready` of the unfixed)."""
    free = [p.ready for p in problem.persons if p.fixed is None]
    return min(free) if free else 0


def interview_end(interview: Interview) -> datetime:
    return interview.starts_at + timedelta(minutes=interview.minutes)


def latest_run(operation: Operation) -> SolveRun | None:
    """The planning run under way for the operation (waiting for the worker, or solving), if any."""
    return (
        SolveRun.objects.filter(operation=operation, status__in=ACTIVE_SOLVES)
        .select_related("requested_by")
        .order_by("-created_at")
        .first()
    )


def run_for(standing_: Standing, operation: Operation, run_id: UUID) -> SolveRun:
    """Fetch and authorise one planning run: the same NotFound whether it is missing, elsewhere or hidden."""
    require_reader(standing_)
    found = SolveRun.objects.filter(operation=operation, pk=run_id).first()
    if found is None:
        raise NotFound("No such planning run.")
    return found
