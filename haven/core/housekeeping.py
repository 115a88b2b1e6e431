"""Housekeeping that the background worker runs about once a minute (`haven worker`), registered by the
packages that own it when Django loads them (their AppConfig.ready): the worker sits low in the package
order and knows none of them. Each job returns how many rows it tidied."""

from __future__ import annotations

from collections.abc import Callable

_JOBS: dict[str, Callable[[], int]] = {}


def register(name: str, job: Callable[[], int]) -> None:
    """Run `job` at each housekeeping round (registering a name again replaces its job)."""
    _JOBS[name] = job


def run() -> dict[str, int]:
    """Run every registered job once; what each tidied, by name."""
    return {name: job() for name, job in sorted(_JOBS.items())}
