"""`haven demo`: set up the demo exercise on the embedded database, under way now, and serve it — on this
machine, or on the room's network for a tabletop exercise (`--host 0.0.0.0`)."""

from __future__ import annotations

import ipaddress
import socket
import subprocess
import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

from haven.core.clock import clock_time
from haven.exercises.demo import demo_accounts, load_demo
from haven.operations.models import Operation

LOOPBACK = "127.0.0.1"
EVERY_ADDRESS = ("0.0.0.0", "::")  # noqa: S104 - serving the room's network is what --host asks for


class Command(BaseCommand):
    help = (
        "Load the demo exercise (Operation Northern Light, under way now) and serve it on "
        "http://127.0.0.1:8000 (--host 0.0.0.0 serves the room's network: fictional data only)."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("--no-serve", action="store_true", help="set everything up, then exit")
        parser.add_argument(
            "--host",
            default=LOOPBACK,
            help="the address to serve on (default 127.0.0.1, this machine only); 0.0.0.0 serves every "
            "network this machine is on, so that phones and laptops in the room can open the demo — for "
            "fictional data only: the demo's passwords and authenticator secrets are printed for anyone",
        )
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        host, port = _address(options["host"]), options["port"]
        settings.DATA_DIR.mkdir(parents=True, exist_ok=True)
        Path(settings.STATIC_ROOT).mkdir(parents=True, exist_ok=True)  # served by WhiteNoise from the apps
        call_command("migrate", interactive=False, verbosity=0)
        report = load_demo()
        accounts = demo_accounts()
        urls = _urls(host, port)
        self.stdout.write(self.style.SUCCESS(f"Haven demo — data in {settings.DATA_DIR}"))
        operation = Operation.objects.get(code=report.operation)
        minutes = operation.utc_offset_minutes
        self.stdout.write(
            f"\n{report.name} is under way: it started at {clock_time(operation.starts_at, minutes)} and "
            f"ends at {clock_time(operation.ends_at, minutes)} (on the operation's clock). "
            "Started again the same day, the demo stays as it is; on a later day it starts afresh, now."
        )
        self.stdout.write(f"\nOpen {urls[0]} and sign in as one of these fictional people:\n")
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
        if not _loopback(host):
            # phones in the room reach this machine by its address on the room's network: allow exactly
            # those names (not any Host header, which a page elsewhere could use to rebind a name to it)
            settings.ALLOWED_HOSTS = [*settings.ALLOWED_HOSTS, *_names(host)]
            self.stdout.write(
                self.style.WARNING(
                    "Serving on the room's network: anyone who can reach this machine can open the demo, and "
                    "every demo account's password and secret is printed above. Fictional data only — never "
                    "enter a real person, place or case into the demo."
                )
            )
        if options["no_serve"]:
            return
        # the background tasks (notification e-mail, the interview solver) run in `haven worker`, beside the
        # server, as in production (docs/deploying.md); it stops with the demo
        worker = subprocess.Popen([sys.executable, "-m", "haven.cli", "worker", "--verbosity", "0"])
        self.stdout.write(
            f"Serving on {', '.join(urls)}, with the background worker — press Ctrl-C to stop.\n"
        )
        bind = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
        try:
            call_command("runserver", bind, use_reloader=False, use_threading=True, use_ipv6=":" in host)
        finally:
            worker.terminate()
            worker.wait(timeout=10)


def _address(host: str) -> str:
    """The address to bind: an IP address (`localhost` is 127.0.0.1); a name is refused by name."""
    text = host.strip().strip("[]")
    if text == "localhost":
        return LOOPBACK
    try:
        return str(ipaddress.ip_address(text))
    except ValueError:
        raise CommandError(
            f"--host: {host!r} is not an IP address: use 127.0.0.1 (this machine only), 0.0.0.0 (every "
            "network this machine is on) or one of this machine's addresses"
        ) from None


def _loopback(host: str) -> bool:
    return ipaddress.ip_address(host).is_loopback


def _names(host: str) -> list[str]:
    """The names a browser in the room may use for this machine when Haven listens on `host`: the address
    itself, or — listening on every address — this machine's addresses and its name (with `.local`)."""
    if host not in EVERY_ADDRESS:
        return [f"[{host}]" if ":" in host else host]
    name = socket.gethostname()
    found = {name, f"{name}.local"}
    try:
        for *_, sockaddr in socket.getaddrinfo(name, None):
            found.add(str(sockaddr[0]))
    except OSError:
        pass
    found |= _outward_addresses()
    return sorted(n if ":" not in n else f"[{n}]" for n in found if n and not n.startswith("127."))


def _outward_addresses() -> set[str]:
    """The addresses this machine reaches other machines from (a UDP socket's local end: nothing is
    sent), for when its name resolves only to a loopback address."""
    found: set[str] = set()
    for family, target in ((socket.AF_INET, "192.0.2.1"), (socket.AF_INET6, "2001:db8::1")):
        try:
            with socket.socket(family, socket.SOCK_DGRAM) as probe:
                probe.connect((target, 9))
                found.add(str(probe.getsockname()[0]))
        except OSError:
            continue
    return found


def _urls(host: str, port: int) -> list[str]:
    """Where to open the demo: this machine's address, or its addresses on the room's network."""
    if _loopback(host):
        return [f"http://{'[::1]' if ':' in host else host}:{port}/"]
    names = [n for n in _names(host) if not n.endswith(".local") and n != socket.gethostname()]
    return [f"http://{n}:{port}/" for n in names] or [f"http://{socket.gethostname()}:{port}/"]
