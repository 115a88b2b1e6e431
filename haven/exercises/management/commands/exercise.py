"""`haven exercise load FILE [--reset] [--start-at WHEN]`: set up a whole fictional operation from an
exercise file, at its own times or placed so that it starts at WHEN."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from haven.core.clock import clock_time, offset_minutes
from haven.core.problems import InvalidInput
from haven.exercises.loader import ExerciseDiffers, ExerciseRefused, LoadReport, exercise_load
from haven.exercises.timing import FORMS, parse_start_at

LABELS = {
    "users": "users",
    "persons": "persons",
    "designations": "designations",
    "placements": "placements (moves)",
    "observations": "observations",
    "danger_flags": "imminent-danger flags",
    "needs": "needs assessments",
    "information": "information given",
    "safety_plans": "safety plans",
    "services": "services",
    "case_notes": "case notes",
    "attorney_notes": "attorney notes",
    "interviews": "interviews",
    "relief": "immigration relief steps",
    "consents": "consents",
}


class Command(BaseCommand):
    help = "Exercise files: load a whole fictional operation (exit 0 loaded, 1 refused, 2 invalid file)."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser(
            "load",
            help="load an exercise file through every guardrail, all or nothing; loading it again changes nothing",
        )
        load.add_argument("file")
        load.add_argument(
            "--reset",
            action="store_true",
            help="remove the exercise operation already loaded under the same code (the audit trail keeps "
            "the removal) and load the file afresh",
        )
        load.add_argument(
            "--start-at",
            metavar="WHEN",
            help=f"place the exercise so that its operation starts at WHEN: {FORMS}. Every time of the file "
            "and of its plan moves with it (the file is not changed). Placed at now, an exercise already "
            "loaded stays where it is until --reset places it anew",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            start_at = (
                parse_start_at(options["start_at"], now=timezone.now())
                if options.get("start_at") is not None
                else None
            )
            report = exercise_load(options["file"], reset=options["reset"], start_at=start_at)
        except InvalidInput as error:
            for problem in error.problems:
                self.stderr.write(str(problem))
            raise SystemExit(2) from None
        except ExerciseRefused as refusal:
            self.stderr.write(f"Refused, nothing was stored: {refusal.message}")
            raise SystemExit(1) from None
        except ExerciseDiffers as refusal:
            self.stderr.write(refusal.message)
            for line in refusal.differences:
                self.stderr.write(f"  {line}")
            raise SystemExit(1) from None
        self.stdout.write(summary(report, options["file"]))


def summary(report: LoadReport, source: str) -> str:
    """What was loaded, per record type; "no change" when the file was already loaded as it stands."""
    title = f"{report.operation} ({report.name})"
    lines = []
    if not report.changed:
        lines.append(f"Exercise {title} is loaded as {source} describes it: no change.")
    else:
        if report.reset and report.removed:
            lines.append(
                f"Reset exercise {title}: removed {report.removed.get('persons', 0)} persons with all their "
                f"records and {report.removed.get('plan_versions', 0)} plan version(s); the audit trail keeps "
                "the removal."
            )
        lines.append(f"Loaded exercise {title} from {source}:")
    if report.placed and report.starts_at is not None:
        # on the operation's own clock, as its pages show it
        start = clock_time(report.starts_at, offset_minutes(report.starts_at))
        lines.append(f"  placed in time: the operation starts at {report.starts_at:%Y-%m-%d} {start}")
    for key, label in LABELS.items():
        count = report.counts.get(key, 0)
        note = ""
        if key == "users" and (report.users_created or report.users_updated):
            note = f"  ({report.users_created} created, {report.users_updated} updated)"
        lines.append(f"  {label:<26} {count:>4}{note}")
    return "\n".join(lines) + "\n"
