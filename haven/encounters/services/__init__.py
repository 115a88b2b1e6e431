"""Every write after the action, with the guardrails of the E-Guide's law enforcement action, split by
subject the way Zulip split its actions: persons, care, consent, interviews, relief, steps.

Each service: policy check → guardrails → change → full_clean() → audit event, in one transaction.
A guardrail refusal raises `RuleViolation` naming the rule (and is audited after the rollback by the
callers' refusal wrapper), so the same rules hold for pages, the API and the exercise loader. Callers
import the services from here (`from haven.encounters import services`).
"""

from haven.encounters.services.care import (
    attorney_note_record,
    information_record,
    needs_assessment_record,
    victim_service_record,
)
from haven.encounters.services.consent import consent_record, consent_revoke
from haven.encounters.services.interviews import (
    interview_cancel,
    interview_conduct,
    interview_danger_check,
    interview_guardrails,
    interview_schedule,
)
from haven.encounters.services.persons import (
    current_designation,
    designation_record,
    interviewer_preference_withdraw,
    languages_of,
    observation_record,
    person_place,
    person_register,
    person_release,
)
from haven.encounters.services.relief import relief_record
from haven.encounters.services.steps import child_welfare_notify, danger_flag, danger_respond

__all__ = [
    "attorney_note_record",
    "child_welfare_notify",
    "consent_record",
    "consent_revoke",
    "current_designation",
    "danger_flag",
    "danger_respond",
    "designation_record",
    "information_record",
    "interview_cancel",
    "interview_conduct",
    "interview_danger_check",
    "interview_guardrails",
    "interview_schedule",
    "interviewer_preference_withdraw",
    "languages_of",
    "needs_assessment_record",
    "observation_record",
    "person_place",
    "person_register",
    "person_release",
    "relief_record",
    "victim_service_record",
]
