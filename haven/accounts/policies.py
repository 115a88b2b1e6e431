"""Who may administer accounts and agencies, and who may read the audit trail.

Rule (access-policy.md, "Principals"): admins manage accounts and agencies and see no case content by
being admin; auditors read the audit trail of their own agency only.
"""

from __future__ import annotations

from haven.accounts.models import AccountChange, AccountChangeKind, User
from haven.core.errors import Forbidden, NotFound


def may_manage_accounts(actor: User) -> bool:
    return actor.is_active and actor.is_admin


def require_account_admin(actor: User) -> None:
    if not may_manage_accounts(actor):
        raise Forbidden("Only an admin can manage accounts and agencies.")


def require_own_agency(actor: User, user: User) -> None:
    """Rule (access-policy.md, "Principals"): an admin manages the accounts of their own agency. Another
    agency's account is refused as if it did not exist (hidden and missing look the same)."""
    require_account_admin(actor)
    if user.agency_id != actor.agency_id:
        raise NotFound("No such account.")


def may_decide(actor: User, change: AccountChange, *, affected_agency_decides: bool) -> bool:
    """Who carries out (or rejects) a two-person change: a second person, never a second account of the
    same person. An admin creates admins in their own agency alone, so the second admin belongs to another
    agency than the proposer's; the account a change moves never decides it. When the affected agency is
    another agency than the proposer's and has an admin, it is one of its admins (`affected_agency_decides`);
    otherwise any admin of another agency than the proposer's."""
    if not may_manage_accounts(actor) or actor.pk in (change.proposed_by_id, change.user_id):
        return False
    if actor.agency_id == change.proposed_by.agency_id:
        return False
    return actor.agency_id == change.agency_id or not affected_agency_decides


def may_propose(actor: User, kind: str) -> bool:
    """Any admin proposes; the second admin's approval is what carries a change out."""
    return may_manage_accounts(actor) and kind in AccountChangeKind.values


def may_read_audit(actor: User) -> bool:
    return actor.is_active and actor.is_auditor


def require_auditor(actor: User) -> None:
    if not may_read_audit(actor):
        raise Forbidden("Only an auditor can read the audit trail.")
