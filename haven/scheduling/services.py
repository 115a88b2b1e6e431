"""Every write of live interview planning: availability, rooms, who left, pins, plans and their acceptance.

Policy (access-policy.md, "interview schedule"; shared/spec/interview-scheduling.md): coordinators of the
agencies that write the interview schedule — investigative agencies and forensic interview providers on the
operation — plan the day. Everyone on the operation may read the plan. Each service checks that first,
changes, cleans and audits in one transaction. Solving runs outside any transaction (it takes seconds and
must not hold the database's write lock); only storing the plan is transactional.

Accepting a plan creates the interview records through `encounters.services.interview_schedule`, so every
guardrail of the encounter workflow holds; one refusal stores nothing, and says who and which rule.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import partial
from typing import Any
from uuid import UUID

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from haven.access.policies import Standing
from haven.accounts.models import AgencyType, User
from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.clock import clock_time
from haven.core.errors import Conflict, Forbidden, HavenError, NotFound, RuleViolation, ValidationFailed
from haven.core.problems import Problem
from haven.encounters import services as encounters
from haven.encounters.models import Interview, InterviewStatus, Person
from haven.encounters.rules import treated_as_minor
from haven.operations.models import InterviewLocation, Operation
from haven.operations.selectors import standing
from haven.scheduling.formats import Schedule
from haven.scheduling.live import (
    SLOT,
    SLOT_MINUTES,
    Eligibility,
    LiveProblem,
    build_problem,
    current_day,
    default_role,
    eligibility,
)
from haven.scheduling.models import (
    Availability,
    AvailabilityKind,
    InterviewPlan,
    Pin,
    PlanningDay,
    PlanningRoom,
    PlanStatus,
    SolveRun,
    SolveStatus,
)
from haven.scheduling.selectors import may_accept, may_plan, plan_documents
from haven.scheduling.solver import solve
from haven.scheduling.validate import check_schedule

logger = logging.getLogger(__name__)

DEFAULT_TIME_LIMIT = 10.0
# a run not finished this long after its time limit was lost with its worker: a new one may start
RUN_GRACE = timedelta(minutes=5)
MAX_DAY = timedelta(hours=24)
ROOM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


# --- policy ---------------------------------------------------------------------------------------------


def require_planner(actor: User, operation: Operation) -> Standing:
    """Refuse unless the actor may plan this operation's interviews (hidden when not on the operation)."""
    standing_ = standing(actor, operation)
    if not standing_.on_operation:
        raise NotFound("No such operation.")
    if not may_plan(standing_):
        raise Forbidden(
            "Only a coordinator of an investigative agency or a forensic interview provider on this operation "
            "plans the interviews."
        )
    return standing_


def _clean(instance: Any) -> None:
    try:
        instance.full_clean()
    except ValidationError as error:
        problems = [
            Problem(name if name != "__all__" else "", message)
            for name, messages in error.message_dict.items()
            for message in messages
        ]
        raise ValidationFailed(problems, what=type(instance).__name__.lower()) from error


def day_version(day: PlanningDay | None) -> str:
    """What a form opened on the day's availability saves against: the last change to it."""
    return day.updated_at.isoformat() if day is not None else ""


def _changed(actor: User, operation: Operation, target: Any, action: str, **details: Any) -> None:
    day = target if isinstance(target, PlanningDay) else getattr(target, "day", None)
    if isinstance(day, PlanningDay):
        # any change to who or which rooms are available moves the day's version on
        PlanningDay.objects.filter(pk=day.pk).update(updated_at=timezone.now())
    record(
        actor=actor,
        event=AuditEvent.SCHEDULE_CHANGED,
        target=target,
        operation_id=operation.pk,
        details={"action": action, **details},
    )


def _day(operation: Operation, now: datetime) -> PlanningDay:
    day = current_day(operation, now)
    if day is None:
        raise RuleViolation(
            "Mark who is available today first: there is no planning day under way.", rule="schedule.no-day"
        )
    return day


# --- availability ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Marked:
    """One interviewer or interpreter marked available, from–until (an interviewer in one role)."""

    user: User
    available_from: datetime
    available_until: datetime
    role: str = ""


