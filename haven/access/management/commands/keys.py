"""`haven keys rotate [--agency SLUG]` and `haven keys status`: the key-encryption key of encryption at rest."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.access.keys import EncryptionError, authenticator_secrets, data_keys, kek_rotate, key_status
from haven.accounts.models import Agency


class Command(BaseCommand):
    help = (
        "Encryption keys: `haven keys rotate [--agency SLUG]` re-wraps the data keys under a new "
        "key-encryption key; `haven keys status` names the keys in use."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        rotate = sub.add_parser(
            "rotate",
            help="re-wrap data keys under a new key-encryption key (embedded: a new key file; "
            "production: HAVEN_KEK_NEW), in one transaction, audited",
        )
        rotate.add_argument("--agency", metavar="SLUG", help="re-wrap only this agency's data key")
        sub.add_parser("status", help="the key ring and how many data keys each key-encryption key wraps")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            if options["action"] == "status":
                self._status()
            else:
                self._rotate(options.get("agency"))
        except EncryptionError as error:
            raise CommandError(str(error)) from error

    def _rotate(self, slug: str | None) -> None:
        agency = None
        if slug:
            agency = Agency.objects.filter(slug=slug).first()
            if agency is None:
                raise CommandError(f"There is no agency '{slug}' (use an agency's slug, e.g. metro-pd).")
        report = kek_rotate(agency=agency)
        scope = f"agency {slug}" if slug else "every agency"
        self.stdout.write(
            f"Rotated ({scope}): {data_keys(report.rewrapped)} re-wrapped under key-encryption key "
            f"{report.new_kek_id}"
            + (f" (previously {', '.join(report.previous_kek_ids)})" if report.previous_kek_ids else "")
            + f"; {authenticator_secrets(report.resealed)} sealed anew under it."
        )
        for note in report.notes:
            self.stdout.write(f"Note: {note}")

    def _status(self) -> None:
        status = key_status()
        self.stdout.write(f"Key-encryption key source: {status['source']}")
        self.stdout.write(f"Current key: {status['current']}")
        if status["pending"]:
            self.stdout.write(f"Pending key (a rotation in progress): {status['pending']}")
        for kek_id in status["retired"]:
            self.stdout.write(f"Earlier key, kept for unwrapping: {kek_id}")
        for kek_id, count in status["data_keys_by_kek"].items():
            state = "MISSING from the key ring" if kek_id in status["missing"] else "in the key ring"
            self.stdout.write(f"Wrapped by {kek_id}: {data_keys(count)} ({state})")
        for kek_id, count in status["authenticators_by_kek"].items():
            state = "MISSING from the key ring" if kek_id in status["missing"] else "in the key ring"
            self.stdout.write(f"Sealed under {kek_id}: {authenticator_secrets(count)} ({state})")
        if status["missing"]:
            raise CommandError(
                "Some data keys or authenticator secrets are under key-encryption keys this installation "
                "does not have: "
                + ", ".join(status["missing"])
                + ". Nothing they protect can be read — no sealed text of those agencies, no second factor "
                "of those accounts. Restore the keys from your key backup."
            )
