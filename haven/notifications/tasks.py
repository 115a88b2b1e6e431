"""The e-mail outbox's tasks, run by `haven worker` (Django's tasks API: the django-tasks backport and its
database backend on Django 5.2, `django.tasks` from Django 6 on)."""

from __future__ import annotations

import logging
import uuid
from collections.abc import Iterable
from functools import partial

from django.db import transaction
from django_tasks import task

from haven.notifications import delivery

logger = logging.getLogger(__name__)


@task()
def deliver(delivery_id: str) -> str:
    """Send one notification's e-mail; on a failure, queue the next attempt for when it is due."""
    result = delivery.attempt(uuid.UUID(delivery_id))
    if result.outcome == "retry" and result.retry_at is not None and deliver.get_backend().supports_defer:
        deliver.using(run_after=result.retry_at).enqueue(delivery_id)
    # a backend that cannot wait (the tests' immediate one) leaves the retry to the sweep
    return result.outcome


def enqueue(delivery_ids: Iterable[uuid.UUID]) -> None:
    """Queue each delivery. A failure to queue loses nothing: the delivery stays pending in the outbox and
    `sweep` queues it again."""
    for delivery_id in delivery_ids:
        try:
            deliver.enqueue(str(delivery_id))
        except Exception:  # the outbox row is the message: the sweep finds it
            logger.exception(
                "Could not queue the e-mail of delivery %s; the worker's sweep will", delivery_id
            )


def enqueue_on_commit(delivery_ids: list[uuid.UUID]) -> None:
    """Queue the deliveries once the transaction that wrote them commits (never for a rolled-back event)."""
    if delivery_ids:
        transaction.on_commit(partial(enqueue, delivery_ids))


def sweep() -> int:
    """Queue again every delivery that is overdue with no attempt under way; returns how many."""
    overdue = delivery.due()
    enqueue(overdue)
    return len(overdue)