@dataclass(frozen=True)
class RoomMarked:
    """A room left available, from–until, by its id (`harbor-rooms-1`, or one the coordinator added)."""

    room: str
    available_from: datetime
    available_until: datetime


def interviewers_on(operation: Operation) -> list[User]:
    """Users of agencies on the operation qualified for at least one interviewer role."""
    return list(
        User.objects.filter(
            is_active=True, agency__participations__operation=operation, qualifications__isnull=False
        )
        .select_related("agency")
        .prefetch_related("qualifications", "languages")
        .distinct()
        .order_by("name")
    )


def interpreters_on(operation: Operation) -> list[User]:
    """Users of interpreter service agencies on the operation."""
    return list(
        User.objects.filter(
            is_active=True,
            agency__type=AgencyType.INTERPRETER_SERVICE,
            agency__participations__operation=operation,
        )
        .select_related("agency")
        .prefetch_related("languages")
        .distinct()
        .order_by("name")
    )


def plan_rooms(operation: Operation) -> list[tuple[str, InterviewLocation]]:
    """The plan's private rooms: each nondetention location's `private_rooms`, as `<location>-<n>`."""
    rooms: list[tuple[str, InterviewLocation]] = []
    for location in operation.interview_locations.filter(retired=False).order_by("plan_id"):
        if location.is_nondetention:
            rooms += [(f"{location.plan_id}-{n}", location) for n in range(1, location.private_rooms + 1)]
    return rooms


def _window_problems(path: str, available_from: datetime, available_until: datetime) -> list[Problem]:
    if available_until <= available_from:
        return [Problem(f"{path}.available_until", "is after the time they are available from")]
    if available_until - available_from > MAX_DAY:
        return [Problem(f"{path}.available_until", "is within 24 hours of the time they are available from")]
    return []


