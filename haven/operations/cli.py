"""Shared pieces of the operations commands: the acting user, plans by file or code, and errors."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import NoReturn, TextIO

from django.core.management.base import CommandError

from haven.accounts.models import User
from haven.core.errors import HavenError
from haven.core.problems import InvalidInput
from haven.operations.models import Operation
from haven.operations.selectors import operation_for


def fail(message: str, code: int = 2) -> NoReturn:
    raise CommandError(message, returncode=code)


def problems_exit(error: InvalidInput, err: TextIO) -> NoReturn:
    for problem in error.problems:
        print(problem, file=err)
    raise SystemExit(2)


def acting_user(username: str | None, *, purpose: str) -> User:
    """Commands that touch an operation in the database act as a named user, checked and audited
    like that user in the application."""
    if not username:
        fail(
            f"{purpose} needs --as USERNAME: the user the action is recorded under (and whose access applies)."
        )
    user = User.objects.select_related("agency").filter(username=username, is_active=True).first()
    if user is None:
        fail(f"No active account is named '{username}'.")
    return user


def is_file(argument: str) -> bool:
    """An argument that is an existing path is a file; otherwise it is the code of an operation."""
    return Path(argument).exists()


def operation_by_code(actor: User, code: str) -> Operation:
    try:
        operation, _ = operation_for(actor, code)
    except HavenError as error:
        fail(f"No operation '{code}' that {actor.username} can see.", 2)
        raise AssertionError from error
    return operation


def stderr() -> TextIO:
    return sys.stderr
