"""Planning the day's interviews from live records: who is available, which rooms, what is pinned, the plans.

A coordinator marks, for the planning day, which interviewers and interpreters are available and when, and
which rooms may be used; they may add a room, mark someone as gone from a time, and pin an assignment. A plan
keeps the `haven.interview-problem/v1` it was built from and the `haven.interview-schedule/v1` the solver
returned, so what was planned — and why someone was left out — can be read again later. The pure problem
and schedule live in `formats.py`; these tables hold only what the Django side needs to build them again.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models

from haven.accounts.models import InterviewerRole
from haven.core.models import BaseModel
from haven.encounters.models import Person
from haven.operations.models import InterviewLocation, Operation

USER = settings.AUTH_USER_MODEL


class PlanningDay(BaseModel):
    """The window the coordinator plans in (the problem's horizon ends with it), and the interview length."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="planning_days")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    interview_minutes = models.PositiveSmallIntegerField(default=60)
    # Where minors are interviewed today (a child advocacy center's suites, say): minors only in the rooms
    # of these locations, adults only elsewhere; none means anyone in any room. The plan file cannot say
    # it (operation-plan.md has no such field), so the coordinator does, with the day's availability.
    minor_locations = models.ManyToManyField(InterviewLocation, blank=True, related_name="+")
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("operation", "-starts_at")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="planning_day_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(interview_minutes__gte=15, interview_minutes__lte=480),
                name="planning_day_interview_minutes",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}: {self.starts_at:%Y-%m-%d %H:%M}–{self.ends_at:%H:%M}"


class AvailabilityKind(models.TextChoices):
    INTERVIEWER = "interviewer", "Interviewer"
    INTERPRETER = "interpreter", "Interpreter"


