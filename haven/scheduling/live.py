"""The interview problem built from an operation's live records (the Django side; the solver stays pure).

`build_problem(operation, day, now=…)` reads the records and returns a `haven.interview-problem/v1`, with
what it needs to turn a schedule back into interview records:

- persons: everyone on the operation not released or transferred and not interviewed (an interview
  recorded as conducted, or one that was held and now only awaits its record). A person is *ready* at the
  first slot after both a needs assessment and information given exist (the encounter guardrails' order:
  care comes first); who lacks either is left out and listed as waiting for care, with what is missing.
  Who has an imminent-danger flag without a response is left out too (`held`, with the reason), until
  someone responds: safety comes before any interview.
- `minor` from the tags: tagged `minor`, or not tagged `adult` — a person whose age is not recorded is
  planned as a minor, with a forensic interviewer (the safe default; never an adult by omission).
- persons designated suspect are left out, each with a note: they leave the victim-care pathway (issue 13),
  so they are neither planned nor listed as waiting for care; a suspect's interview is booked by hand and
  recorded as such, and its interviewer, interpreter and room are busy for the plan like any interview the
  problem does not hold. A designation changed back brings the person back.
- keep-apart, the safe default: both people of every group observation made towards someone (whatever the
  designations say yet).
- interviewers: users marked available for the day, in the role marked for them; interpreters likewise;
  rooms: the private rooms of the nondetention locations the coordinator left checked, and rooms they added.
- who may interview whom, and where (`Eligibility`): the plan's `interviews` entry for the person's
  population gives their `eligible_interviewers`; when the day names where minors are interviewed, minors
  get the rooms of those locations and adults the others, as `eligible_rooms`.
- `fixed`: interviews under way (scheduled, started, not yet over) and the coordinator's pins. A pin that
  can no longer be kept (its time has passed, its interviewer left or is no longer available, a room was
  taken away) is released and said so in `notes`; so is an interview under way that cannot be expressed as
  a fixed assignment (its person then stays out of the problem and its resources are taken for its time).

Time: slots of 15 minutes on the clock's quarter hours. The problem starts at `now` rounded up to a slot —
or earlier, at the start of the earliest interview under way — and nobody who is free to move is planned
before `now`. The horizon is the end of the day's window.
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from django.db.models import Exists, Min, OuterRef, Q

from haven.accounts.models import InterviewerRole, User
from haven.encounters.models import (
    DangerFlag,
    Designation,
    DesignationStatus,
    Interview,
    InterviewStatus,
    Observation,
    Person,
)
from haven.encounters.rules import (
    Conductor,
    InterviewEntry,
    conductors_words,
    conducts,
    in_victim_care,
    interview_conductors,
    open_danger_reason,
    room_for_population,
    treated_as_minor,
)
from haven.encounters.services import languages_of
from haven.operations.models import InterviewLocation, Operation
from haven.operations.selectors import current_plan
from haven.scheduling.formats import (
    PROBLEM_FORMAT,
    Fixed,
    Interpreter,
    Interviewer,
    InterviewProblem,
    Room,
    dump_problem,
    parse_problem,
)
from haven.scheduling.formats import Person as ProblemPerson
from haven.scheduling.models import Availability, AvailabilityKind, Pin, PlanningDay, PlanningRoom
from haven.scheduling.rules import fixed_problems

SLOT_MINUTES = 15
SLOT = timedelta(minutes=SLOT_MINUTES)
_EPOCH = datetime(2000, 1, 1, tzinfo=UTC)

# The role an interviewer is planned in when the coordinator did not choose: the widest first (a forensic
# interviewer may interview anyone; the others only adults).
ROLE_PREFERENCE = (
    InterviewerRole.FORENSIC_INTERVIEWER,
    InterviewerRole.INVESTIGATOR,
    InterviewerRole.PROSECUTOR,
)
MISSING_NEEDS = "needs assessment"
MISSING_INFORMATION = "information given"

Window = tuple[int, int]


def floor_slot(moment: datetime) -> datetime:
    """The start of the quarter hour `moment` falls in."""
    steps = (moment - _EPOCH) // SLOT
    return _EPOCH + steps * SLOT


def ceil_slot(moment: datetime) -> datetime:
    """`moment` rounded up to a quarter hour (unchanged when it is on one)."""
    floor = floor_slot(moment)
    return floor if floor == moment else floor + SLOT


def default_role(user: User) -> str:
    """The widest interviewer role the user is qualified for ('' for none)."""
    roles = set(user.interviewer_roles)
    return next((role.value for role in ROLE_PREFERENCE if role in roles), "")


@dataclass(frozen=True)
class Clock:
    """Slot 0 begins at `start`; slots are 15 minutes."""

    start: datetime

    def at(self, slot: int) -> datetime:
        return self.start + slot * SLOT

    def floor(self, moment: datetime) -> int:
        """The slot `moment` falls in (negative before the start)."""
        return (moment - self.start) // SLOT

    def ceil(self, moment: datetime) -> int:
        """The first slot starting at or after `moment`."""
        return -((self.start - moment) // SLOT)


@dataclass(frozen=True)
class Waiting:
    """A person left out of the problem until care has come first: what is still missing."""

    person: str
    missing: tuple[str, ...]


@dataclass(frozen=True)
class Held:
    """A person left out of the problem for their safety: an imminent-danger flag on them has no response."""

    person: str
    reason: str
    priority: str


@dataclass
class LiveProblem:
    """The problem, and how its ids map back to records."""

    problem: InterviewProblem
    clock: Clock
    now_slot: int
    waiting: list[Waiting]
    notes: list[str]
    persons: dict[str, Person]  # code → person, for everyone in the problem
    started: dict[str, Interview]  # code → the interview under way (a fixed assignment)
    pinned: dict[str, Pin]  # code → the pin kept (a fixed assignment)
    movable: dict[str, list[Interview]]  # code → scheduled interviews not started yet: re-planned
    interviewers: dict[str, User]  # problem id (username) → user
    interpreters: dict[str, User]
    rooms: dict[str, InterviewLocation]  # room id → its location
    roles: dict[str, str] = field(default_factory=dict)  # interviewer id → the role they interview as
    held: list[Held] = field(default_factory=list)  # left out until their danger flag has a response


@dataclass
class _Draft:
    """The problem's parts while they are being put together (mutable, unlike the pydantic models)."""

    persons: dict[str, dict[str, Any]] = field(default_factory=dict)
    interviewers: dict[str, dict[str, Any]] = field(default_factory=dict)
    interpreters: dict[str, dict[str, Any]] = field(default_factory=dict)
    rooms: dict[str, dict[str, Any]] = field(default_factory=dict)


