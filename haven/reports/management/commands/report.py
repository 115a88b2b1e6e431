"""`haven report CODE --audience internal|shareable [--format json|md|pdf|csv] [-o FILE] --as USERNAME`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand

from haven.audit.events import AuditEvent, Outcome
from haven.audit.services import record
from haven.core.errors import Forbidden, HavenError, NotFound
from haven.core.files import write_private
from haven.core.problems import InvalidInput
from haven.operations import cli
from haven.reports.audiences import Audience
from haven.reports.formats import to_csv, to_json, to_markdown
from haven.reports.pdf import to_pdf
from haven.reports.services import report_generate

EXIT_REFUSED = 2  # no such user, an operation the user cannot see, an audience or format they may not have


class Command(BaseCommand):
    help = "The after-action report of an operation: JSON (haven.after-action/v1), Markdown, PDF or CSV."

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("code", help="the operation's code")
        parser.add_argument(
            "--audience",
            choices=[a.value for a in Audience],
            required=True,
            help="internal (coordinators: exact counts, timeline by code) or shareable (de-identified)",
        )
        parser.add_argument("--format", choices=["json", "md", "pdf", "csv"], default="json")
        parser.add_argument("-o", "--output", help="write to this file instead of standard output")
        parser.add_argument(
            "--as",
            dest="as_user",
            help="the user the report is generated as: their access applies, and it is audited under them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        actor = cli.acting_user(options["as_user"], purpose="An after-action report")
        fmt = options["format"]
        audience = Audience(options["audience"])
        if fmt == "csv" and audience is not Audience.SHAREABLE:
            cli.fail(
                "The CSV export holds the shareable figures only: use --audience shareable.", EXIT_REFUSED
            )
        try:
            report = report_generate(
                actor=actor, code=options["code"], audience=audience, format=fmt, via="cli"
            )
        except (NotFound, Forbidden) as error:
            record(
                actor=actor,
                event=AuditEvent.ACCESS_DENIED,
                outcome=Outcome.DENIED,
                details={"action": "report", "audience": audience.value, "format": fmt, "via": "cli"},
            )
            message = (
                f"No operation '{options['code']}' that {actor.username} can see."
                if isinstance(error, NotFound)
                else error.message
            )
            cli.fail(message, EXIT_REFUSED)
        except (HavenError, InvalidInput) as error:
            cli.fail(str(error), EXIT_REFUSED)
        if fmt == "pdf":
            body: str | bytes = to_pdf(report)
        elif fmt == "csv":
            body = to_csv(report)
        elif fmt == "md":
            body = to_markdown(report)
        else:
            body = to_json(report)
        if options["output"]:
            target = Path(options["output"])
            write_private(target, body)
            self.stderr.write(f"Wrote the {audience.value} report of {report.code} to {target}.")
        elif isinstance(body, bytes):
            if sys.stdout.isatty():
                cli.fail("A PDF is not written to a terminal: add -o FILE.", EXIT_REFUSED)
            sys.stdout.buffer.write(body)
            sys.stdout.flush()
        else:
            self.stdout.write(body, ending="")
