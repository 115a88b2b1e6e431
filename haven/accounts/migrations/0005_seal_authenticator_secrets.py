"""Move every TOTP device of django-otp (secret in hex, in clear) to an Authenticator whose secret is
sealed under the key-encryption key (haven/accounts/sealing.py), and delete the clear rows (issue 12).

Everything but the secret's storage carries over: name, confirmed, the last time step used (so a code
already used stays used), drift, throttling and timestamps. (Sessions were ended by 0003 already.)

Reversible: going back unseals each secret into a django-otp device again, in clear (which is what the
earlier code reads); it needs the key-encryption key the secrets were sealed under.
"""

from django.db import migrations

from haven.accounts.sealing import open_secret, seal_secret

COPIED = (
    "name",
    "confirmed",
    "step",
    "t0",
    "digits",
    "tolerance",
    "drift",
    "last_t",
    "throttling_failure_timestamp",
    "throttling_failure_count",
    "created_at",
    "last_used_at",
)


def seal_secrets(apps, schema_editor):
    alias = schema_editor.connection.alias
    totp_device = apps.get_model("otp_totp", "TOTPDevice")
    authenticator = apps.get_model("accounts", "Authenticator")
    for device in totp_device.objects.using(alias).order_by("pk"):
        sealed = authenticator(user_id=device.user_id, **{name: getattr(device, name) for name in COPIED})
        sealed.secret_sealed, sealed.kek_id = b"", ""
        sealed.save(using=alias)
        sealed.secret_sealed, sealed.kek_id = seal_secret(
            device_id=sealed.pk, user_id=device.user_id, secret=bytes.fromhex(device.key)
        )
        sealed.save(using=alias, update_fields=["secret_sealed", "kek_id"])
        device.delete()


def unseal_secrets(apps, schema_editor):
    alias = schema_editor.connection.alias
    totp_device = apps.get_model("otp_totp", "TOTPDevice")
    authenticator = apps.get_model("accounts", "Authenticator")
    for sealed in authenticator.objects.using(alias).order_by("pk"):
        secret = open_secret(
            device_id=sealed.pk, user_id=sealed.user_id, sealed=sealed.secret_sealed, kek_id=sealed.kek_id
        )
        totp_device.objects.using(alias).create(
            user_id=sealed.user_id, key=secret.hex(), **{name: getattr(sealed, name) for name in COPIED}
        )
        sealed.delete()


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0004_authenticator_with_a_sealed_secret"),
        ("otp_totp", "0003_add_timestamps"),
    ]

    operations = [migrations.RunPython(seal_secrets, unseal_secrets)]
