"""The interview plan page: today's availability, planning with a visible progress indicator, the plan as
a timeline by room and by interviewer, pins, who left, added rooms, re-planning, acceptance, and each
interviewer's calendar. Views stay thin: selectors decide what a reader sees, services decide and write.

Times on the page are in the operation's own offset from UTC (see haven.web.timezones), labelled with it.
A time typed without a date (the inputs take HH:MM) is read in that offset, within the planning day: the day starts at the first such time at or around now, and a time earlier
than the day's start belongs to the next calendar day (a night shift).

Every action POSTs to its own URL: success → back to the page at the section, which says what was saved;
problems with the input → 400 with the form and its problems; a refusal → 422 with the refusal next to it.
Planning and re-planning also answer htmx with the page, from which the plan is swapped in place.
"""

from __future__ import annotations

from datetime import datetime, time, timedelta
from typing import Any
from uuid import UUID

from django import forms
from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST
from icalendar import Calendar, Event

from haven.access.policies import Standing
from haven.accounts.models import InterviewerRole, User
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import NotFound, RuleViolation, ValidationFailed
from haven.core.languages import language_name, languages_label
from haven.core.problems import Problem
from haven.encounters.rules import interpreting_between
from haven.encounters.services import languages_of
from haven.operations.models import InterviewLocation, Operation
from haven.operations.selectors import operation_for
from haven.scheduling import services
from haven.scheduling.live import ceil_slot, default_role, floor_slot
from haven.scheduling.models import Availability, AvailabilityKind, PlanningDay, SolveRun, SolveStatus
from haven.scheduling.selectors import (
    day_for,
    interview_end,
    latest_plan,
    latest_run,
    may_accept,
    may_plan,
    my_interviews,
    plan_for,
    plan_view,
    require_reader,
    run_for,
)
from haven.scheduling.words import default_window
from haven.web.timezones import label_times

DAY_HOURS = 10
_ROLE_LABELS = dict(InterviewerRole.choices)

SAVED = {
    "availability": ("availability", "Availability saved. Plan the interviews when you are ready."),
    "room": ("rooms", "Room added. Re-plan to use it."),
    "gone": ("gone", "Marked as gone. Re-plan to give their interviews to others."),
    "planned": ("plan-result", "Planned."),
    "pinned": ("plan-result", "Pinned: re-planning keeps this interview where it is."),
    "unpinned": ("plan-result", "Pin removed."),
    "accepted": ("plan-result", "Accepted: the interviews are scheduled."),
}


def _actor(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


def _htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _time_limit() -> float:
    return float(getattr(settings, "HAVEN_SCHEDULE_TIME_LIMIT", services.DEFAULT_TIME_LIMIT))


def _planning(request: HttpRequest, operation_code: str) -> tuple[User, Operation, Standing]:
    actor = _actor(request)
    operation, standing = operation_for(actor, operation_code)
    require_reader(standing)
    return actor, operation, standing


def _page_url(operation: Operation, saved: str = "") -> str:
    url = reverse("web:interview-plan", kwargs={"operation_code": operation.code})
    if not saved:
        return url + "#plan-result"
    return f"{url}?saved={saved}#{SAVED[saved][0]}"


# --- times typed as HH:MM, read within the planning day ---------------------------------------------------


class TimeInput(forms.TimeInput):
    input_type = "time"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format="%H:%M")


def _time_field(label: str, *, required: bool = False) -> forms.TimeField:
    return forms.TimeField(label=label, required=required, widget=TimeInput())


def day_start(now: datetime, at: time) -> datetime:
    """The day's start: `at` on today's date, or on the day before or after when that is nearer to now."""
    zone = timezone.get_current_timezone()
    today = datetime.combine(now.astimezone(zone).date(), at, tzinfo=zone)
    return min((today + timedelta(days=d) for d in (-1, 0, 1)), key=lambda c: abs(c - now))


