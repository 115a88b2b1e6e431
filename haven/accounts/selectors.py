"""Reading accounts and agencies for their administration."""

from __future__ import annotations

from django.db.models import QuerySet

from haven.accounts.models import Agency, User
from haven.accounts.policies import require_account_admin


def users_for_admin(actor: User) -> QuerySet[User]:
    """Every account, for admins only (they manage accounts; no case content comes with them)."""
    require_account_admin(actor)
    return User.objects.select_related("agency").prefetch_related("qualifications", "languages")


def agencies_for_admin(actor: User) -> QuerySet[Agency]:
    """Every agency, for admins only."""
    require_account_admin(actor)
    return Agency.objects.all()
