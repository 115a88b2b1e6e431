"""`haven plan validate|import|export|briefing`: the operation plan as a file."""

from __future__ import annotations

import io
import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand

from haven.access.policies import Access, Compartment, require
from haven.audit.events import AuditEvent
from haven.audit.services import record
from haven.core.errors import ConfirmationRequired, HavenError
from haven.core.files import write_private
from haven.core.problems import InvalidInput
from haven.operations import cli
from haven.operations.selectors import current_plan, standing
from haven.operations.services import plan_import, readiness_policy
from haven.plans import load_plan_file, plan_to_json, plan_to_yaml
from haven.readiness.command import run_briefing, run_validate


class Command(BaseCommand):
    help = "Operation plans as files: validate, import, export, and the need-to-know briefings."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        validate = sub.add_parser("validate", help="check a plan file; exit 2 listing every problem")
        validate.add_argument("file")
        imp = sub.add_parser("import", help="create or update the operation a plan file describes")
        imp.add_argument("file")
        imp.add_argument(
            "--as", dest="as_user", required=True, help="the coordinator the import is recorded under"
        )
        imp.add_argument("--exercise", action="store_true", help="mark a new operation as an exercise")
        imp.add_argument(
            "--confirm-removal",
            action="append",
            default=[],
            metavar="AGENCY",
            help="an agency id the file drops although it holds records of its own on the operation "
            "(it keeps them); repeat for each",
        )
        exp = sub.add_parser("export", help="write an operation's current plan (YAML, or --format json)")
        exp.add_argument("code")
        exp.add_argument("-o", "--output")
        exp.add_argument("--format", choices=["yaml", "json"], default="yaml")
        exp.add_argument("--as", dest="as_user", help="the user the export is recorded under")
        brief = sub.add_parser("briefing", help="the service briefing or the full plan, as Markdown or PDF")
        brief.add_argument("plan", help="a plan file, or an operation's code")
        brief.add_argument("--audience", choices=["service", "full"], required=True)
        brief.add_argument("--format", choices=["md", "pdf"], default="md")
        brief.add_argument("-o", "--output")
        brief.add_argument(
            "--as", dest="as_user", help="for an operation's code: the user it is recorded under"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        action = options["action"]
        if action == "validate":
            raise SystemExit(run_validate(options["file"], sys.stdout, sys.stderr))
        if action == "import":
            self._import(options)
        elif action == "export":
            self._export(options)
        else:
            self._briefing(options)

    def _load(self, path: str) -> Any:
        try:
            return load_plan_file(path)
        except InvalidInput as error:
            cli.problems_exit(error, sys.stderr)

    def _import(self, options: dict[str, Any]) -> None:
        actor = cli.acting_user(options["as_user"], purpose="Importing a plan")
        plan = self._load(options["file"])
        try:
            result = plan_import(
                actor=actor,
                plan=plan,
                is_exercise=options["exercise"],
                confirm_removal=options["confirm_removal"],
            )
        except InvalidInput as error:
            cli.problems_exit(error, sys.stderr)
        except ConfirmationRequired as error:
            confirm = " ".join(f"--confirm-removal {subject}" for subject in error.subjects)
            cli.fail(f"{error.message}\nTo confirm, run the import again with {confirm}.")
        except HavenError as error:
            cli.fail(error.message)
        operation = result.operation
        assert operation.current_version is not None
        if result.created:
            self.stdout.write(f"Created operation {operation.code} (version 1).")
        elif result.changed:
            self.stdout.write(
                f"Updated operation {operation.code} to version {operation.current_version.number}."
            )
        else:
            self.stdout.write(
                f"Operation {operation.code} already holds this plan (version "
                f"{operation.current_version.number}); nothing changed."
            )

    def _export(self, options: dict[str, Any]) -> None:
        actor = cli.acting_user(options["as_user"], purpose="Exporting a plan")
        operation = cli.operation_by_code(actor, options["code"])
        try:
            require(standing(actor, operation), Compartment.FULL_PLAN, Access.READ, hide=False)
        except HavenError as error:
            cli.fail(error.message)
        plan = current_plan(operation)
        text = plan_to_json(plan) if options["format"] == "json" else plan_to_yaml(plan)
        record(
            actor=actor,
            event=AuditEvent.PLAN_EXPORTED,
            target=operation,
            operation_id=operation.pk,
            details={"format": options["format"], "via": "cli"},
        )
        if options["output"]:
            write_private(options["output"], text)
        else:
            self.stdout.write(text, ending="")

    def _briefing(self, options: dict[str, Any]) -> None:
        exercise = False
        if cli.is_file(options["plan"]):
            plan = self._load(options["plan"])
        else:
            actor = cli.acting_user(options["as_user"], purpose="A briefing from the database")
            operation = cli.operation_by_code(actor, options["plan"])
            compartment = (
                Compartment.FULL_PLAN if options["audience"] == "full" else Compartment.SERVICE_BRIEFING
            )
            try:
                require(standing(actor, operation), compartment, Access.READ, hide=False)
            except HavenError as error:
                cli.fail(error.message)
            plan = current_plan(operation)
            exercise = operation.is_exercise
            record(
                actor=actor,
                event=AuditEvent.BRIEFING_EXPORTED,
                target=operation,
                operation_id=operation.pk,
                details={"audience": options["audience"], "format": options["format"], "via": "cli"},
            )
        buffer = io.BytesIO()
        code = run_briefing(
            plan,
            audience=options["audience"],
            fmt=options["format"],
            out_path=options["output"],
            stdout=buffer,
            exercise=exercise,
            policy=readiness_policy(),
        )
        if not options["output"]:
            sys.stdout.flush()
            sys.stdout.buffer.write(buffer.getvalue())
            sys.stdout.buffer.flush()
        raise SystemExit(code)
