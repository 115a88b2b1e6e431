"""`haven readiness PLAN_FILE|CODE [--format json|text] [--policy POLICY_FILE]`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from haven.access.policies import Access, Compartment, require
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import HavenError
from haven.core.problems import InvalidInput
from haven.operations import cli
from haven.operations.selectors import current_plan, standing
from haven.operations.services import readiness_policy
from haven.plans import load_plan_file
from haven.readiness import load_policy_file
from haven.readiness.command import run_readiness


class Command(BaseCommand):
    help = "Check a plan against the readiness rules (exit 0 ready, 1 not ready, 2 invalid plan or policy)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("plan", help="a plan file (an existing path), or an operation's code")
        parser.add_argument("--format", choices=["json", "text"], default="text")
        parser.add_argument("--policy", help="a haven.readiness-policy/v1 file overriding the parameters")
        parser.add_argument(
            "--as", dest="as_user", help="for an operation's code: the user it is recorded under"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            policy = load_policy_file(options["policy"]) if options["policy"] else readiness_policy()
            if cli.is_file(options["plan"]):
                plan = load_plan_file(options["plan"])
            else:
                actor = cli.acting_user(
                    options["as_user"], purpose="Readiness of an operation in the database"
                )
                operation = cli.operation_by_code(actor, options["plan"])
                require(standing(actor, operation), Compartment.READINESS_MESSAGES, Access.READ, hide=False)
                plan = current_plan(operation)
                record(
                    actor=actor,
                    event=AuditEvent.READINESS_VIEWED,
                    target=operation,
                    operation_id=operation.pk,
                    details={"via": "cli"},
                )
        except InvalidInput as error:
            cli.problems_exit(error, sys.stderr)
        except HavenError as error:
            cli.fail(error.message)
        raise SystemExit(run_readiness(plan, fmt=options["format"], policy=policy, out=sys.stdout))