def _subtract(windows: Iterable[Window], first: int, end: int) -> list[Window]:
    """The windows without the slots `first … end−1`."""
    out: list[Window] = []
    for a, b in windows:
        if b <= first or a >= end:
            out.append((a, b))
            continue
        if a < first:
            out.append((a, first))
        if end < b:
            out.append((end, b))
    return out


def _window(clock: Clock, start: datetime, until: datetime, horizon: int) -> list[Window]:
    """A from–until window in whole slots inside [0, horizon): from rounded up, until rounded down."""
    first = max(0, clock.ceil(start))
    end = min(horizon, clock.floor(until))
    return [(first, end)] if end > first else []


def _cut_at(windows: Iterable[Window], until: int) -> list[Window]:
    return [(a, min(b, until)) for a, b in windows if a < until]


def _when(moment: datetime) -> str:
    return f"{moment.astimezone(UTC):%H:%M} UTC"


@dataclass(frozen=True)
class Eligibility:
    """Who may interview whom, and where, beyond the rules every interview keeps: the plan's `interviews`
    section (the role and agency for adults and for minors — `encounters.rules.interview_conductors`) and
    the day's locations for minors (minors only there, adults only elsewhere; none: anyone anywhere).
    The planner turns it into each person's `eligible_interviewers` and `eligible_rooms`; accepting a plan
    checks every booking against it again, as it is then."""

    entries: tuple[InterviewEntry, ...]
    agencies: Mapping[Any, str]  # agency pk → the agency's id in the plan
    minors_at: frozenset[Any]  # interview location pks where minors are interviewed today

    def conductors(self, *, minor: bool) -> tuple[Conductor, ...] | None:
        return interview_conductors(self.entries, minor=minor)

    def interviewer_allowed(self, *, minor: bool, role: str, agency_id: Any) -> bool:
        return conducts(self.conductors(minor=minor), role=role, agency=self.agencies.get(agency_id, ""))

    def room_allowed(self, *, minor: bool, location_id: Any) -> bool:
        return room_for_population(self.minors_at, minor=minor, location=location_id)


