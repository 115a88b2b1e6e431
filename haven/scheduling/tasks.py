"""The interview solver's task, run by `haven worker`: a request never waits for the solver's time limit."""

from __future__ import annotations

from uuid import UUID

from django_tasks import task

from haven.scheduling import services


@task()
def solve(run_id: str) -> str:
    """Solve one planning run; returns how it ended (done, refused, failed)."""
    return str(services.schedule_solve_run(run_id=UUID(run_id)).status)


def enqueue_solve(run_id: UUID) -> None:
    solve.enqueue(str(run_id))
