"""`haven demo`: set up the demo exercise on the embedded database and serve it."""

from __future__ import annotations

import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand

from haven.exercises.demo import set_up_demo


class Command(BaseCommand):
    help = "Load the demo exercise (Operation Northern Light, idempotently) and serve it on http://127.0.0.1:8000."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set everything up, then exit")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # served by WhiteNoise from the apps
        call_command("migrate", interactive=False, verbosity=0)
        accounts = set_up_demo()
        url = f"http://127.0.0.1:{options['port']}/"
        self.stdout.write(self.style.SUCCESS(f"Haven demo — data in {settings.DATA_DIR}"))
        self.stdout.write(f"\nOpen {url} and sign in as one of these fictional people:\n")
        header = (
            f"  {'username':<10} {'agency':<15} {'roles':<20} {'password':<28} {'TOTP secret':<34} code now"
        )
        self.stdout.write(header)
        for account in accounts:
            roles = ",".join(r for r in account.roles if r != "member") or "member"
            self.stdout.write(
                f"  {account.username:<10} {account.agency:<15} {roles:<20} {account.password:<28} "
                f"{account.totp_secret:<34} {account.current_code()}"
            )
        self.stdout.write(
            "\nAdd a TOTP secret to an authenticator app, or use the code printed above while it is current "
            "(codes change every 30 seconds; `haven demo --no-serve` prints fresh ones).\n"
        )
        if options["no_serve"]:
            return
        # the background tasks (notification e-mail, the interview solver) run in `haven worker`, beside the
        # server, as in production (docs/deploying.md); it stops with the demo
        worker = subprocess.Popen([sys.executable, "-m", "haven.cli", "worker", "--verbosity", "0"])
        self.stdout.write(f"Serving on {url}, with the background worker — press Ctrl-C to stop.\n")
        try:
            call_command("runserver", f"127.0.0.1:{options['port']}", use_reloader=False, use_threading=True)
        finally:
            worker.terminate()
            worker.wait(timeout=10)