def eligibility_summary(operation: Operation, allowed: Eligibility) -> list[str]:
    """What the plan and the day say about who interviews whom and where, in words for the plan page:
    "Adults: investigators of Homeland Security Investigations, Metro office (the plan's interviews
    section)"; nothing when neither says anything."""
    names = dict(operation.participants.values_list("plan_id", "agency__name"))
    lines = []
    for minor, population in ((False, "Adults"), (True, "Minors, and anyone whose age is not recorded")):
        conductors = allowed.conductors(minor=minor)
        if conductors is not None:
            who = conductors_words(conductors, names)
            lines.append(f"{population}: interviewed by {who} (the plan's interviews section).")
    if allowed.minors_at:
        places = ", ".join(
            InterviewLocation.objects.filter(pk__in=allowed.minors_at)
            .order_by("plan_id")
            .values_list("name", flat=True)
        )
        lines.append(f"Minors are interviewed at {places} today, and adults elsewhere.")
    return lines


def eligibility(operation: Operation, day: PlanningDay) -> Eligibility:
    """The operation's eligibility as its plan and the planning day say now."""
    plan = current_plan(operation)
    return Eligibility(
        entries=tuple((i.population.value, i.conducted_by.value, i.agency) for i in plan.interviews),
        agencies=dict(operation.participants.values_list("agency_id", "plan_id")),
        minors_at=frozenset(day.minor_locations.values_list("pk", flat=True)),
    )


def minor_locations_at(operation: Operation, moment: datetime) -> frozenset[Any]:
    """The interview locations (pks) where minors are interviewed at `moment`: those the planning day that
    covers it names; none when no planning day covers it. Hand booking asks it through
    `encounters.services.interviews.use_minor_locations` (SchedulingConfig.ready)."""
    day = (
        PlanningDay.objects.filter(operation=operation, starts_at__lte=moment, ends_at__gt=moment)
        .order_by("starts_at")
        .first()
    )
    return frozenset(day.minor_locations.values_list("pk", flat=True)) if day is not None else frozenset()


def current_day(operation: Operation, now: datetime) -> PlanningDay | None:
    """The planning day whose window is not over yet: the one under way, or else the next one."""
    return PlanningDay.objects.filter(operation=operation, ends_at__gt=now).order_by("starts_at").first()


def _designations(operation: Operation) -> dict[Any, str]:
    """Each person's current designation (the latest by time)."""
    latest: dict[Any, str] = {}
    for person_id, status in (
        Designation.objects.filter(person__operation=operation)
        .order_by("person_id", "at", "created_at")
        .values_list("person_id", "status")
    ):
        latest[person_id] = status
    return latest


def suspect_left_out(code: str) -> str:
    """Why the planner leaves a person designated suspect out (issue 13: suspects are not sent to victim
    care)."""
    return (
        f"{code} is designated suspect: left out of the plan, which holds victim-centered interviews; a "
        "suspect's interview is booked by hand and recorded as such."
    )


def _keep_apart(operation: Operation, persons: dict[Any, Person]) -> dict[str, set[str]]:
    """The safe default: every pair a group observation links, whatever the designations say yet (persons
    designated suspect are not in the problem at all)."""
    codes = {pk: p.code for pk, p in persons.items()}
    pairs: dict[str, set[str]] = defaultdict(set)
    observed = Observation.objects.filter(person__operation=operation, towards__isnull=False).values_list(
        "person_id", "towards_id"
    )
    for observed_id, towards_id in observed:
        if observed_id in codes and towards_id in codes and observed_id != towards_id:
            pairs[codes[observed_id]].add(codes[towards_id])
    return pairs


def _ends(interview: Interview) -> datetime:
    return interview.starts_at + timedelta(minutes=interview.minutes)


def _pin_against(draft: Any, code: str, pinned: Mapping[str, Any]) -> str | None:
    """A pinned person whose fixed place overlaps `code`'s in time and shares its interviewer,
    interpreter or room, if any."""
    mine = draft.persons[code]["fixed"]
    start, end = mine["start"], mine["start"] + draft.persons[code]["duration"]
    shared = {("i", mine["interviewer"]), ("r", mine["room"])}
    if mine["interpreter"]:
        shared.add(("i", mine["interpreter"]))
    for other in pinned:
        theirs = draft.persons[other]["fixed"]
        if other == code or theirs is None:
            continue
        their_start = theirs["start"]
        if their_start >= end or their_start + draft.persons[other]["duration"] <= start:
            continue
        used = {("i", theirs["interviewer"]), ("r", theirs["room"])}
        if theirs["interpreter"]:
            used.add(("i", theirs["interpreter"]))
        if shared & used:
            return str(other)
    return None


