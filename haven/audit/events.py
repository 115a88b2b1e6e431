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
    AGENCY_CREATED = "agency.created", "Agency created"
    AGENCY_CHANGED = "agency.changed", "Agency changed"
    # the audit trail itself
    AUDIT_VIEWED = "audit.viewed", "Audit trail viewed"
    AUDIT_VERIFIED = "audit.verified", "Audit trail verified"
    # access decisions that refused a request
    ACCESS_DENIED = "access.denied", "Access denied"


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
}