def within(start: datetime, at: time) -> datetime:
    """`at` within the day that begins at `start`: on or after `start`, less than a day later; a time up to
    six hours before the start counts as before it (someone available before the day begins)."""
    zone = timezone.get_current_timezone()
    moment = datetime.combine(start.astimezone(zone).date(), at, tzinfo=zone)
    if moment < start - timedelta(hours=6):
        moment += timedelta(days=1)
    elif moment >= start + timedelta(days=1):
        moment -= timedelta(days=1)
    return moment


def after(first: datetime, at: time) -> datetime:
    """The first `at` after `first`."""
    zone = timezone.get_current_timezone()
    moment = datetime.combine(first.astimezone(zone).date(), at, tzinfo=zone)
    while moment <= first:
        moment += timedelta(days=1)
    return moment


# --- forms ------------------------------------------------------------------------------------------------


class AvailabilityForm(forms.Form):
    """The day's window and, per interviewer, interpreter and room: available or not, from–until."""

    day_from = _time_field("Day from", required=True)
    day_until = _time_field("Day until", required=True)
    interview_minutes = forms.IntegerField(label="Interview length (minutes)", min_value=15, max_value=480)
    # the day's availability as the form was opened: a save over someone else's change is refused
    version = forms.CharField(widget=forms.HiddenInput, required=False)

    def __init__(
        self,
        data: Any = None,
        *,
        interviewers: list[User],
        interpreters: list[User],
        rooms: list[tuple[str, str]],
        locations: list[InterviewLocation],
        **kwargs: Any,
    ) -> None:
        super().__init__(data, auto_id="av_%s", **kwargs)
        self.interviewers, self.interpreters, self.rooms = interviewers, interpreters, rooms
        self.locations = {location.plan_id: location for location in locations}
        self.fields["minors_at"] = forms.MultipleChoiceField(
            label="Where minors are interviewed",
            choices=[(location.plan_id, location.name) for location in locations],
            required=False,
            widget=forms.CheckboxSelectMultiple,
            help_text=(
                "Ticked: minors (and anyone whose age is not recorded) are interviewed only in the rooms of "
                "these locations, and adults only elsewhere. None ticked: anyone in any room."
            ),
        )
        for user in interviewers:
            key = f"iv_{user.pk.hex}"
            self.fields[key] = forms.BooleanField(label=user.name, required=False)
            self.fields[f"{key}_role"] = forms.ChoiceField(
                label=f"Role of {user.name}",
                choices=[(r, _ROLE_LABELS.get(r, r)) for r in user.interviewer_roles],
                required=False,  # the widest role they hold, when none is chosen
            )
            self.fields[f"{key}_from"] = _time_field(f"{user.name} from")
            self.fields[f"{key}_until"] = _time_field(f"{user.name} until")
        for user in interpreters:
            key = f"tr_{user.pk.hex}"
            self.fields[key] = forms.BooleanField(label=user.name, required=False)
            self.fields[f"{key}_from"] = _time_field(f"{user.name} from")
            self.fields[f"{key}_until"] = _time_field(f"{user.name} until")
        for room_id, _location in rooms:
            key = f"rm_{room_id}"
            self.fields[key] = forms.BooleanField(label=room_id, required=False)
            self.fields[f"{key}_from"] = _time_field(f"{room_id} from")
            self.fields[f"{key}_until"] = _time_field(f"{room_id} until")
        self.paths: dict[str, str] = {}
        label_times(self)

    @property
    def interviewer_rows(self) -> list[dict[str, Any]]:
        """Bound fields per row, for the template."""
        return [
            {
                "user": user,
                "on": self[f"iv_{user.pk.hex}"],
                "role": self[f"iv_{user.pk.hex}_role"],
                "from": self[f"iv_{user.pk.hex}_from"],
                "until": self[f"iv_{user.pk.hex}_until"],
                "languages": ", ".join(language_name(c) for c in user.language_codes) or "—",
                "gender": user.get_gender_display() or "not recorded",
            }
            for user in self.interviewers
        ]

    @property
    def interpreter_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "user": user,
                "on": self[f"tr_{user.pk.hex}"],
                "from": self[f"tr_{user.pk.hex}_from"],
                "until": self[f"tr_{user.pk.hex}_until"],
                "languages": ", ".join(language_name(c) for c in user.language_codes) or "—",
            }
            for user in self.interpreters
        ]

    @property
    def room_rows(self) -> list[dict[str, Any]]:
        return [
            {
                "room": room_id,
                "location": location,
                "on": self[f"rm_{room_id}"],
                "from": self[f"rm_{room_id}_from"],
                "until": self[f"rm_{room_id}_until"],
            }
            for room_id, location in self.rooms
        ]

    def arguments(self, now: datetime) -> dict[str, Any]:
        """The service's arguments; `paths` maps the service's problem paths back to fields."""
        data = self.cleaned_data
        starts_at = day_start(now, data["day_from"])
        ends_at = after(starts_at, data["day_until"])

        def window(key: str) -> tuple[datetime, datetime]:
            first = within(starts_at, data[f"{key}_from"]) if data.get(f"{key}_from") else starts_at
            until = after(first, data[f"{key}_until"]) if data.get(f"{key}_until") else ends_at
            return first, until

        interviewers: list[services.Marked] = []
        interpreters: list[services.Marked] = []
        rooms: list[services.RoomMarked] = []
        self.paths = {"ends_at": "day_until", "starts_at": "day_from"}
        for user in self.interviewers:
            key = f"iv_{user.pk.hex}"
            if data.get(key):
                path = f"interviewers[{len(interviewers)}]"
                self.paths |= {f"{path}.role": f"{key}_role", f"{path}.available_until": f"{key}_until"}
                role = data.get(f"{key}_role") or default_role(user)
                interviewers.append(services.Marked(user, *window(key), role=role))
        for user in self.interpreters:
            key = f"tr_{user.pk.hex}"
            if data.get(key):
                self.paths[f"interpreters[{len(interpreters)}].available_until"] = f"{key}_until"
                interpreters.append(services.Marked(user, *window(key)))
        for room_id, _location in self.rooms:
            key = f"rm_{room_id}"
            if data.get(key):
                self.paths[f"rooms[{len(rooms)}].available_until"] = f"{key}_until"
                rooms.append(services.RoomMarked(room_id, *window(key)))
        self.paths |= {f"minor_locations[{n}]": "minors_at" for n in range(len(data.get("minors_at") or ()))}
        return {
            "starts_at": starts_at,
            "ends_at": ends_at,
            "interview_minutes": data["interview_minutes"],
            "interviewers": interviewers,
            "interpreters": interpreters,
            "rooms": rooms,
            "minor_locations": [self.locations[plan_id] for plan_id in data.get("minors_at") or ()],
            # a form posted without it (not from the page) is not checked
            "expected_version": data.get("version") or "" if "version" in self.data else None,
        }

    def add_problems(self, problems: list[Problem]) -> None:
        for problem in problems:
            name = self.paths.get(problem.path, problem.path)
            self.add_error(name if name in self.fields else None, f"{problem.message}")