@transaction.atomic
def availability_set(
    *,
    actor: User,
    operation: Operation,
    starts_at: datetime,
    ends_at: datetime,
    interview_minutes: int,
    interviewers: Sequence[Marked],
    interpreters: Sequence[Marked],
    rooms: Sequence[RoomMarked],
    minor_locations: Sequence[InterviewLocation] = (),
    now: datetime | None = None,
    expected_version: str | None = None,
) -> PlanningDay:
    """Set the planning day's window, who and which rooms are available, and where minors are interviewed.
    Rule: planners only; the interviewers are qualified and on the operation, interpreters are of an
    interpreter service on it, rooms are the plan's private nondetention rooms or rooms added for the day,
    the locations for minors are nondetention interview locations of the operation's plan. Who is not
    listed is not available; a time someone was marked gone from is kept."""
    require_planner(actor, operation)
    now = now or timezone.now()
    problems: list[Problem] = []
    if ends_at <= starts_at:
        problems.append(Problem("ends_at", "is after the day's start"))
    elif ends_at - starts_at > MAX_DAY:
        problems.append(Problem("ends_at", "is within 24 hours of the day's start"))
    elif ends_at <= now:
        problems.append(
            Problem("ends_at", "is later than now: the day's window has to include the rest of it")
        )
    if not 15 <= interview_minutes <= 480:
        problems.append(Problem("interview_minutes", "is between 15 and 480"))
    qualified = {u.pk: u for u in interviewers_on(operation)}
    interpreting = {u.pk: u for u in interpreters_on(operation)}
    listed: set[Any] = set()
    for n, marked in enumerate(interviewers):
        path = f"interviewers[{n}]"
        if marked.user.pk in listed:
            problems.append(Problem(f"{path}.user", "is listed once"))
            continue
        listed.add(marked.user.pk)
        user = qualified.get(marked.user.pk)
        if user is None:
            problems.append(Problem(f"{path}.user", "is an interviewer of an agency on this operation"))
            continue
        role = marked.role or default_role(user)
        if role not in user.interviewer_roles:
            roles = ", ".join(r.replace("_", " ") for r in user.interviewer_roles)
            problems.append(Problem(f"{path}.role", f"is one of {user.name}'s roles: {roles}"))
        problems += _window_problems(path, marked.available_from, marked.available_until)
    for n, marked in enumerate(interpreters):
        path = f"interpreters[{n}]"
        if marked.user.pk in listed:
            problems.append(Problem(f"{path}.user", "is listed once, as an interviewer or an interpreter"))
            continue
        listed.add(marked.user.pk)
        if marked.user.pk not in interpreting:
            problems.append(Problem(f"{path}.user", "is an interpreter of an agency on this operation"))
            continue
        problems += _window_problems(path, marked.available_from, marked.available_until)
    day = current_day(operation, now)
    if expected_version is not None and expected_version != day_version(day):
        raise Conflict(
            "Someone else changed today's availability since you opened this page (a room added, someone "
            "marked gone, or a save). Nothing of yours was saved: reload to see it, then make your changes "
            "again."
        )
    known_rooms = dict(plan_rooms(operation))
    added = {r.room: r for r in day.rooms.filter(added=True)} if day is not None else {}
    for n, room in enumerate(rooms):
        if room.room not in known_rooms and room.room not in added:
            problems.append(Problem(f"rooms[{n}].room", "is a private room of a nondetention location"))
        problems += _window_problems(f"rooms[{n}]", room.available_from, room.available_until)
    for n, location in enumerate(minor_locations):
        if location.operation_id != operation.pk or location.retired or not location.is_nondetention:
            problems.append(
                Problem(
                    f"minor_locations[{n}]", "is a nondetention interview location of this operation's plan"
                )
            )
    if problems:
        raise ValidationFailed(problems, what="availability")

    if day is None:
        day = PlanningDay(operation=operation, set_by=actor)
    day.starts_at, day.ends_at, day.interview_minutes, day.set_by = (
        starts_at,
        ends_at,
        interview_minutes,
        actor,
    )
    _clean(day)
    day.save()
    day.minor_locations.set(minor_locations)

    gone = dict(day.availabilities.exclude(gone_from=None).values_list("user_id", "gone_from"))
    day.availabilities.all().delete()
    rows = [
        Availability(
            day=day,
            user=marked.user,
            kind=AvailabilityKind.INTERVIEWER,
            role=marked.role or default_role(qualified[marked.user.pk]),
            available_from=marked.available_from,
            available_until=marked.available_until,
            gone_from=gone.get(marked.user.pk),
            set_by=actor,
        )
        for marked in interviewers
    ] + [
        Availability(
            day=day,
            user=marked.user,
            kind=AvailabilityKind.INTERPRETER,
            available_from=marked.available_from,
            available_until=marked.available_until,
            gone_from=gone.get(marked.user.pk),
            set_by=actor,
        )
        for marked in interpreters
    ]
    for row in rows:
        _clean(row)
    Availability.objects.bulk_create(rows)

    kept_added = {room.room for room in rooms if room.room in added}
    day.rooms.filter(added=True).exclude(room__in=kept_added).delete()
    day.rooms.filter(added=False).delete()
    for room in rooms:
        existing = added.get(room.room)
        if existing is not None:
            existing.available_from, existing.available_until = room.available_from, room.available_until
            _clean(existing)
            existing.save()
            continue
        planned = PlanningRoom(
            day=day,
            location=known_rooms[room.room],
            room=room.room,
            available_from=room.available_from,
            available_until=room.available_until,
            set_by=actor,
        )
        _clean(planned)
        planned.save()
    _changed(actor, operation, day, "availability", count=len(rows))
    return day


@transaction.atomic
def room_add(
    *,
    actor: User,
    operation: Operation,
    location: InterviewLocation,
    room: str,
    available_from: datetime,
    available_until: datetime,
    now: datetime | None = None,
) -> PlanningRoom:
    """Add a private room for the day. Rules: planners only; at one of the operation's nondetention
    locations (interviews take place in a nondetention setting); a room id not used yet that day."""
    require_planner(actor, operation)
    day = _day(operation, now or timezone.now())
    problems: list[Problem] = []
    if location.operation_id != operation.pk or location.retired:
        problems.append(Problem("location", "is an interview location of this operation's plan"))
    if not ROOM_ID.match(room):
        problems.append(Problem("room", "is 1–40 lower-case letters, digits or '-', such as harbor-annex-1"))
    elif day.rooms.filter(room=room).exists() or room in dict(plan_rooms(operation)):
        problems.append(Problem("room", f"{room} is already a room of the day"))
    problems += _window_problems("room", available_from, available_until)
    if problems:
        raise ValidationFailed(problems, what="room")
    if not location.is_nondetention:
        raise RuleViolation(
            f"{location.name} is a detention setting: interviews take place in a nondetention setting.",
            rule="interview.nondetention",
        )
    added = PlanningRoom(
        day=day,
        location=location,
        room=room,
        added=True,
        available_from=available_from,
        available_until=available_until,
        set_by=actor,
    )
    _clean(added)
    added.save()
    _changed(actor, operation, added, "room_added", code=room)
    return added


