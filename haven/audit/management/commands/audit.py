"""`haven audit verify`: recompute the audit trail's hash chain."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.audit.verify import verify_chain


class Command(BaseCommand):
    help = "Audit trail tools: `haven audit verify` recomputes the hash chain (exit 0 intact, 1 broken)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        verify = sub.add_parser("verify", help="recompute the chain and name the first event that breaks it")
        verify.add_argument("--batch-size", type=int, default=20_000, help="events fetched at a time")
        verify.add_argument(
            "--workers",
            type=int,
            default=None,
            help="processes checking ranges of the chain side by side (default: one per core, up to 8)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        for name in ("batch_size", "workers"):
            if options[name] is not None and options[name] < 1:
                raise CommandError(f"--{name.replace('_', '-')} must be a whole number of at least 1")
        result = verify_chain(batch_size=options["batch_size"], workers=options["workers"])
        seconds = time.perf_counter() - started
        if result.intact:
            self.stdout.write(f"Audit trail intact: {result.events} events verified in {seconds:.1f} s.")
            return
        self.stderr.write(f"Audit trail BROKEN after {result.events} intact events: {result.problem}")
        raise SystemExit(1)
