"""Operations in the database: the plan's versions, approval, and what the rest of Haven reasons about.

The plan itself is a versioned document (`PlanVersion.document`, the `haven.operation-plan/v1` form).
What the code queries and joins on — which agencies take part and how, the separation areas, the
interview locations — is kept in typed tables refreshed from the current version by the services.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import models
from django.utils import timezone

from haven.accounts.models import Agency
from haven.core.models import BaseModel


class OperationStatus(models.TextChoices):
    IN_REVIEW = "in_review", "In review"
    APPROVED = "approved", "Approved"


class Operation(BaseModel):
    code = models.CharField(max_length=32, unique=True)
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=16)
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    # The plan's own offset from UTC, in minutes (from its start): the pages show the operation's times
    # in it, as the people on the ground read their clocks.
    utc_offset_minutes = models.SmallIntegerField(default=0)
    status = models.CharField(
        max_length=16, choices=OperationStatus.choices, default=OperationStatus.IN_REVIEW
    )
    is_exercise = models.BooleanField(default=False)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    current_version = models.ForeignKey(
        "PlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_version = models.ForeignKey(
        "PlanVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    approved_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ("-starts_at", "code")
        constraints = [
            models.CheckConstraint(
                condition=models.Q(ends_at__gt=models.F("starts_at")), name="operation_ends_after_start"
            ),
            models.CheckConstraint(
                condition=models.Q(status="in_review") | models.Q(approved_version__isnull=False),
                name="operation_approved_names_a_version",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    def has_started(self, moment: Any = None) -> bool:
        """Once the action has started, plan changes are amendments and do not stop the work."""
        return (moment or timezone.now()) >= self.starts_at

    @property
    def is_approved(self) -> bool:
        return self.status == OperationStatus.APPROVED


class VersionKind(models.TextChoices):
    CREATED = "created", "Created"
    EDITED = "edited", "Edited"
    AMENDMENT = "amendment", "Amendment after the action started"
    IMPORTED = "imported", "Imported from a file"


class PlanVersion(BaseModel):
    """One saved state of the plan: who, when, what changed, and whether it was ready."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    document = models.JSONField()
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=16, choices=VersionKind.choices)
    sections_changed = models.JSONField(default=list, blank=True)
    ready = models.BooleanField()
    failing_rules = models.JSONField(default=list, blank=True)

    class Meta:
        ordering = ("operation", "-number")
        constraints = [
            models.UniqueConstraint(fields=["operation", "number"], name="unique_plan_version_number")
        ]

    def __str__(self) -> str:
        return f"{self.operation.code} v{self.number}"


class OperationAgency(models.Model):
    """An agency taking part in an operation (listed in its plan), and how: the base of every access
    decision on the operation (access-policy.md, "Principals")."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="participants")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="participations")
    plan_id = models.CharField(max_length=40)
    on_full_plan = models.BooleanField(default=False)
    on_service_briefing = models.BooleanField(default=False)

    class Meta:
        ordering = ("operation", "plan_id")
        constraints = [
            models.UniqueConstraint(fields=["operation", "agency"], name="unique_operation_agency"),
            models.UniqueConstraint(fields=["operation", "plan_id"], name="unique_operation_plan_id"),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}:{self.plan_id}"


class AreaHolds(models.TextChoices):
    POTENTIAL_VICTIMS = "potential_victims", "Potential victims"
    SUSPECTS = "suspects", "Suspects"
    UNDETERMINED = "undetermined", "Undetermined"


class Area(BaseModel):
    """A separation area of the plan (`separation.areas[]`)."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="areas")
    plan_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    holds = models.CharField(max_length=20, choices=AreaHolds.choices)
    location = models.CharField(max_length=200, blank=True)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ("operation", "plan_id")
        constraints = [models.UniqueConstraint(fields=["operation", "plan_id"], name="unique_area_plan_id")]

    def __str__(self) -> str:
        return self.name


class InterviewLocation(BaseModel):
    """An interview location of the plan (`interview_locations[]`)."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="interview_locations")
    plan_id = models.CharField(max_length=40)
    name = models.CharField(max_length=200)
    setting = models.CharField(max_length=16)
    private_rooms = models.PositiveSmallIntegerField(default=0)
    retired = models.BooleanField(default=False)

    class Meta:
        ordering = ("operation", "plan_id")
        constraints = [
            models.UniqueConstraint(fields=["operation", "plan_id"], name="unique_interview_location_plan_id")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_nondetention(self) -> bool:
        return self.setting == "nondetention"


class RecordHolder(BaseModel):
    """An agency that holds records of its own on an operation (a needs assessment, a victim service record,
    attorney notes, questions and answers, a consent it recorded, an interview its interviewer conducted).

    Rule (issue 12, access-policy.md): it keeps managing its own records and consents there whatever the
    plan says — an amendment that drops it from the plan leaves it this, and nothing else of the operation.
    Rows are added by the encounter services when such a record is first written, and never removed."""

    operation = models.ForeignKey(Operation, on_delete=models.CASCADE, related_name="record_holders")
    agency = models.ForeignKey(Agency, on_delete=models.PROTECT, related_name="records_held")

    class Meta:
        ordering = ("operation", "created_at")
        constraints = [
            models.UniqueConstraint(fields=["operation", "agency"], name="unique_record_holder"),
        ]

    def __str__(self) -> str:
        return f"{self.operation_id}:{self.agency_id}"
