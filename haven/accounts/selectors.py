"""Reading accounts and agencies for their administration."""

from __future__ import annotations

from collections import Counter

from django.db.models import QuerySet

from haven.accounts.models import Agency, Authenticator, User
from haven.accounts.policies import require_account_admin


def users_for_admin(actor: User) -> QuerySet[User]:
    """Every account, for admins only (they manage accounts; no case content comes with them)."""
    require_account_admin(actor)
    return User.objects.select_related("agency").prefetch_related("qualifications", "languages")


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
