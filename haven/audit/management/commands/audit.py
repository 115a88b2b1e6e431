"""`haven audit verify|anchor|rotate-key`: the audit chain's tools for the server's operator."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from haven.audit import keys
from haven.audit.anchors import NoHead, anchor_line
from haven.audit.models import AuditChainHead
from haven.audit.services import audit_key_rotate
from haven.audit.verify import verify_chain


class Command(BaseCommand):
    help = (
        "Audit trail tools: `haven audit verify [--anchors FILE]` recomputes the keyed chain (exit 0 "
        "intact, 1 broken); `anchor` prints the head as a signed line to keep elsewhere; `rotate-key` "
        "moves the chain to a new audit key."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute the chain and name the first problem found")
        verify.add_argument("--batch-size", type=int, default=20_000, help="events fetched at a time")
        verify.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes checking ranges of the chain side by side (default: one per core, up to 8)",
        )
        verify.add_argument(
            "--anchors",
            type=Path,
            default=None,
            help="a file of lines printed by `haven audit anchor`: each kept head must still be on the chain",
        )
        sub.add_parser(
            "anchor", help="verify the chain, then print its head as a signed line to keep elsewhere"
        )
        sub.add_parser("rotate-key", help="move the chain to a new audit key (docs/security.md)")

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "anchor":
            self._anchor()
        elif action == "rotate-key":
            self._rotate()
        else:
            self._verify(options)

    def _verify(self, options: dict[str, Any]) -> None:
        started = time.perf_counter()
        for name in ("batch_size", "workers"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be a whole number of at least 1")
        anchors: list[str] | None = None
        if options["anchors"] is not None:
            try:
                anchors = options["anchors"].read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError) as error:
                raise CommandError(f"--anchors: cannot read {options['anchors']} ({error})") from None
        result = verify_chain(batch_size=options["batch_size"], workers=options["workers"], anchors=anchors)
        seconds = time.perf_counter() - started
        if result.intact:
            kept = f"; {result.anchors} anchors still on the chain" if anchors is not None else ""
            self.stdout.write(
                f"Audit trail intact: {result.events} events verified in {seconds:.1f} s{kept}."
            )
            return
        self.stderr.write(
            f"Audit trail BROKEN ({result.kind}) after {result.events} intact events: {result.problem}"
        )
        raise SystemExit(1)

    def _anchor(self) -> None:
        result = verify_chain()
        if not result.intact:
            self.stderr.write(f"Not anchored: the audit trail is BROKEN ({result.kind}): {result.problem}")
            raise SystemExit(1)
        try:
            self.stdout.write(anchor_line())
        except NoHead as error:
            raise CommandError(str(error)) from None

    def _rotate(self) -> None:
        ring = keys.audit_key_ring(fresh=True)
        if ring.embedded:
            new_key = ring.pending or keys.create_pending_key_file()
        elif ring.pending is None:
            raise CommandError(
                "Set HAVEN_AUDIT_KEY_NEW to the new audit key (32 random bytes, base64) on every server and "
                'here, then run this again (docs/security.md, "Rotating the audit key").'
            )
        else:
            new_key = ring.pending
        head_key_id = AuditChainHead.objects.filter(pk=1).values_list("key_id", flat=True).first() or ""
        if head_key_id == new_key.key_id:
            # a rotation whose event committed but whose key files were not moved yet: finish it
            self.stdout.write(f"The audit chain is already linked under key {new_key.key_id}.")
        else:
            event = audit_key_rotate(actor=None, new_key=new_key, actor_label="haven audit rotate-key")
            self.stdout.write(
                f"The audit chain is linked under key {new_key.key_id} from event #{event.sequence} on."
            )
        if ring.embedded:
            old = keys.retire_current_key_file(timezone.now().strftime("%Y%m%dT%H%M%SZ"))
            self.stdout.write(f"The retired key is kept as {old} to verify the events before it: keep it.")
        else:
            self.stdout.write(
                "Now on every server: set HAVEN_AUDIT_KEY to the new value, move the old one into "
                "HAVEN_AUDIT_KEY_RETIRED, remove HAVEN_AUDIT_KEY_NEW, and restart."
            )
