"""Who may administer accounts and agencies, and who may read the audit trail.

Rule (access-policy.md, "Principals"): admins manage accounts and agencies and see no case content by
being admin; auditors read the audit trail of their own agency only.
"""

from __future__ import annotations

from haven.accounts.models import User
from haven.core.errors import Forbidden


def may_manage_accounts(actor: User) -> bool:
    return actor.is_active and actor.is_admin


def require_account_admin(actor: User) -> None:
    if not may_manage_accounts(actor):
        raise Forbidden("Only an admin can manage accounts and agencies.")


def may_read_audit(actor: User) -> bool:
    return actor.is_active and actor.is_auditor


def require_auditor(actor: User) -> None:
    if not may_read_audit(actor):
        raise Forbidden("Only an auditor can read the audit trail.")
