"""Authenticator secrets are sealed (issue 12): a copy of the database holds no TOTP secret, a sealed
secret opens only with the key-encryption key and only on its own authenticator, rotation seals them anew,
and the data migration seals the secrets django-otp kept in clear."""

from __future__ import annotations

import base64

import pytest

from haven.accounts.models import Authenticator
from haven.accounts.sealing import AuthenticatorSecretBroken
from haven.core import keyring
from tests.database_copy import database_copy_bytes
from tests.personas import secret_for

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_totp_secret_is_not_in_a_copy_of_the_database(persona):
    # given users with known authenticator secrets (provisioned, as the demo does)
    users = [persona("attorney"), persona("advocate")]
    copy = database_copy_bytes()
    for user in users:
        raw = base64.b32decode(secret_for(user.username))
        # then neither the secret's bytes nor any spelling of it is in the copy
        for spelling in (
            raw,
            raw.hex().encode(),
            raw.hex().upper().encode(),
            secret_for(user.username).encode(),
        ):
            assert spelling not in copy, f"{user.username}'s TOTP secret is readable in a database copy"


def test_a_copied_authenticator_secret_opens_only_with_the_key_encryption_key(persona, settings, tmp_path):

    user = persona("attorney")
    device = Authenticator.objects.get(user=user, confirmed=True)
    assert device.bin_key == base64.b32decode(secret_for(user.username))
    # on another installation (another key-encryption key), the copied row does not open, and says why
    settings.HAVEN_KEK_FILE = tmp_path / "elsewhere" / "keys" / "kek.key"
    keyring.clear_ring()
    copied = Authenticator.objects.get(pk=device.pk)
    with pytest.raises(keyring.UnknownKek) as refused:
        _ = copied.bin_key
    assert device.kek_id in str(refused.value)
    assert "Restore that key from your key backup" in str(refused.value)


@pytest.fixture
def own_key_file(settings, tmp_path, monkeypatch):
    """A key ring of this test's own (rotation replaces the key file)."""
    from haven.access import keys

    settings.HAVEN_KEK = ""
    settings.HAVEN_KEK_FILE = tmp_path / "data" / "keys" / "kek.key"
    monkeypatch.delenv("HAVEN_KEK_NEW", raising=False)
    monkeypatch.delenv("HAVEN_KEK_RETIRED", raising=False)
    keys.clear_caches()
    yield settings.HAVEN_KEK_FILE
    keys.clear_caches()


def test_a_sealed_secret_moved_to_another_authenticator_does_not_open(persona):
    # given two people's authenticators
    attorney = Authenticator.objects.get(user=persona("attorney"))
    advocate = Authenticator.objects.get(user=persona("advocate"))
    # when someone with write access to the database copies one sealed secret over the other
    Authenticator.objects.filter(pk=advocate.pk).update(
        secret_sealed=attorney.secret_sealed, kek_id=attorney.kek_id
    )
    # then it does not open there, and says which authenticator
    moved = Authenticator.objects.get(pk=advocate.pk)
    with pytest.raises(AuthenticatorSecretBroken, match=f"authenticator {advocate.pk}"):
        _ = moved.bin_key
    # and a flipped bit does not open either
    flipped = bytearray(attorney.secret_sealed)
    flipped[-1] ^= 1
    Authenticator.objects.filter(pk=attorney.pk).update(secret_sealed=bytes(flipped))
    with pytest.raises(AuthenticatorSecretBroken, match="altered"):
        _ = Authenticator.objects.get(pk=attorney.pk).bin_key


def test_rotating_the_key_encryption_key_seals_the_secrets_anew(own_key_file, persona, client_for):
    import io

    from django.core.management import call_command

    from haven.audit.models import AuditRecord

    users = [persona("attorney"), persona("advocate")]
    old = keyring.key_ring().current.kek_id
    assert set(Authenticator.objects.values_list("kek_id", flat=True)) == {old}
    out = io.StringIO()

    call_command("keys", "rotate", stdout=out)

    new = keyring.key_ring().current.kek_id
    assert new != old
    assert set(Authenticator.objects.values_list("kek_id", flat=True)) == {new}
    assert "2 authenticator secrets sealed anew" in out.getvalue()
    assert '"authenticators":2' in AuditRecord.objects.get(event_type="keys.rotated").details
    # the old key file can go: every secret opens under the new key, and people still sign in
    for old_file in own_key_file.parent.glob("kek.key.*.old"):
        old_file.unlink()
    keyring.clear_ring()
    for user in users:
        device = Authenticator.objects.get(user=user)
        assert device.bin_key == base64.b32decode(secret_for(user.username))
    assert client_for("attorney").get("/").status_code == 200


def test_keys_status_counts_authenticator_secrets_and_names_a_missing_key(own_key_file, persona):
    import io

    from django.core.management import call_command
    from django.core.management.base import CommandError

    persona("attorney")
    current = keyring.key_ring().current.kek_id
    out = io.StringIO()
    call_command("keys", "status", stdout=out)
    assert f"Sealed under {current}: 1 authenticator secret (in the key ring)" in out.getvalue()

    Authenticator.objects.update(kek_id="0123456789abcdef")
    with pytest.raises(CommandError, match="0123456789abcdef") as refused:
        call_command("keys", "status", stdout=io.StringIO())
    assert "no second factor of those accounts" in str(refused.value)


def test_the_data_migration_seals_the_secrets_django_otp_kept_in_clear(persona):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    user = persona("attorney")
    secret = base64.b32decode(secret_for(user.username))
    before = [("accounts", "0004_authenticator_with_a_sealed_secret")]
    executor = MigrationExecutor(connection)
    # going back: the secret is unsealed into django-otp's device, in clear (the earlier code reads that)
    executor.migrate(before)
    old_apps = executor.loader.project_state([*before, ("otp_totp", "0003_add_timestamps")]).apps
    clear = old_apps.get_model("otp_totp", "TOTPDevice").objects.get(user_id=user.pk)
    assert (clear.key, clear.confirmed) == (secret.hex(), True)
    assert not old_apps.get_model("accounts", "Authenticator").objects.exists()
    # going forward (the upgrade): sealed, and nothing is left in clear
    executor = MigrationExecutor(connection)
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert not old_apps.get_model("otp_totp", "TOTPDevice").objects.exists()
    device = Authenticator.objects.get(user=user)
    assert device.confirmed
    assert device.bin_key == secret
    assert secret.hex().encode() not in database_copy_bytes()