def _availability_form(
    operation: Operation, day: PlanningDay | None, now: datetime, data: Any = None
) -> AvailabilityForm:
    interviewers = services.interviewers_on(operation)
    interpreters = services.interpreters_on(operation)
    plan_rooms = [(room_id, location.name) for room_id, location in services.plan_rooms(operation)]
    added = (
        [
            (r.room, f"{r.location.name} (added)")
            for r in day.rooms.filter(added=True).select_related("location")
        ]
        if day is not None
        else []
    )
    rooms = plan_rooms + added
    locations = list(
        operation.interview_locations.filter(retired=False, setting="nondetention").order_by("plan_id")
    )
    initial: dict[str, Any] = {"version": services.day_version(day)}
    if day is None:
        # the operation's period (issue 14), on the quarter hours
        start, until = default_window(now, operation.starts_at, operation.ends_at, fallback_hours=DAY_HOURS)
        initial |= {
            "day_from": floor_slot(start).astimezone(timezone.get_current_timezone()).time(),
            "day_until": ceil_slot(until).astimezone(timezone.get_current_timezone()).time(),
            "interview_minutes": 60,
        }
        initial |= {f"rm_{room_id}": True for room_id, _ in rooms}
        initial |= {f"iv_{u.pk.hex}_role": default_role(u) for u in interviewers}
    else:
        initial |= {
            "day_from": day.starts_at.astimezone(timezone.get_current_timezone()).time(),
            "day_until": day.ends_at.astimezone(timezone.get_current_timezone()).time(),
            "interview_minutes": day.interview_minutes,
        }
        for a in day.availabilities.all():
            key = f"{'iv' if a.kind == AvailabilityKind.INTERVIEWER else 'tr'}_{a.user_id.hex}"
            initial |= {
                key: True,
                f"{key}_from": a.available_from.astimezone(timezone.get_current_timezone()).time(),
                f"{key}_until": a.available_until.astimezone(timezone.get_current_timezone()).time(),
            }
            if a.role:
                initial[f"{key}_role"] = a.role
        for u in interviewers:
            initial.setdefault(f"iv_{u.pk.hex}_role", default_role(u))
        initial["minors_at"] = [location.plan_id for location in day.minor_locations.all()]
        for r in day.rooms.all():
            initial |= {
                f"rm_{r.room}": True,
                f"rm_{r.room}_from": r.available_from.astimezone(timezone.get_current_timezone()).time(),
                f"rm_{r.room}_until": r.available_until.astimezone(timezone.get_current_timezone()).time(),
            }
    return AvailabilityForm(
        data,
        interviewers=interviewers,
        interpreters=interpreters,
        rooms=rooms,
        locations=locations,
        initial=initial,
    )


