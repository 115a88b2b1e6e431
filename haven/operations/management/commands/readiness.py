"""`haven readiness PLAN_FILE|CODE [--format json|text] [--policy POLICY_FILE]`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from haven.access.policies import Access, Compartment, allows, require
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import HavenError
from haven.core.problems import InvalidInput, Problem
from haven.operations import cli
from haven.operations.selectors import current_plan, standing
from haven.operations.services import readiness_policy
from haven.plans import load_plan_file
from haven.readiness import load_policy_file
from haven.readiness.command import run_readiness, run_readiness_status


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
        full = True  # a plan file is the reader's own: every rule and message
        try:
            policy = load_policy_file(options["policy"]) if options["policy"] else readiness_policy()
        except InvalidInput as error:
            # the plan file's own problems too, if it has any: every problem at once
            plan_problems: list[Problem] = []
            if cli.is_file(options["plan"]):
                try:
                    load_plan_file(options["plan"])
                except InvalidInput as plan_error:
                    plan_problems = list(plan_error.problems)
            cli.problems_exit(InvalidInput([*plan_problems, *error.problems], what="input"), sys.stderr)
        try:
            if cli.is_file(options["plan"]):
                plan = load_plan_file(options["plan"])
            else:
                actor = cli.acting_user(
                    options["as_user"], purpose="Readiness of an operation in the database"
                )
                operation = cli.operation_by_code(actor, options["plan"])
                standing_ = standing(actor, operation)
                # the rules' messages for investigative agencies; ready / not ready for service ones
                full = allows(standing_, Compartment.READINESS_MESSAGES, Access.READ)
                if not full:
                    require(standing_, Compartment.READINESS_STATUS, Access.READ, hide=False)
                plan = current_plan(operation)
                record(
                    actor=actor,
                    event=AuditEvent.READINESS_VIEWED,
                    target=operation,
                    operation_id=operation.pk,
                    details={"via": "cli", "audience": "full" if full else "service"},
                )
        except InvalidInput as error:
            cli.problems_exit(error, sys.stderr)
        except HavenError as error:
            cli.fail(error.message)
        run = run_readiness if full else run_readiness_status
        raise SystemExit(run(plan, fmt=options["format"], policy=policy, out=sys.stdout))