@transaction.atomic
def interviewer_gone(
    *, actor: User, operation: Operation, user: User, gone_from: datetime, now: datetime | None = None
) -> Availability:
    """Mark an interviewer (or interpreter) as gone from a time: re-planning gives them nothing after it,
    except an interview already under way, which they finish. Rule: planners only; someone marked
    available today."""
    require_planner(actor, operation)
    day = _day(operation, now or timezone.now())
    availability = day.availabilities.filter(user=user).first()
    if availability is None:
        raise ValidationFailed([Problem("user", "is someone marked available today")], what="gone")
    availability.gone_from = gone_from
    _clean(availability)
    availability.save(update_fields=["gone_from", "updated_at"])
    _changed(actor, operation, availability, "gone")
    return availability


# --- pins -----------------------------------------------------------------------------------------------


def _require_current(plan: InterviewPlan) -> None:
    if plan.status == PlanStatus.SUPERSEDED:
        raise RuleViolation(
            "A newer plan has been made since this one: work from the newest plan.",
            rule="schedule.superseded",
        )


@transaction.atomic
def assignment_pin(*, actor: User, plan: InterviewPlan, person: str) -> Pin:
    """Pin one assignment of the plan: re-planning keeps it exactly. Rules: planners only; the plan is
    the newest; the person has an assignment in it that is not already under way."""
    operation = plan.operation
    require_planner(actor, operation)
    _require_current(plan)
    problem, schedule = plan_documents(plan)
    assignment = next((a for a in schedule.assignments if a.person == person), None)
    if assignment is None:
        raise ValidationFailed([Problem("person", "is a person with an assignment in this plan")], what="pin")
    if person in plan.started:
        raise RuleViolation(
            f"{person}'s interview is under way: it does not move, and needs no pin.",
            rule="schedule.pin-started",
        )
    planned = next(p for p in problem.persons if p.id == assignment.person)
    room = next(r for r in problem.rooms if r.id == assignment.room)
    location = operation.interview_locations.filter(plan_id=room.location).first()
    interviewer = User.objects.filter(username=assignment.interviewer).first()
    interpreter = (
        User.objects.filter(username=assignment.interpreter).first() if assignment.interpreter else None
    )
    record_person = Person.objects.filter(operation=operation, code=person).first()
    if location is None or interviewer is None or record_person is None:
        raise RuleViolation(
            f"{person}'s assignment names what no longer exists: re-plan.", rule="schedule.stale"
        )
    pin, _ = Pin.objects.update_or_create(
        day=plan.day,
        person=record_person,
        defaults={
            "starts_at": problem.start + assignment.start * SLOT,
            "minutes": planned.duration * SLOT_MINUTES,
            "location": location,
            "room": assignment.room,
            "interviewer": interviewer,
            "interpreter": interpreter,
            "pinned_by": actor,
        },
    )
    _clean(pin)
    _changed(actor, operation, pin, "pinned", person=person)
    return pin


@transaction.atomic
def assignment_unpin(*, actor: User, plan: InterviewPlan, person: str) -> None:
    """Release a pin: the next plan is free to move that interview. Rule: planners only."""
    operation = plan.operation
    require_planner(actor, operation)
    pin = Pin.objects.filter(day=plan.day, person__code=person, person__operation=operation).first()
    if pin is None:
        raise ValidationFailed([Problem("person", "is a person whose assignment is pinned")], what="pin")
    pin.delete()
    _changed(actor, operation, plan, "unpinned", person=person)


