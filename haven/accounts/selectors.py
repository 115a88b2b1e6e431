"""Reading accounts and agencies for their administration."""

from __future__ import annotations

from collections import Counter

from django.db.models import QuerySet

from haven.accounts.models import AccountChange, AccountChangeStatus, Agency, Authenticator, User
from haven.accounts.policies import may_decide, require_account_admin


def users_for_admin(actor: User) -> QuerySet[User]:
    """The accounts of the admin's own agency, for admins only (they manage their agency's accounts; no
    case content comes with them)."""
    require_account_admin(actor)
    return (
        User.objects.filter(agency_id=actor.agency_id)
        .select_related("agency")
        .prefetch_related("qualifications", "languages")
    )


def affected_agency_decides(change: AccountChange) -> bool:
    """Whether an admin of the affected agency decides the change: it is another agency than the
    proposer's, and it has an active admin."""
    if change.agency_id == change.proposed_by.agency_id:
        return False
    return User.objects.filter(agency_id=change.agency_id, is_admin=True, is_active=True).exists()


def waiting_for(change: AccountChange) -> str:
    """Who may decide a pending change, in words (the rule is `may_decide`)."""
    if affected_agency_decides(change):
        return f"an admin of {change.agency.name}"
    return f"an admin of another agency than {change.proposed_by.agency.name}"


def account_changes_for(actor: User) -> list[tuple[AccountChange, bool, str]]:
    """The two-person changes an admin sees — those they proposed, those on their agency, and every
    pending one they may decide — each with whether they may decide it now and who may."""
    require_account_admin(actor)
    changes = AccountChange.objects.select_related(
        "agency", "proposed_by__agency", "decided_by", "user", "from_agency", "created_user"
    )
    found = []
    for change in changes:
        decidable = change.status == AccountChangeStatus.PENDING and may_decide(
            actor, change, affected_agency_decides=affected_agency_decides(change)
        )
        mine = change.proposed_by_id == actor.pk or change.agency_id == actor.agency_id
        if decidable or mine:
            found.append((change, decidable, waiting_for(change)))
    return found


def agencies_for_admin(actor: User) -> QuerySet[Agency]:
    """Every agency, for admins only."""
    require_account_admin(actor)
    return Agency.objects.all()


def authenticator_kek_ids() -> dict[str, int]:
    """How many authenticator secrets are sealed under each key-encryption key (for `haven keys status`)."""
    return dict(sorted(Counter(Authenticator.objects.values_list("kek_id", flat=True)).items()))


def authenticator_has_secret(user: User, secret: bytes) -> bool:
    """Whether the user's confirmed authenticator holds this secret (the exercise loader compares the
    secret of its file with the account's, which can only be done unsealed)."""
    return any(device.bin_key == secret for device in Authenticator.objects.filter(user=user, confirmed=True))
