"""What the audit trail records: event types and the few detail keys an event may carry.

Details are typed and small, and never hold sensitive content: no names of persons, no free text from
case records. A key must be declared here before any service may write it.
"""

from __future__ import annotations

from django.db import models


class AuditEvent(models.TextChoices):
    # accounts
    SIGN_IN_SUCCEEDED = "sign_in.succeeded", "Sign-in succeeded"
    SIGN_IN_FAILED = "sign_in.failed", "Sign-in failed"
    SIGN_IN_THROTTLED = "sign_in.throttled", "Sign-in attempts from one address held back"
    SECOND_FACTOR_SUCCEEDED = "second_factor.succeeded", "Second factor verified"
    SECOND_FACTOR_FAILED = "second_factor.failed", "Second factor refused"
    SECOND_FACTOR_ENROLLED = "second_factor.enrolled", "Second factor enrolled"
    SECOND_FACTOR_RESET = "second_factor.reset", "Second factor reset"
    ACCOUNT_LOCKED = "account.locked", "Account locked"
    ACCOUNT_UNLOCKED = "account.unlocked", "Account unlocked"
    SIGNED_OUT = "session.signed_out", "Signed out"
    SESSION_EXPIRED = "session.expired", "Session expired"
    ACCOUNT_CREATED = "account.created", "Account created"
    ACCOUNT_CHANGED = "account.changed", "Account changed"
    ACCOUNT_DISABLED = "account.disabled", "Account disabled"
    ACCOUNT_ENABLED = "account.enabled", "Account enabled"
    PASSWORD_CHANGED = "account.password_changed", "Password changed"
    PASSWORD_CHANGE_REFUSED = (
        "account.password_change_refused",
        "Password change refused: wrong current password",
    )
    AGENCY_CREATED = "agency.created", "Agency created"
    AGENCY_CHANGED = "agency.changed", "Agency changed"
    ACCOUNT_CHANGE_PROPOSED = "account_change.proposed", "Two-person account change proposed"
    ACCOUNT_CHANGE_APPROVED = "account_change.approved", "Two-person account change approved and carried out"
    ACCOUNT_CHANGE_REJECTED = "account_change.rejected", "Two-person account change rejected"
    ACCOUNT_CHANGE_WITHDRAWN = "account_change.withdrawn", "Two-person account change withdrawn"
    # the audit trail itself
    AUDIT_VIEWED = "audit.viewed", "Audit trail viewed"
    AUDIT_VERIFIED = "audit.verified", "Audit trail verified"
    AUDIT_EXPORTED = "audit.exported", "Audit events exported"
    AUDIT_KEY_ROTATED = "audit.key_rotated", "Audit key rotated"
    # access decisions that refused a request
    ACCESS_DENIED = "access.denied", "Access denied"
    # operations and plans
    OPERATION_CREATED = "operation.created", "Operation created"
    OPERATION_VIEWED = "operation.viewed", "Operation opened"
    OPERATIONS_LISTED = "operation.listed", "Operations listed"
    PLAN_SAVED = "plan.saved", "Plan saved"
    PLAN_AMENDED = "plan.amended", "Plan amended after the action started"
    PLAN_SAVE_REFUSED = "plan.save_refused", "Plan save refused"
    PLAN_EXPORTED = "plan.exported", "Plan exported"
    PLAN_IMPORTED = "plan.imported", "Plan imported"
    OPERATION_APPROVED = "operation.approved", "Operation approved"
    OPERATION_APPROVAL_REFUSED = "operation.approval_refused", "Approval refused"
    OPERATION_RETURNED_TO_REVIEW = "operation.returned_to_review", "Operation returned to review"
    READINESS_VIEWED = "readiness.viewed", "Readiness results viewed"
    BRIEFING_VIEWED = "briefing.viewed", "Briefing viewed"
    BRIEFING_EXPORTED = "briefing.exported", "Briefing exported"
    # encounters
    BOARD_VIEWED = "board.viewed", "Live board viewed"
    PERSON_REGISTERED = "person.registered", "Person registered"
    PERSON_OPENED = "person.opened", "Person record opened"
    PERSON_PLACED = "person.placed", "Person placed in an area"
    PERSON_PLACEMENT_REFUSED = "person.placement_refused", "Placement refused"
    PERSON_RELEASED = "person.released", "Person released or transferred"
    PERSON_CHANGED = "person.changed", "Person record changed"
    DESIGNATION_RECORDED = "designation.recorded", "Designation recorded"
    OBSERVATION_RECORDED = "observation.recorded", "Group observation recorded"
    NEEDS_RECORDED = "needs.recorded", "Needs assessment recorded"
    INFORMATION_RECORDED = "information.recorded", "Information given recorded"
    SERVICE_RECORDED = "service.recorded", "Service recorded"
    SAFETY_PLAN_RECORDED = "safety_plan.recorded", "Safety plan recorded"
    ATTORNEY_NOTE_RECORDED = "attorney_note.recorded", "Attorney note recorded"
    INTERVIEW_SCHEDULED = "interview.scheduled", "Interview scheduled"
    INTERVIEW_RECORDED = "interview.recorded", "Interview recorded"
    INTERVIEW_REFUSED = "interview.refused", "Interview refused by a guardrail"
    RELIEF_RECORDED = "relief.recorded", "Immigration relief step recorded"
    DANGER_FLAGGED = "danger.flagged", "Imminent danger flagged"
    DANGER_RESPONDED = "danger.responded", "Imminent danger response recorded"
    CHILD_WELFARE_NOTIFIED = "child_welfare.notified", "Child welfare notified of a minor"
    SEPARATION_ALERT_RAISED = "separation.alert_raised", "Separation alert raised"
    SEPARATION_ALERT_CLEARED = "separation.alert_cleared", "Separation alert cleared"
    CONSENT_RECORDED = "consent.recorded", "Consent recorded"
    CONSENT_REVOKED = "consent.revoked", "Consent revoked"
    CONSENT_READ = "consent.read", "Record read under a consent"
    SCHEDULE_PLANNED = "schedule.planned", "Interview schedule planned"
    SCHEDULE_ACCEPTED = "schedule.accepted", "Interview schedule accepted"
    SCHEDULE_VIEWED = "schedule.viewed", "Interview plan viewed"
    SCHEDULE_CHANGED = "schedule.changed", "Interview planning changed (availability, rooms, pins)"
    SCHEDULE_EXPORTED = "schedule.exported", "Interview calendar downloaded"
    SCHEDULE_SOLVE_STARTED = "schedule.solve_started", "Interview planning started in the background"
    EXERCISE_LOADED = "exercise.loaded", "Exercise loaded"
    EXERCISE_RESET = "exercise.reset", "Exercise reset"
    REPORT_GENERATED = "report.generated", "After-action report generated"
    # notifications (no case content: the kind, the operation, how many)
    NOTIFICATIONS_SENT = "notification.sent", "Notifications raised"
    NOTIFICATIONS_VIEWED = "notification.viewed", "Notification centre viewed"
    NOTIFICATION_READ = "notification.read", "Notification marked read"
    NOTIFICATION_PREFERENCES_CHANGED = "notification.preferences_changed", "Notification preferences changed"
    NOTIFICATION_EMAILED = "notification.emailed", "Notification e-mailed"
    # encryption at rest
    DATA_KEY_CREATED = "keys.data_key_created", "Agency data key created"
    KEYS_ROTATED = "keys.rotated", "Key-encryption key rotated"