# --- plans ----------------------------------------------------------------------------------------------


def schedule_plan(
    *,
    actor: User,
    operation: Operation,
    time_limit: float = DEFAULT_TIME_LIMIT,
    now: datetime | None = None,
    previous: InterviewPlan | None = None,
) -> InterviewPlan:
    """Build the day's problem from the records, solve it, and store the result as a draft plan (the draft
    before it is superseded). Rules: planners only; a planning day is under way; the schedule stored is
    checked against every rule of the spec."""
    require_planner(actor, operation)
    now = now or timezone.now()
    day = _day(operation, now)
    live = build_problem(operation, day, now=now)
    schedule = solve(live.problem, time_limit=time_limit)
    violations = check_schedule(live.problem, schedule)
    if violations:  # the solver promises a valid schedule; storing an invalid one would mislead everyone
        raise RuntimeError("the solver returned an invalid schedule: " + "; ".join(map(str, violations)))
    return _store_plan(actor, operation, day, live, schedule, time_limit=time_limit, previous=previous)


@transaction.atomic
def _store_plan(
    actor: User,
    operation: Operation,
    day: PlanningDay,
    live: LiveProblem,
    schedule: Schedule,
    *,
    time_limit: float,
    previous: InterviewPlan | None,
) -> InterviewPlan:
    InterviewPlan.objects.filter(day=day, status=PlanStatus.DRAFT).update(
        status=PlanStatus.SUPERSEDED, updated_at=timezone.now()
    )
    solver = schedule.solver
    assert solver is not None
    bound = solver.lower_bound
    plan = InterviewPlan(
        operation=operation,
        day=day,
        problem=json.loads(live.problem.model_dump_json()),
        schedule=json.loads(schedule.model_dump_json()),
        waiting=[{"person": w.person, "missing": list(w.missing)} for w in live.waiting],
        held=[{"person": h.person, "reason": h.reason, "priority": h.priority} for h in live.held],
        notes=list(live.notes),
        started=sorted(live.started),
        pinned=sorted(live.pinned),
        unscheduled_weight=schedule.cost.unscheduled_weight,
        weighted_wait=schedule.cost.weighted_wait,
        bound_unscheduled_weight=bound.unscheduled_weight if bound else None,
        bound_weighted_wait=bound.weighted_wait if bound else None,
        solver_status=solver.status,
        seconds=solver.seconds,
        time_limit=time_limit,
        author=actor,
        previous=previous,
    )
    _clean(plan)
    plan.save()
    record(
        actor=actor,
        event=AuditEvent.SCHEDULE_PLANNED,
        target=plan,
        operation_id=operation.pk,
        details={"count": len(schedule.assignments), "status": solver.status},
    )
    return plan


def schedule_replan(
    *, actor: User, plan: InterviewPlan, time_limit: float = DEFAULT_TIME_LIMIT, now: datetime | None = None
) -> InterviewPlan:
    """Plan again from the records as they are now: interviews under way and pinned ones stay (they are
    `fixed` in the new problem), who left gets nothing after they left, added rooms are used, and the rest
    is re-optimised. Rules: planners only; only the newest plan is re-planned."""
    require_planner(actor, plan.operation)
    _require_current(plan)
    return schedule_plan(actor=actor, operation=plan.operation, time_limit=time_limit, now=now, previous=plan)


# --- planning in the background (issue 14) ---------------------------------------------------------------


def schedule_solve_start(
    *,
    actor: User,
    operation: Operation,
    previous: InterviewPlan | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
    now: datetime | None = None,
) -> SolveRun:
    """Start planning (or re-planning `previous`) in the background and return at once: `haven worker`
    solves it (`schedule_solve_run`), and the page follows its progress. Rules: planners only; a planning
    day is under way; a re-plan works from the newest plan; one run at a time per operation (a run under
    way is returned, not doubled). Queued when the transaction commits."""
    run, created = _solve_run_create(actor, operation, previous, time_limit, now or timezone.now())
    if created:
        from haven.scheduling import tasks  # noqa: PLC0415 - the task module imports these services

        transaction.on_commit(partial(tasks.enqueue_solve, run.pk))
    return run


