"""`haven worker`: run the background tasks (e-mail, the interview solver) from the database queue."""

from __future__ import annotations

import time
from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand
from django.utils.crypto import get_random_string
from django_tasks_db.management.commands.db_worker import Worker

from haven.core import housekeeping
from haven.notifications import tasks

SWEEP_SECONDS = 60.0


class Command(BaseCommand):
    help = (
        "Run the background tasks: notification e-mail (retried until sent) and the interview solver. "
        "Run it as a service beside the application (docs/deploying.md); `haven demo` starts one."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        parser.add_argument(
            "--batch", action="store_true", help="run every task that is due, then exit (for cron and tests)"
        )
        parser.add_argument(
            "--interval", type=float, default=1.0, help="seconds between looks at an empty queue (default 1)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        # django-tasks-db's worker, one batch at a time, between which the outbox is swept: a delivery whose
        # task was lost (the process stopped between the commit and the queue) is queued again.
        worker = Worker(
            queue_names=["*"],
            interval=0,
            batch=True,
            backend_name="default",
            startup_delay=False,
            max_tasks=None,
            worker_id=get_random_string(32),
            excluded_queue_names=[],
        )
        if not options["batch"]:
            worker.configure_signals()
            self.stdout.write("Haven worker: running background tasks — press Ctrl-C to stop.")
        swept_at = 0.0
        while worker.running:
            if time.monotonic() - swept_at >= SWEEP_SECONDS or options["batch"]:
                requeued = tasks.sweep()
                housekeeping.run()  # e.g. the board's change log compacted (haven.core.housekeeping)
                swept_at = time.monotonic()
                if requeued and options["verbosity"] > 0:
                    self.stdout.write(f"Queued {requeued} overdue e-mail(s) again.")
            worker.run()
            if options["batch"]:
                return
            time.sleep(options["interval"])