class Outcome(models.TextChoices):
    SUCCESS = "success", "Success"
    FAILURE = "failure", "Failure"
    DENIED = "denied", "Denied"


# Detail keys a service may attach to an event, each with the Python types allowed for its value.
DETAIL_KEYS: dict[str, tuple[type, ...]] = {
    "username": (str,),
    "reason": (str,),
    "fields": (list,),
    "count": (int,),
    "roles": (list,),
    "filters": (list,),
    "path": (str,),
    "method": (str,),
    "action": (str,),
    "events_verified": (int,),
    "via": (str,),
    "version": (int,),
    "sections": (list,),
    "rules": (list,),
    "format": (str,),
    "audience": (str,),
    "code": (str,),
    "status": (str,),
    "stage": (str,),
    "area": (str,),
    "consent_id": (str,),
    "items": (list,),
    "kind": (str,),
    "role": (str,),
    "person": (str,),
    "rule": (str,),
    "exercise": (bool,),
    "kek_id": (str,),
    "previous_kek_ids": (list,),
    "agencies": (list,),
    "kek_source": (str,),
    "agency_type": (str,),
    "authenticators": (int,),
    "key_id": (str,),
    "previous_key_id": (str,),
    "proof": (str,),
    "problem": (str,),
    "operation": (str,),
    "attempt": (int,),
    "kinds": (list,),
}