@transaction.atomic
def _solve_run_create(
    actor: User, operation: Operation, previous: InterviewPlan | None, time_limit: float, now: datetime
) -> tuple[SolveRun, bool]:
    require_planner(actor, operation)
    _day(operation, now)
    if previous is not None:
        _require_current(previous)
    ongoing = (
        SolveRun.objects.select_for_update()
        .filter(operation=operation, status__in=[SolveStatus.QUEUED, SolveStatus.RUNNING])
        .order_by("-created_at")
        .first()
    )
    if ongoing is not None:
        if ongoing.created_at + timedelta(seconds=ongoing.time_limit) + RUN_GRACE > now:
            return ongoing, False
        ongoing.status, ongoing.finished_at = SolveStatus.FAILED, now
        ongoing.message = "The worker did not finish this planning run; it was started again."
        ongoing.save(update_fields=["status", "finished_at", "message", "updated_at"])
    run = SolveRun(operation=operation, requested_by=actor, previous=previous, time_limit=time_limit)
    _clean(run)
    run.save()
    record(
        actor=actor,
        event=AuditEvent.SCHEDULE_SOLVE_STARTED,
        target=run,
        operation_id=operation.pk,
        details={"action": "replan" if previous is not None else "plan"},
    )
    return run, True


def schedule_solve_run(*, run_id: UUID) -> SolveRun:
    """Solve one queued run (the worker's task), as the coordinator who asked: every rule of planning is
    checked again now. A refusal is kept in its words for the page; a run is solved once."""
    now = timezone.now()
    taken = SolveRun.objects.filter(pk=run_id, status=SolveStatus.QUEUED).update(
        status=SolveStatus.RUNNING, started_at=now, updated_at=now
    )
    run = SolveRun.objects.select_related("operation", "requested_by", "previous").get(pk=run_id)
    if not taken:
        return run
    try:
        if run.previous is not None:
            plan = schedule_replan(actor=run.requested_by, plan=run.previous, time_limit=run.time_limit)
        else:
            plan = schedule_plan(actor=run.requested_by, operation=run.operation, time_limit=run.time_limit)
    except HavenError as refusal:
        run.status, run.message = SolveStatus.REFUSED, refusal.message[:500]
    except Exception as failure:  # the page must say it stopped, not spin forever
        logger.exception("Planning run %s failed", run.pk)
        run.status = SolveStatus.FAILED
        run.message = f"The planner stopped unexpectedly ({type(failure).__name__}): plan again."
    else:
        run.status, run.plan = SolveStatus.DONE, plan
    run.finished_at = timezone.now()
    _clean(run)
    run.save(update_fields=["status", "message", "plan", "finished_at", "updated_at"])
    return run


@dataclass
class _Booking:
    code: str
    person: Person
    starts_at: datetime
    minutes: int
    interviewer: User
    role: str
    location: InterviewLocation
    room: str
    interpreter: User | None


def schedule_accept(*, actor: User, plan: InterviewPlan, now: datetime | None = None) -> InterviewPlan:
    """Accept a draft plan: create its interview records through the encounter workflow's guardrails,
    replacing interviews of the same persons that had not started, in one transaction. Rules: planners
    only; the newest draft; nothing in it has passed. A refusal names the person and the rule and stores
    nothing (it is audited after the rollback)."""
    standing_ = require_planner(actor, plan.operation)
    if not may_accept(standing_):
        raise Forbidden(
            "A coordinator of an investigative agency accepts the plan: it books and cancels interviews of "
            "every agency's interviewers. Your draft is kept for them to accept."
        )
    try:
        return _accept(actor, plan, now or timezone.now())
    except RuleViolation as refusal:
        record(
            actor=actor,
            event=AuditEvent.SCHEDULE_ACCEPTED,
            outcome=Outcome.FAILURE,
            target=plan,
            operation_id=plan.operation_id,
            details={"rule": refusal.rule},
        )
        raise