class RoomForm(forms.Form):
    location = forms.ModelChoiceField(
        label="Location", queryset=InterviewLocation.objects.none(), empty_label="Choose a location"
    )
    room = forms.CharField(
        label="Room id",
        max_length=40,
        help_text="Lower-case letters, digits and '-', such as harbor-annex-1.",
    )
    available_from = _time_field("Available from")
    available_until = _time_field("Available until")

    def __init__(self, data: Any = None, *, operation: Operation, **kwargs: Any) -> None:
        super().__init__(data, auto_id="room_%s", **kwargs)
        label_times(self)
        field = self.fields["location"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = operation.interview_locations.filter(retired=False, setting="nondetention")


class GoneForm(forms.Form):
    user = forms.ChoiceField(label="Who left")
    gone_from = _time_field("Gone from", required=True)

    def __init__(self, data: Any = None, *, day: PlanningDay | None, **kwargs: Any) -> None:
        super().__init__(data, auto_id="gone_%s", **kwargs)
        label_times(self)
        people: list[Availability] = (
            list(day.availabilities.select_related("user").order_by("user__name")) if day else []
        )
        field = self.fields["user"]
        assert isinstance(field, forms.ChoiceField)
        field.choices = [("", "Choose who left")] + [
            (str(a.user_id), f"{a.user.name}{' (gone)' if a.gone_from else ''}") for a in people
        ]


class PinForm(forms.Form):
    person = forms.CharField(max_length=8)


# --- the page ---------------------------------------------------------------------------------------------


def _page(
    request: HttpRequest,
    actor: User,
    operation: Operation,
    standing: Standing,
    *,
    availability_form: AvailabilityForm | None = None,
    room_form: RoomForm | None = None,
    gone_form: GoneForm | None = None,
    refusal: str = "",
    refusal_section: str = "",
    status: int = 200,
    saved_key: str = "",
) -> HttpResponse:
    if request.method == "GET" or status != 200:
        # the page shows the plan (person codes, times, rooms): one event for the request; a write that
        # succeeded is recorded by its own event
        record(actor=actor, event=AuditEvent.SCHEDULE_VIEWED, target=operation, operation_id=operation.pk)
    now = timezone.now()
    day = day_for(operation, now)
    plan = latest_plan(operation, day)
    planner = may_plan(standing)
    acceptor = may_accept(standing)
    if not saved_key and status == 200:
        saved_key = request.GET.get("saved", "")
    saved = SAVED.get(saved_key)
    if planner:
        availability_form = availability_form or _availability_form(operation, day, now)
        if day is not None:
            room_form = room_form or RoomForm(operation=operation)
            gone_form = gone_form or GoneForm(day=day)
    mine = my_interviews(actor, standing, operation).count()
    run = latest_run(operation)
    ended = _ended_run(request, standing, operation)
    if ended is not None and ended.status in (SolveStatus.REFUSED, SolveStatus.FAILED) and not refusal:
        # the run this page was sent back from was refused: say why, where the plan would be
        refusal, refusal_section = ended.message, "plan-result"
    context = {
        "operation": operation,
        "day": day,
        "view": plan_view(standing, plan) if plan is not None else None,
        "planner": planner,
        "acceptor": acceptor,
        "availability_form": availability_form if planner else None,
        "room_form": room_form if planner and day is not None else None,
        "gone_form": gone_form if planner and day is not None else None,
        "saved": {"section": saved[0], "message": saved[1]} if saved else None,
        "refusal": refusal,
        "refusal_section": refusal_section,
        "time_limit": round(_time_limit()),
        "run": run,
        "run_elapsed": _elapsed(run) if run is not None else 0,
        "mine": mine,
        "open_availability": planner
        and (day is None or saved_key == "availability" or refusal_section == "availability"),
    }
    return render(request, "web/scheduling/plan.html", context, status=status)


@require_GET
def plan_page(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    return _page(request, actor, operation, standing)


@require_POST
def availability_save(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    services.require_planner(actor, operation)
    now = timezone.now()
    form = _availability_form(operation, day_for(operation, now), now, request.POST)
    if form.is_valid():
        try:
            services.availability_set(actor=actor, operation=operation, now=now, **form.arguments(now))
        except ValidationFailed as error:
            form.add_problems(error.problems)
        else:
            return HttpResponseRedirect(_page_url(operation, "availability"), status=303)
    return _page(
        request,
        actor,
        operation,
        standing,
        availability_form=form,
        refusal_section="availability",
        status=400,
    )


@require_POST
def room_add(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    services.require_planner(actor, operation)
    now = timezone.now()
    form = RoomForm(request.POST, operation=operation)
    refusal = ""
    day = day_for(operation, now)
    if form.is_valid():
        data = form.cleaned_data
        start = day.starts_at if day is not None else floor_slot(now)
        first = within(start, data["available_from"]) if data["available_from"] else start
        until = (
            after(first, data["available_until"])
            if data["available_until"]
            else (day.ends_at if day is not None else first + timedelta(hours=DAY_HOURS))
        )
        try:
            services.room_add(
                actor=actor,
                operation=operation,
                location=data["location"],
                room=data["room"].strip(),
                available_from=first,
                available_until=until,
                now=now,
            )
        except ValidationFailed as error:
            for problem in error.problems:
                name = problem.path.replace("room.available_until", "available_until")
                form.add_error(name if name in form.fields else None, problem.message)
        except RuleViolation as error:
            refusal = error.message
        else:
            return HttpResponseRedirect(_page_url(operation, "room"), status=303)
    return _page(
        request,
        actor,
        operation,
        standing,
        room_form=form,
        refusal=refusal,
        refusal_section="rooms",
        status=422 if refusal else 400,
    )


@require_POST
def interviewer_gone(request: HttpRequest, operation_code: str) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    services.require_planner(actor, operation)
    now = timezone.now()
    day = day_for(operation, now)
    form = GoneForm(request.POST, day=day)
    refusal = ""
    if form.is_valid():
        user = User.objects.get(pk=form.cleaned_data["user"])  # one of the choices: marked today
        start = day.starts_at if day is not None else floor_slot(now)
        try:
            services.interviewer_gone(
                actor=actor,
                operation=operation,
                user=user,
                gone_from=within(start, form.cleaned_data["gone_from"]),
                now=now,
            )
        except ValidationFailed as error:
            for problem in error.problems:
                form.add_error(problem.path if problem.path in form.fields else None, problem.message)
        except RuleViolation as error:
            refusal = error.message
        else:
            return HttpResponseRedirect(_page_url(operation, "gone"), status=303)
    return _page(
        request,
        actor,
        operation,
        standing,
        gone_form=form,
        refusal=refusal,
        refusal_section="gone",
        status=422 if refusal else 400,
    )


def _after_start(
    request: HttpRequest, actor: User, operation: Operation, standing: Standing, run: SolveRun
) -> HttpResponse:
    """Back to the page once a planning run is queued. A small plan may be solved by the worker before this
    page is drawn: then the page says it is planned (or why it was refused) instead of following a run
    that is over."""
    run.refresh_from_db()
    if run.active:
        return _after_plan(request, actor, operation, standing, "")
    if run.status == SolveStatus.DONE:
        return _after_plan(request, actor, operation, standing, "planned")
    return _refused(request, actor, operation, standing, RuleViolation(run.message, rule="schedule.run"))


def _after_plan(
    request: HttpRequest, actor: User, operation: Operation, standing: Standing, saved: str
) -> HttpResponse:
    """Back to the page at the plan; htmx gets the page at once (it swaps the plan in place)."""
    if _htmx(request):
        return _page(request, actor, operation, standing, saved_key=saved)
    return HttpResponseRedirect(_page_url(operation, saved), status=303)


def _refused(
    request: HttpRequest, actor: User, operation: Operation, standing: Standing, error: RuleViolation
) -> HttpResponse:
    return _page(
        request, actor, operation, standing, refusal=error.message, refusal_section="plan-result", status=422
    )


def _ended_run(request: HttpRequest, standing: Standing, operation: Operation) -> SolveRun | None:
    try:
        run_id = UUID(request.GET.get("run", ""))
    except ValueError:
        return None
    try:
        return run_for(standing, operation, run_id)
    except NotFound:
        return None


def _elapsed(run: SolveRun) -> int:
    """Whole seconds the solver has been at it (none while the run waits for the worker)."""
    if run.started_at is None:
        return 0
    return max(0, min(int((timezone.now() - run.started_at).total_seconds()), int(run.time_limit)))


@require_POST
def plan_solve(request: HttpRequest, operation_code: str) -> HttpResponse:
    """Start planning in the background (issue 14): the answer comes at once, and the page follows the
    run's progress until the plan is there."""
    actor, operation, standing = _planning(request, operation_code)
    services.require_planner(actor, operation)
    try:
        run = services.schedule_solve_start(actor=actor, operation=operation, time_limit=_time_limit())
    except RuleViolation as error:
        return _refused(request, actor, operation, standing, error)
    return _after_start(request, actor, operation, standing, run)


@require_POST
def plan_replan(request: HttpRequest, operation_code: str, plan_id: UUID) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    plan = plan_for(standing, operation, plan_id)
    services.require_planner(actor, operation)
    try:
        run = services.schedule_solve_start(
            actor=actor, operation=operation, previous=plan, time_limit=_time_limit()
        )
    except RuleViolation as error:
        return _refused(request, actor, operation, standing, error)
    return _after_start(request, actor, operation, standing, run)


@require_GET
def solve_status(request: HttpRequest, operation_code: str, run_id: UUID) -> HttpResponse:
    """A planning run's progress, polled by the page while it runs. When it has ended, htmx is sent back
    to the page (with the plan, or why it was refused)."""
    _, operation, standing = _planning(request, operation_code)
    run = run_for(standing, operation, run_id)
    if not run.active:
        response = HttpResponse(status=200)
        response["HX-Redirect"] = (
            _page_url(operation, "planned")
            if run.status == SolveStatus.DONE
            else reverse("web:interview-plan", kwargs={"operation_code": operation.code})
            + f"?run={run.pk}#plan-result"
        )
        return response
    context = {"operation": operation, "run": run, "run_elapsed": _elapsed(run)}
    return render(request, "web/scheduling/_progress.html", context)


def _pin_action(request: HttpRequest, operation_code: str, plan_id: UUID, *, pin: bool) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    plan = plan_for(standing, operation, plan_id)
    services.require_planner(actor, operation)
    form = PinForm(request.POST)
    if not form.is_valid():
        return _page(
            request,
            actor,
            operation,
            standing,
            refusal="Say which person's interview to pin.",
            refusal_section="plan-result",
            status=400,
        )
    person = form.cleaned_data["person"]
    try:
        if pin:
            services.assignment_pin(actor=actor, plan=plan, person=person)
        else:
            services.assignment_unpin(actor=actor, plan=plan, person=person)
    except ValidationFailed as error:
        return _page(
            request,
            actor,
            operation,
            standing,
            refusal=f"{person}: " + "; ".join(p.message for p in error.problems),
            refusal_section="plan-result",
            status=400,
        )
    except RuleViolation as error:
        return _refused(request, actor, operation, standing, error)
    return _after_plan(request, actor, operation, standing, "pinned" if pin else "unpinned")


@require_POST
def plan_pin(request: HttpRequest, operation_code: str, plan_id: UUID) -> HttpResponse:
    return _pin_action(request, operation_code, plan_id, pin=True)


@require_POST
def plan_unpin(request: HttpRequest, operation_code: str, plan_id: UUID) -> HttpResponse:
    return _pin_action(request, operation_code, plan_id, pin=False)


@require_POST
def plan_accept(request: HttpRequest, operation_code: str, plan_id: UUID) -> HttpResponse:
    actor, operation, standing = _planning(request, operation_code)
    plan = plan_for(standing, operation, plan_id)
    services.require_planner(actor, operation)
    try:
        services.schedule_accept(actor=actor, plan=plan)
    except RuleViolation as error:
        return _refused(request, actor, operation, standing, error)
    return _after_plan(request, actor, operation, standing, "accepted")


# --- the interviewer's calendar ---------------------------------------------------------------------------


@require_GET
def my_calendar(request: HttpRequest, operation_code: str) -> HttpResponse:
    """The signed-in user's scheduled interviews on the operation, as iCalendar: codes and rooms only."""
    actor, operation, standing = _planning(request, operation_code)
    interviews = list(my_interviews(actor, standing, operation))
    calendar = Calendar()
    calendar.add("prodid", "-//Haven//Interview schedule//EN")
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", f"Interviews · {operation.code}")
    stamp = timezone.now()
    for interview in interviews:
        code = interview.person.code
        role = _ROLE_LABELS.get(interview.role, interview.role)
        interpreting = interview.interpreter_id == actor.pk and interview.interviewer_id != actor.pk
        event = Event()
        event.add("uid", f"{interview.pk}@haven")
        event.add("dtstamp", stamp)
        event.add("dtstart", interview.starts_at)
        event.add("dtend", interview_end(interview))
        # the languages to interpret (roster data, readable on the operation): never case content
        person_side, interviewer_side = (
            interpreting_between(
                person=languages_of(interview.person),
                interviewer=interview.interviewer.language_codes,
                interpreter=interview.interpreter.language_codes,
            )
            if interview.interpreter is not None
            else ([], [])
        )
        between = " ↔ ".join(
            " / ".join(language_name(tag) for tag in side) or "?" for side in (person_side, interviewer_side)
        )
        summary = (
            f"Interpreting {between}: interview {code}" if interpreting else f"Interview {code} ({role})"
        )
        event.add("summary", summary)
        where = interview.location.name + (f", room {interview.room}" if interview.room else "")
        event.add("location", where)
        description = f"{operation.code} · {code} · {role} interview · {interview.minutes} minutes"
        if interpreting:
            description += (
                f" · interpret {languages_label(person_side) or 'no shared language'} for {code} and "
                f"{languages_label(interviewer_side) or 'no shared language'} for the interviewer"
            )
        elif interview.interpreter_id:
            description += (
                f" · with an interpreter of {' / '.join(language_name(t) for t in person_side) or 'unknown'}"
            )
        event.add("description", description)
        calendar.add_component(event)
    record(
        actor=actor,
        event=AuditEvent.SCHEDULE_EXPORTED,
        target=operation,
        operation_id=operation.pk,
        details={"count": len(interviews), "format": "ics"},
    )
    response = HttpResponse(calendar.to_ical(), content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{operation.code}-my-interviews.ics"'
    return response
