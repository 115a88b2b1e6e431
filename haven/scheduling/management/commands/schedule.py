"""`haven schedule PROBLEM.json [--time-limit S] [-o SCHEDULE.json]` and `haven schedule check PROBLEM SCHEDULE`."""

from __future__ import annotations

import sys
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError

from haven.scheduling.command import DEFAULT_TIME_LIMIT, run_check, run_schedule


class Command(BaseCommand):
    help = "Plan interviews for a haven.interview-problem/v1 file, or `check` a schedule against its problem."
    requires_system_checks: list[str] = []  # a pure computation: no database needed

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PROBLEM.json | check PROBLEM.json SCHEDULE.json")
        parser.add_argument(
            "--time-limit", type=float, default=DEFAULT_TIME_LIMIT, help="seconds (default 10)"
        )
        parser.add_argument("-o", "--output", help="write the schedule here instead of to standard output")

    def handle(self, *args: Any, **options: Any) -> None:
        paths: list[str] = options["paths"]
        if paths[0] == "check":
            if len(paths) != 3:
                raise CommandError("usage: haven schedule check PROBLEM.json SCHEDULE.json", returncode=2)
            raise SystemExit(run_check(paths[1], paths[2], sys.stdout, sys.stderr))
        if len(paths) != 1:
            raise CommandError(
                "usage: haven schedule PROBLEM.json [--time-limit S] [-o SCHEDULE.json]", returncode=2
            )
        raise SystemExit(
            run_schedule(
                paths[0],
                time_limit=options["time_limit"],
                output=options["output"],
                out=sys.stdout,
                err=sys.stderr,
            )
        )