@transaction.atomic
def _accept(actor: User, plan: InterviewPlan, now: datetime) -> InterviewPlan:
    operation = plan.operation
    plan = InterviewPlan.objects.select_for_update().get(pk=plan.pk)
    if plan.status == PlanStatus.ACCEPTED:
        raise RuleViolation("This plan has already been accepted.", rule="schedule.accepted")
    _require_current(plan)
    problem, schedule = plan_documents(plan)
    durations = {p.id: p.duration for p in problem.persons}
    locations = {r.id: r.location for r in problem.rooms}
    by_label = {loc.plan_id: loc for loc in operation.interview_locations.all()}
    people = {p.code: p for p in Person.objects.filter(operation=operation).prefetch_related("tags")}
    usernames = {a.interviewer for a in schedule.assignments} | {
        a.interpreter for a in schedule.assignments if a.interpreter
    }
    users = {u.username: u for u in User.objects.filter(username__in=usernames).select_related("agency")}
    roles = {i.id: i.role for i in problem.interviewers}
    started = set(plan.started)
    # who left since the plan was made: nothing given to them may end after they left
    gone_from = {
        a.user.username: a.gone_from
        for a in Availability.objects.filter(day_id=plan.day_id, gone_from__isnull=False).select_related(
            "user"
        )
        if a.gone_from is not None
    }

    # who may interview whom, and where, as the plan and the day say now (either may have changed since)
    allowed = eligibility(operation, plan.day)
    bookings: list[_Booking] = []
    for assignment in sorted(schedule.assignments, key=lambda a: (a.start, a.person)):
        code = assignment.person
        if code in started:
            continue  # under way: its record exists and does not move
        person = people.get(code)
        starts_at = problem.start + assignment.start * SLOT
        when = clock_time(starts_at, operation.utc_offset_minutes)
        if person is None or person.outcome:
            raise RuleViolation(
                f"{code} is no longer waiting for an interview (released or transferred since this plan was "
                "made): re-plan.",
                rule="schedule.stale",
            )
        if starts_at < now:
            raise RuleViolation(
                f"{code}'s interview was planned for {when}, which has passed: re-plan.",
                rule="schedule.stale",
            )
        try:
            # safety first, for an interview that stays as it is as much as for a new one
            encounters.interview_danger_check(person=person)
        except RuleViolation as refusal:
            raise _not_accepted(code, when, refusal) from refusal
        interviewer = users.get(assignment.interviewer)
        location = by_label.get(locations[assignment.room])
        if interviewer is None or location is None:
            raise RuleViolation(
                f"{code}'s assignment names what no longer exists: re-plan.", rule="schedule.stale"
            )
        _keeps_eligibility(
            allowed,
            person,
            interviewer=interviewer,
            role=roles[assignment.interviewer],
            location=location,
            when=when,
        )
        ends_at = starts_at + durations[code] * SLOT
        for username in (assignment.interviewer, assignment.interpreter):
            left = gone_from.get(username or "")
            if left is not None and left < ends_at:
                leaver = users[username or ""].name if (username or "") in users else username
                raise RuleViolation(
                    f"{leaver} left at {clock_time(left, operation.utc_offset_minutes)}, after this plan was "
                    f"made, and {code}'s interview at {when} would end after that: re-plan.",
                    rule="schedule.stale",
                )
        bookings.append(
            _Booking(
                code=code,
                person=person,
                starts_at=starts_at,
                minutes=durations[code] * SLOT_MINUTES,
                interviewer=interviewer,
                role=roles[assignment.interviewer],
                location=location,
                room=assignment.room,
                interpreter=users.get(assignment.interpreter) if assignment.interpreter else None,
            )
        )

    # Interviews of these persons that have not started make way for the plan; one that is already exactly
    # as planned stays.
    # A person the plan books is moved to the plan's interview; a person it leaves unscheduled keeps an
    # interview booked for another day (only one inside the day the plan covers makes way for it).
    # Held persons (an imminent-danger flag without a response) are not scheduled either: theirs make way.
    held = {h["person"] for h in plan.held}
    planned_codes = {b.code for b in bookings} | {u.person for u in schedule.unscheduled} | held
    window_end = problem.start + problem.horizon * SLOT
    waiting = Interview.objects.filter(
        person__operation=operation,
        person__code__in=planned_codes,
        status=InterviewStatus.SCHEDULED,
        starts_at__gt=now,
    ).select_related("person")
    keep: set[str] = set()
    moved: dict[str, Interview] = {}  # a person's interview the plan's booking replaces: a move
    making_way: list[Interview] = []
    by_code = {b.code: b for b in bookings}
    for interview in waiting:
        booking = by_code.get(interview.person.code)
        if booking is None and not problem.start <= interview.starts_at < window_end:
            continue
        if booking is not None and booking.code not in keep and _same(interview, booking):
            keep.add(booking.code)
            continue
        making_way.append(interview)
    for interview in making_way:
        code = interview.person.code
        # the first interview of a person the plan books anew is moved, not cancelled (for the notices)
        moving = code in by_code and code not in keep and code not in moved
        if moving:
            moved[code] = interview
        encounters.interview_cancel(actor=actor, interview=interview, moving=moving)

    created = 0
    for booking in bookings:
        if booking.code in keep:
            continue
        try:
            encounters.interview_schedule(
                actor=actor,
                person=booking.person,
                interviewer=booking.interviewer,
                role=booking.role,
                location=booking.location,
                starts_at=booking.starts_at,
                minutes=booking.minutes,
                interpreter=booking.interpreter,
                room=booking.room,
                replaces=moved.get(booking.code),
            )
        except RuleViolation as refusal:
            raise _not_accepted(
                booking.code, clock_time(booking.starts_at, operation.utc_offset_minutes), refusal
            ) from refusal
        except ValidationFailed as problems:
            raise RuleViolation(
                f"The plan was not accepted: {booking.code}'s interview at "
                f"{clock_time(booking.starts_at, operation.utc_offset_minutes)} "
                f"cannot be recorded: {'; '.join(str(p) for p in problems.problems)}",
                rule="interview.valid",
            ) from problems
        created += 1

    plan.status = PlanStatus.ACCEPTED
    plan.accepted_by, plan.accepted_at = actor, now
    _clean(plan)
    plan.save(update_fields=["status", "accepted_by", "accepted_at", "updated_at"])
    record(
        actor=actor,
        event=AuditEvent.SCHEDULE_ACCEPTED,
        target=plan,
        operation_id=operation.pk,
        details={"count": created, "status": PlanStatus.ACCEPTED.value},
    )
    return plan


