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


def agency_has_other_admin(change: AccountChange) -> bool:
    """Whether the affected agency has an active admin other than the change's proposer."""
    return (
        User.objects.filter(agency_id=change.agency_id, is_admin=True, is_active=True)
        .exclude(pk=change.proposed_by_id)
        .exists()
    )


def account_changes_for(actor: User) -> list[tuple[AccountChange, bool]]:
    """The two-person changes an admin sees — those they proposed, those on their agency, and every
    pending one they may decide — each with whether they may decide it now."""
    require_account_admin(actor)
    changes = AccountChange.objects.select_related(
        "agency", "proposed_by", "decided_by", "user", "from_agency", "created_user"
    )
    found = []
    for change in changes:
        decidable = change.status == AccountChangeStatus.PENDING and may_decide(
            actor, change, agency_has_other_admin=agency_has_other_admin(change)
        )
        mine = change.proposed_by_id == actor.pk or change.agency_id == actor.agency_id
        if decidable or mine:
            found.append((change, decidable))
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