def build_problem(operation: Operation, day: PlanningDay, *, now: datetime) -> LiveProblem:
    """The day's interview problem from the operation's records (see the module's docstring)."""
    notes: list[str] = []
    now_start = ceil_slot(now)

    # --- who: persons not released, transferred or interviewed ---------------------------------------------
    candidates = list(
        Person.objects.filter(operation=operation, outcome="")
        .annotate(
            first_needs=Min("needs_assessments__at"),
            first_information=Min("information__at"),
            open_danger=Exists(DangerFlag.objects.filter(person=OuterRef("pk"), responded_at__isnull=True)),
        )
        .prefetch_related("tags", "languages", "needs_assessments")
        .order_by("code")
    )
    interviews_by_person: dict[Any, list[Interview]] = defaultdict(list)
    for interview in (
        Interview.objects.filter(person__operation=operation)
        .exclude(status=InterviewStatus.CANCELLED)
        .select_related("interviewer", "interpreter", "location")
        .order_by("starts_at")
    ):
        interviews_by_person[interview.person_id].append(interview)

    designations = _designations(operation)
    waiting: list[Waiting] = []
    kept_safe: list[Held] = []
    held_back: list[Interview] = []  # interviews not started of held persons: they make way on acceptance
    persons: dict[Any, Person] = {}
    cared_at: dict[str, tuple[datetime | None, datetime | None]] = {}
    started: dict[str, Interview] = {}
    movable: dict[str, list[Interview]] = {}
    for person in candidates:
        held = interviews_by_person.get(person.pk, [])
        if any(i.status == InterviewStatus.CONDUCTED for i in held):
            continue
        scheduled = [i for i in held if i.status == InterviewStatus.SCHEDULED]
        if any(_ends(i) <= now for i in scheduled):
            continue  # held, and only its record is missing
        if not in_victim_care(designations.get(person.pk, DesignationStatus.UNDETERMINED)):
            # off the victim-care pathway: the plan holds victim-centered interviews only; a suspect's
            # interview is booked by hand (its interviewer and room are then busy for the plan, below)
            notes.append(suspect_left_out(person.code))
            continue
        under_way = [i for i in scheduled if i.starts_at <= now]
        if person.open_danger and not under_way:
            # safety first: no interview until someone responds to the flag (an interview under way stays)
            kept_safe.append(Held(person.code, open_danger_reason(person.code), person.priority or "normal"))
            held_back += scheduled
            continue
        missing = tuple(
            what
            for what, at in (
                (MISSING_NEEDS, person.first_needs),
                (MISSING_INFORMATION, person.first_information),
            )
            if at is None
        )
        if missing and not under_way:
            waiting.append(Waiting(person.code, missing))
            continue
        persons[person.pk] = person
        cared_at[person.code] = (person.first_needs, person.first_information)
        if under_way:
            started[person.code] = under_way[0]
        future = [i for i in scheduled if i.starts_at > now]
        if future:
            movable[person.code] = future

    # --- the clock ---------------------------------------------------------------------------------------
    start = min([now_start, *(floor_slot(i.starts_at) for i in started.values())])
    clock = Clock(start)
    now_slot = clock.floor(now_start)
    horizon = max(now_slot, clock.floor(day.ends_at))
    for interview in started.values():
        horizon = max(horizon, clock.ceil(_ends(interview)))
    duration = math.ceil(day.interview_minutes / SLOT_MINUTES)

    draft = _Draft()
    by_code = {p.code: p for p in persons.values()}
    apart = _keep_apart(operation, persons)
    for waiter in persons.values():
        tags = {t.tag for t in waiter.tags.all()}
        ready = 0
        first_needs, first_information = cared_at[waiter.code]
        if first_needs is not None and first_information is not None:
            cared = max(first_needs, first_information)
            # the guardrails want care strictly before the interview starts: the first slot after it
            ready = max(0, clock.floor(cared) + 1) if cared >= start else 0
        gender = waiter.stated_interviewer_gender or None
        draft.persons[waiter.code] = {
            "id": waiter.code,
            "minor": treated_as_minor(tags),
            "languages": sorted(languages_of(waiter)),
            "ready": max(ready, now_slot),
            "duration": duration,
            "priority": waiter.priority or "normal",
            "keep_apart": sorted(other for other in apart.get(waiter.code, ()) if other in by_code),
            "interviewer_gender": gender,
            "fixed": None,
            "eligible_interviewers": None,
            "eligible_rooms": None,
        }

    # --- who interviews and interprets, where --------------------------------------------------------------
    on_operation = set(operation.participants.values_list("agency_id", flat=True))
    availabilities = list(
        Availability.objects.filter(day=day)
        .select_related("user", "user__agency")
        .prefetch_related("user__qualifications", "user__languages")
        .order_by("kind", "user__username")
    )
    interviewer_users: dict[str, User] = {}
    interpreter_users: dict[str, User] = {}
    roles: dict[str, str] = {}
    gone: dict[str, int] = {}
    for availability in availabilities:
        user = availability.user
        if not user.is_active or user.agency_id not in on_operation:
            notes.append(f"{user.name} is no longer on the operation and was left out.")
            continue
        windows = _window(clock, availability.available_from, availability.available_until, horizon)
        if availability.gone_from is not None:
            # the slot they are gone from, rounded down: nothing given to them ends after they left
            gone[user.username] = max(0, clock.floor(availability.gone_from))
        if availability.kind == AvailabilityKind.INTERVIEWER:
            if availability.role not in user.interviewer_roles:
                notes.append(
                    f"{user.name} is not qualified as {availability.role.replace('_', ' ')} any more."
                )
                continue
            interviewer_users[user.username] = user
            roles[user.username] = availability.role
            draft.interviewers[user.username] = {
                "id": user.username,
                "role": availability.role,
                "gender": user.gender or None,
                "languages": sorted(user.language_codes),
                "available": windows,
            }
        else:
            interpreter_users[user.username] = user
            draft.interpreters[user.username] = {
                "id": user.username,
                "languages": sorted(user.language_codes),
                "available": windows,
            }

    room_locations: dict[str, InterviewLocation] = {}
    for room in PlanningRoom.objects.filter(day=day).select_related("location").order_by("room"):
        location = room.location
        if location.retired or location.operation_id != operation.pk or not location.is_nondetention:
            continue
        room_locations[room.room] = location
        draft.rooms[room.room] = {
            "id": room.room,
            "location": location.plan_id,
            "private": True,
            "nondetention": True,
            "available": _window(clock, room.available_from, room.available_until, horizon),
        }

    # --- interviews under way: fixed, with what they use -------------------------------------------------
    in_use = 0
    started_fixed: dict[str, tuple[int, int]] = {}  # code → (start slot, end slot)
    for code, interview in started.items():
        first = clock.floor(interview.starts_at)
        end = clock.ceil(_ends(interview))
        draft.persons[code]["duration"] = end - first
        draft.persons[code]["ready"] = min(draft.persons[code]["ready"], first)
        started_fixed[code] = (first, end)
        interviewer = interview.interviewer
        if interviewer.username not in draft.interviewers:
            interviewer_users[interviewer.username] = interviewer
            roles[interviewer.username] = interview.role
            draft.interviewers[interviewer.username] = {
                "id": interviewer.username,
                "role": interview.role,
                "gender": interviewer.gender or None,
                "languages": sorted(interviewer.language_codes),
                "available": [],
            }
        entry = draft.interviewers[interviewer.username]
        entry["available"] = [*entry["available"], (first, end)]
        interpreter = interview.interpreter
        if interpreter is not None:
            if interpreter.username not in draft.interpreters:
                interpreter_users[interpreter.username] = interpreter
                draft.interpreters[interpreter.username] = {
                    "id": interpreter.username,
                    "languages": sorted(interpreter.language_codes),
                    "available": [],
                }
            booked = draft.interpreters[interpreter.username]
            booked["available"] = [*booked["available"], (first, end)]
        room_id = interview.room
        known = room_locations.get(room_id)
        if known is None or known.pk != interview.location_id:
            in_use += 1
            room_id = f"{interview.location.plan_id}-in-use-{in_use}"
            room_locations[room_id] = interview.location
            draft.rooms[room_id] = {
                "id": room_id,
                "location": interview.location.plan_id,
                "private": True,
                "nondetention": interview.location.is_nondetention,
                "available": [],
            }
        draft.rooms[room_id]["available"] = [*draft.rooms[room_id]["available"], (first, end)]
        draft.persons[code]["fixed"] = {
            "start": first,
            "room": room_id,
            "interviewer": interviewer.username,
            "interpreter": interpreter.username if interpreter is not None else None,
        }

    # An interviewer who left is available until then — but finishes an interview under way.
    for username, leaves in gone.items():
        until = leaves
        for code, (_first, end) in started_fixed.items():
            fixed = draft.persons[code]["fixed"]
            if fixed["interviewer"] == username or fixed["interpreter"] == username:
                until = max(until, end)
        for pool in (draft.interviewers, draft.interpreters):
            if username in pool:
                pool[username]["available"] = _cut_at(pool[username]["available"], until)

    # --- resources busy with interviews the problem does not hold (other operations, people left out) ------
    represented = (
        {i.pk for i in started.values()}
        | {i.pk for group in movable.values() for i in group}
        | {i.pk for i in held_back}
    )
    window_start, window_end = clock.at(0), clock.at(horizon)
    users = [*interviewer_users.values(), *interpreter_users.values()]
    busy = (
        Interview.objects.exclude(status=InterviewStatus.CANCELLED)
        .exclude(pk__in=represented)
        .filter(starts_at__lt=window_end)
        .filter(
            Q(interviewer__in=users)
            | Q(interpreter__in=users)
            | Q(location__in=list(room_locations.values()))
        )
        .select_related("interviewer", "interpreter")
    )
    for interview in busy:
        if _ends(interview) <= window_start:
            continue
        first, end = max(0, clock.floor(interview.starts_at)), min(horizon, clock.ceil(_ends(interview)))
        for pool, key in (
            (draft.interviewers, interview.interviewer.username),
            (draft.interpreters, interview.interpreter.username if interview.interpreter else ""),
            (draft.rooms, interview.room if room_locations.get(interview.room) == interview.location else ""),
        ):
            if key and key in pool:
                pool[key]["available"] = _subtract(pool[key]["available"], first, end)

    # --- who may interview whom, and where: the plan's interviews section, the day's rooms for minors --------
    # (an interview under way keeps what it has; a pin that breaks this is released below)
    allowed = eligibility(operation, day)
    for code, entry in draft.persons.items():
        if code in started:
            continue
        minor = entry["minor"]
        if allowed.conductors(minor=minor) is not None:
            entry["eligible_interviewers"] = [
                ident
                for ident in draft.interviewers
                if allowed.interviewer_allowed(
                    minor=minor, role=roles[ident], agency_id=interviewer_users[ident].agency_id
                )
            ]
        if allowed.minors_at:
            entry["eligible_rooms"] = [
                ident
                for ident, location in room_locations.items()
                if ident in draft.rooms and allowed.room_allowed(minor=minor, location_id=location.pk)
            ]

    # --- the coordinator's pins ------------------------------------------------------------------------------
    pinned: dict[str, Pin] = {}
    pins = Pin.objects.filter(day=day).select_related("person", "interviewer", "interpreter", "location")
    for pin in pins.order_by("starts_at"):
        code = pin.person.code
        if code not in draft.persons or code in started:
            continue
        first = clock.floor(pin.starts_at)
        reason = ""
        if clock.at(first) != pin.starts_at:
            reason = "it does not start on a quarter hour"
        elif first < now_slot:
            reason = f"its time ({_when(pin.starts_at)}) has passed"
        elif pin.interviewer.username not in draft.interviewers:
            reason = f"{pin.interviewer.name} is not marked available"
        elif (left := gone.get(pin.interviewer.username)) is not None and left < first + math.ceil(
            pin.minutes / SLOT_MINUTES
        ):
            reason = f"{pin.interviewer.name} left at {_when(clock.at(left))}"
        elif pin.room not in draft.rooms:
            reason = f"room {pin.room} is not available"
        elif pin.interpreter is not None and pin.interpreter.username not in draft.interpreters:
            reason = f"{pin.interpreter.name} is not marked available"
        if reason:
            notes.append(f"{code}'s pin at {_when(pin.starts_at)} was released: {reason}.")
            continue
        pinned[code] = pin
        draft.persons[code]["duration"] = math.ceil(pin.minutes / SLOT_MINUTES)
        draft.persons[code]["fixed"] = {
            "start": first,
            "room": pin.room,
            "interviewer": pin.interviewer.username,
            "interpreter": pin.interpreter.username if pin.interpreter is not None else None,
        }

    # --- fixed assignments that cannot all be kept: release pins, take started ones out --------------------
    problem = _assemble(operation, clock, horizon, draft)
    for _ in range(len(draft.persons) + 1):
        faults = fixed_problems(problem)
        if not faults:
            break
        listed = list(draft.persons)
        for fault in faults:
            index = int(fault.path.split("[", 1)[1].split("]", 1)[0])
            code = listed[index]
            if code in pinned:
                del pinned[code]
                draft.persons[code]["fixed"] = None
                draft.persons[code]["duration"] = duration
                notes.append(f"{code}'s pin was released: it {fault.message}.")
            elif code in started and code in draft.persons and (rival := _pin_against(draft, code, pinned)):
                # an interview under way never makes way for a pin: the pin is released instead
                del pinned[rival]
                draft.persons[rival]["fixed"] = None
                draft.persons[rival]["duration"] = duration
                notes.append(f"{rival}'s pin was released: it clashed with {code}'s interview under way.")
            elif code in started and code in draft.persons:
                _take_out_started(draft, code, started_fixed[code])
                notes.append(
                    f"{code}'s interview under way is kept out of the plan ({fault.message}); "
                    "its room, interviewer and interpreter stay taken until it ends."
                )
                del started[code]
            break  # one at a time: releasing one may resolve the others
        problem = _assemble(operation, clock, horizon, draft)

    # Read back through the parser, so the problem obeys every rule a problem file does.
    problem = parse_problem(dump_problem(problem))
    kept = {p.id for p in problem.persons}
    return LiveProblem(
        problem=problem,
        clock=clock,
        now_slot=now_slot,
        waiting=waiting,
        notes=notes,
        persons={code: p for code, p in by_code.items() if code in kept},
        started=started,
        pinned=pinned,
        movable={code: found for code, found in movable.items() if code in kept},
        interviewers=interviewer_users,
        interpreters=interpreter_users,
        rooms=room_locations,
        roles=roles,
        held=kept_safe,
    )