class Availability(BaseModel):
    """An interviewer or interpreter marked available for the day, from–until; `gone_from` when they left.

    An interviewer interviews in one role for the day (`role`, one of their qualifications), because the
    problem gives each interviewer one role.
    """

    day = models.ForeignKey(PlanningDay, on_delete=models.CASCADE, related_name="availabilities")
    user = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=12, choices=AvailabilityKind.choices)
    role = models.CharField(max_length=24, choices=InterviewerRole.choices, blank=True)
    available_from = models.DateTimeField()
    available_until = models.DateTimeField()
    gone_from = models.DateTimeField(null=True, blank=True)
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("day", "kind", "available_from")
        verbose_name_plural = "availabilities"
        constraints = [
            models.UniqueConstraint(fields=["day", "user"], name="unique_availability_per_day"),
            models.CheckConstraint(
                condition=models.Q(available_until__gt=models.F("available_from")),
                name="availability_ends_after_start",
            ),
            models.CheckConstraint(
                condition=(models.Q(kind="interviewer") & ~models.Q(role=""))
                | (models.Q(kind="interpreter") & models.Q(role="")),
                name="availability_role_for_interviewers_only",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id} {self.kind}"


class PlanningRoom(BaseModel):
    """A private room the day's interviews may use: one of a location's private rooms, or one added."""

    day = models.ForeignKey(PlanningDay, on_delete=models.CASCADE, related_name="rooms")
    location = models.ForeignKey(InterviewLocation, on_delete=models.PROTECT, related_name="+")
    room = models.CharField(max_length=40)  # the room's id in the problem, such as harbor-rooms-1
    added = models.BooleanField(default=False)  # added by the coordinator, beyond the plan's private rooms
    available_from = models.DateTimeField()
    available_until = models.DateTimeField()
    set_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("day", "room")
        constraints = [
            models.UniqueConstraint(fields=["day", "room"], name="unique_planning_room_per_day"),
            models.CheckConstraint(
                condition=models.Q(available_until__gt=models.F("available_from")),
                name="planning_room_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.room


class Pin(BaseModel):
    """An assignment the coordinator pinned: re-planning keeps it exactly (it travels as `fixed`)."""

    day = models.ForeignKey(PlanningDay, on_delete=models.CASCADE, related_name="pins")
    person = models.ForeignKey(Person, on_delete=models.CASCADE, related_name="+")
    starts_at = models.DateTimeField()
    minutes = models.PositiveSmallIntegerField()
    location = models.ForeignKey(InterviewLocation, on_delete=models.PROTECT, related_name="+")
    room = models.CharField(max_length=40)
    interviewer = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    interpreter = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    pinned_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")

    class Meta:
        ordering = ("day", "starts_at")
        constraints = [
            models.UniqueConstraint(fields=["day", "person"], name="unique_pin_per_person_and_day"),
            models.CheckConstraint(condition=models.Q(minutes__gt=0), name="pin_has_length"),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} at {self.starts_at:%H:%M}"


class PlanStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACCEPTED = "accepted", "Accepted"
    SUPERSEDED = "superseded", "Superseded"


class SolverStatus(models.TextChoices):
    OPTIMAL = "optimal", "Proven optimal"
    FEASIBLE = "feasible", "Best found"


class InterviewPlan(BaseModel):
    """One run of the solver over the operation's records: the problem, the schedule, and how good it is.

    A new plan for the day supersedes the draft before it; accepting one creates the interview records.
    """

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="interview_plans")
    day = models.ForeignKey(PlanningDay, on_delete=models.CASCADE, related_name="plans")
    status = models.CharField(max_length=12, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    problem = models.JSONField()  # a haven.interview-problem/v1 document
    schedule = models.JSONField()  # a haven.interview-schedule/v1 document
    # Persons left out because care has not come first yet: [{"person": "P-004", "missing": [...]}]
    waiting = models.JSONField(default=list, blank=True)
    # Persons left out for their safety, an imminent-danger flag on them without a response:
    # [{"person": "P-007", "reason": "P-007 has an open imminent-danger flag: respond to it first",
    #   "priority": "urgent"}]
    held = models.JSONField(default=list, blank=True)
    # What the builder could not honour (a pin released, an interview under way kept out of the problem).
    notes = models.JSONField(default=list, blank=True)
    # The persons whose assignment was fixed in the problem: interviews under way, and pins kept.
    started = models.JSONField(default=list, blank=True)
    pinned = models.JSONField(default=list, blank=True)
    unscheduled_weight = models.PositiveIntegerField()
    weighted_wait = models.PositiveIntegerField()
    bound_unscheduled_weight = models.PositiveIntegerField(null=True, blank=True)
    bound_weighted_wait = models.PositiveIntegerField(null=True, blank=True)
    solver_status = models.CharField(max_length=12, choices=SolverStatus.choices)
    seconds = models.FloatField()
    time_limit = models.FloatField()
    author = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # the plan this one re-planned
    accepted_by = models.ForeignKey(USER, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    accepted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("operation", "-created_at")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(status="accepted")
                | (models.Q(accepted_by__isnull=False) & models.Q(accepted_at__isnull=False)),
                name="interview_plan_accepted_by_someone",
            ),
            models.CheckConstraint(
                condition=models.Q(bound_unscheduled_weight__isnull=True, bound_weighted_wait__isnull=True)
                | models.Q(bound_unscheduled_weight__isnull=False, bound_weighted_wait__isnull=False),
                name="interview_plan_bound_whole",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id} plan {self.created_at:%H:%M:%S} ({self.status})"


class SolveStatus(models.TextChoices):
    QUEUED = "queued", "Waiting for the worker"
    RUNNING = "running", "Planning"
    DONE = "done", "Planned"
    REFUSED = "refused", "Refused"
    FAILED = "failed", "Failed"


ACTIVE_SOLVES = (SolveStatus.QUEUED, SolveStatus.RUNNING)


class SolveRun(BaseModel):
    """One request to plan (or re-plan) the day, solved by `haven worker` and not in the request (issue 14):
    the page shows its progress from `started_at` and `time_limit`, then its plan or why it was refused."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="solve_runs")
    requested_by = models.ForeignKey(USER, on_delete=models.PROTECT, related_name="+")
    previous = models.ForeignKey(
        InterviewPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )  # re-planning this plan
    time_limit = models.FloatField()
    status = models.CharField(max_length=8, choices=SolveStatus.choices, default=SolveStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    plan = models.ForeignKey(
        InterviewPlan, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # a refusal in the planner's words (no planning day, a newer plan), or that the solver failed
    message = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ("operation", "-created_at")

    def __str__(self) -> str:
        return f"{self.operation_id} solve {self.created_at:%H:%M:%S} ({self.status})"

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_SOLVES
