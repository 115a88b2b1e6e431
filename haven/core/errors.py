"""Domain errors that services raise and the web and API layers map to responses in one place."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from haven.core.problems import InvalidInput, Problem


class HavenError(Exception):
    """Base of the errors a person can act on; `code` is stable and goes into API bodies."""

    code = "error"

    def __init__(self, message: str, *, owner: UUID | None = None, action: str = "") -> None:
        self.message = message
        # the agency whose record was refused, where known: the refusal is audited as an event on
        # its data, for its auditors (never shown to the one refused)
        self.owner = owner
        # what was refused, in the policy's words ("write attorney notes"), where known: audited too
        self.action = action
        super().__init__(message)


SEAL_BROKEN_MESSAGE = (
    "Part of this record is sealed for the agency that wrote it and could not be opened here: it was "
    "altered, or moved from another record. Nothing is shown in its place. Tell your administrator: the "
    "server log names the field and the row, and a backup can restore it."
)


#: A key this installation does not hold (or that does not match): a data key of an agency, an
#: authenticator's secret (haven/core/keyring.py). Said in words, never a blank or a traceback.
AUDIT_UNAVAILABLE_MESSAGE = (
    "Haven cannot write to its audit trail on this server: the audit trail's key is missing or does not "
    "match (after a restore without the key backup, for example), or the chain was damaged. Every action "
    "is recorded, so nothing was done. Tell your administrator: “haven audit verify” says what it found, "
    "and “haven keys status” lists the keys needed."
)

KEYS_UNAVAILABLE_MESSAGE = (
    "Part of this page is sealed, and could not be opened with the keys this server holds: a key is "
    "missing (after a restore without the key backup, for example) or does not match. Nothing is shown in "
    "its place. Tell your administrator: the server log says which key and which record, and the command "
    "“haven keys status” lists the keys needed."
)


def is_unique_violation(error: BaseException) -> bool:
    """A database error that is a unique constraint refusing a second copy (PostgreSQL's SQLSTATE 23505,
    SQLite's "UNIQUE constraint failed"): two requests that created the same thing at the same moment.
    Any other integrity error is a fault, and stays one."""
    cause = error.__cause__
    return getattr(cause, "sqlstate", None) == "23505" or "UNIQUE constraint failed" in str(error)


#: Two requests that created the same thing at the same moment: the database's unique constraint kept one.
RACED_MESSAGE = (
    "Someone else saved the same record at the same moment, and theirs was kept. Nothing of yours was "
    "saved; reload and try again."
)


class NotFound(HavenError):
    """A record that does not exist or that the actor may not see: the two look the same."""

    code = "not_found"

    def __init__(self, message: str = "Not found.", *, owner: UUID | None = None, action: str = "") -> None:
        super().__init__(message, owner=owner, action=action)


class Forbidden(HavenError):
    """An action the actor may not take on a record they are allowed to know exists."""

    code = "forbidden"


class Conflict(HavenError):
    """A write based on a version that someone else has already changed."""

    code = "conflict"


class ConfirmationRequired(Conflict):
    """A change with a consequence its author must confirm first; `subjects` names what it concerns (ids),
    so the author can confirm exactly those. Nothing was saved."""

    code = "confirmation_required"

    def __init__(self, message: str, *, subjects: list[str]) -> None:
        self.subjects = subjects
        super().__init__(message)


class RuleViolation(HavenError):
    """A guardrail refused the action (approval with failing rules, an interview before needs …)."""

    code = "rule_violation"

    def __init__(self, message: str, *, rule: str = "") -> None:
        self.rule = rule
        super().__init__(message)


class ValidationFailed(InvalidInput):
    """A form or API body with problems, each naming its field."""

    code = "invalid"

    def __init__(self, problems: Iterable[Problem], *, what: str = "input") -> None:
        super().__init__(problems, what=what)