def _keeps_eligibility(
    allowed: Eligibility,
    person: Person,
    *,
    interviewer: User,
    role: str,
    location: InterviewLocation,
    when: str,
) -> None:
    """Refuse a booking that the plan's interviews section or the day's rooms for minors no longer allow."""
    minor = treated_as_minor(t.tag for t in person.tags.all())
    population = "minors" if minor else "adults"
    if not allowed.interviewer_allowed(minor=minor, role=role, agency_id=interviewer.agency_id):
        raise RuleViolation(
            f"The plan was not accepted: {person.code}'s interview at {when} is with {interviewer.name} "
            f"({interviewer.agency.name}) as {role.replace('_', ' ')}, which the plan's interviews section "
            f"does not allow for {population} now: re-plan.",
            rule="schedule.plan-interviewer",
        )
    if not allowed.room_allowed(minor=minor, location_id=location.pk):
        where = "only at" if minor else "not at"
        raise RuleViolation(
            f"The plan was not accepted: {person.code}'s interview at {when} is at {location.name}, but today "
            f"{population} are interviewed {where} the locations marked for minors: re-plan.",
            rule="schedule.minor-room",
        )


def _not_accepted(code: str, when: str, refusal: RuleViolation) -> RuleViolation:
    """A guardrail's refusal of one booking, as the refusal of the whole plan (naming the person and rule)."""
    return RuleViolation(
        f"The plan was not accepted: {code}'s interview at {when} was refused ({refusal.rule}): "
        f"{refusal.message}",
        rule=refusal.rule,
    )


def _same(interview: Interview, booking: _Booking) -> bool:
    return (
        interview.starts_at == booking.starts_at
        and interview.minutes == booking.minutes
        and interview.interviewer_id == booking.interviewer.pk
        and interview.role == booking.role
        and interview.location_id == booking.location.pk
        and interview.room == booking.room
        and interview.interpreter_id == (booking.interpreter.pk if booking.interpreter else None)
    )