def _take_out_started(draft: _Draft, code: str, slots: tuple[int, int]) -> None:
    """Remove a person whose interview under way cannot be fixed; its resources stay taken for its time."""
    fixed = draft.persons[code]["fixed"]
    first, end = slots
    for pool, key in (
        (draft.interviewers, fixed["interviewer"]),
        (draft.interpreters, fixed["interpreter"]),
        (draft.rooms, fixed["room"]),
    ):
        if key and key in pool:
            pool[key]["available"] = _subtract(pool[key]["available"], first, end)
    del draft.persons[code]
    for other in draft.persons.values():
        other["keep_apart"] = [p for p in other["keep_apart"] if p != code]


def _merge(windows: Sequence[Window]) -> list[tuple[int, int]]:
    """Windows sorted and merged where they touch (the problem reads their union either way)."""
    merged: list[list[int]] = []
    for a, b in sorted(windows):
        if b <= a:
            continue
        if merged and a <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], b)
        else:
            merged.append([a, b])
    return [(a, b) for a, b in merged]


def _assemble(operation: Operation, clock: Clock, horizon: int, draft: _Draft) -> InterviewProblem:
    persons = []
    for entry in draft.persons.values():
        fixed = entry["fixed"]
        persons.append(
            ProblemPerson(
                id=entry["id"],
                minor=entry["minor"],
                languages=entry["languages"],
                ready=entry["ready"],
                duration=entry["duration"],
                priority=entry["priority"],
                keep_apart=entry["keep_apart"],
                interviewer_gender=entry["interviewer_gender"],
                fixed=Fixed(**fixed) if fixed is not None else None,
                eligible_interviewers=entry["eligible_interviewers"],
                eligible_rooms=entry["eligible_rooms"],
            )
        )
    return InterviewProblem(
        format=PROBLEM_FORMAT,
        operation=operation.code,
        start=clock.start,
        slot_minutes=SLOT_MINUTES,
        horizon=horizon,
        persons=persons,
        interviewers=[
            Interviewer(**{**entry, "available": _merge(entry["available"])})
            for entry in draft.interviewers.values()
        ],
        interpreters=[
            Interpreter(**{**entry, "available": _merge(entry["available"])})
            for entry in draft.interpreters.values()
        ],
        rooms=[Room(**{**entry, "available": _merge(entry["available"])}) for entry in draft.rooms.values()],
    )
