"""Access-matrix rows for planning the day's interviews: the plan page, each planning action, and the
interviewer's calendar.

Everyone on the operation reads the plan and downloads their own calendar; only a coordinator of an agency
that writes the interview schedule (here the police department's coordinator) plans. Actions are POSTed
with an empty body: the planner gets the form back with its problems (400), or — where the empty form is a
complete action (plan, re-plan, accept) — is sent back to the page (303); anyone else on the operation gets
403, anyone not on it 404. The rows run in order: the plan is accepted before it is re-planned.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from haven.operations.models import Operation
from haven.scheduling import services
from haven.scheduling.live import floor_slot
from haven.scheduling.services import Marked, RoomMarked
from tests.access.matrix_encounters import BASE, OFF, scenario
from tests.personas import make_user

INTERVIEWS = BASE + "interviews/"
PLAN = INTERVIEWS + "plans/<uuid:plan_id>/"
PLANNER = {**OFF, "coordinator": 400, "*": 403}
PLANNED = {**OFF, "coordinator": 303, "*": 403}

MATRIX: dict[str, tuple[str, dict[str, int]]] = {
    INTERVIEWS + "plan/": ("GET", {**OFF, "*": 200}),
    INTERVIEWS + "mine.ics": ("GET", {**OFF, "*": 200}),
    # a planning run's progress, polled by the page: everyone who reads the plan
    INTERVIEWS + "plan/runs/<uuid:run_id>/": ("GET", {**OFF, "*": 200}),
    INTERVIEWS + "plan/availability/": ("POST", PLANNER),
    INTERVIEWS + "plan/rooms/": ("POST", PLANNER),
    INTERVIEWS + "plan/gone/": ("POST", PLANNER),
    PLAN + "accept/": ("POST", PLANNED),
    PLAN + "pin/": ("POST", PLANNER),
    PLAN + "unpin/": ("POST", PLANNER),
    PLAN + "replan/": ("POST", PLANNED),
    INTERVIEWS + "plan/solve/": ("POST", PLANNED),
}


def arrange() -> dict[str, str]:
    # the encounter scenario's operation (matrix_encounters binds <str:operation_code> to it)
    operation = Operation.objects.filter(code="NL-2026-12").first() or scenario().operation
    coordinator = make_user("coordinator")
    now = timezone.now()
    start, end = floor_slot(now), floor_slot(now) + timedelta(hours=8)
    services.availability_set(
        actor=coordinator,
        operation=operation,
        starts_at=start,
        ends_at=end,
        interview_minutes=60,
        interviewers=[Marked(make_user("federal_agent"), start, end)],
        interpreters=[],
        rooms=[RoomMarked("harbor-rooms-1", start, end)],
        now=now,
    )
    plan = services.schedule_plan(actor=coordinator, operation=operation, time_limit=1.0, now=now)
    # a run waiting for the worker (the matrix's transaction never commits, so it is never queued)
    run = services.schedule_solve_start(actor=coordinator, operation=operation, previous=plan, time_limit=1.0)
    return {
        "<str:operation_code>": operation.code,
        "<uuid:plan_id>": str(plan.pk),
        "<uuid:run_id>": str(run.pk),
    }
