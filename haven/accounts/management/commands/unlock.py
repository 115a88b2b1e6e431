"""`haven unlock USERNAME`: unlock an account on the server, for when the admin is the one locked out."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.accounts.models import User
from haven.accounts.services import user_unlock


class Command(BaseCommand):
    help = "Unlock an account locked after five failed sign-ins (audited as done on the server)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("username")

    def handle(self, *args: Any, **options: Any) -> None:
        user = User.objects.filter(username=options["username"]).first()
        if user is None:
            raise CommandError(f"No account is named '{options['username']}'.", returncode=2)
        was_locked = user.is_locked
        user_unlock(actor=None, user=user, via="server")
        state = "unlocked" if was_locked else "was not locked; its failure count is reset"
        self.stdout.write(f"Account '{user.username}' {state}.")
