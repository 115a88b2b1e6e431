"""Problems found in a file, a form or an API body: each names the field and says what would be accepted.

Pure Python: the plan parser, the readiness policy, the scheduler and the exercise loader all report
their refusals with these, and the web and API layers render them unchanged.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Problem:
    """One thing wrong with an input: the path of the field (0-based list indexes) and what is wrong."""

    path: str
    message: str

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


def format_path(parts: Sequence[str | int]) -> str:
    """`("agencies", 2, "type")` → `agencies[2].type`."""
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += f".{part}" if out else part
    return out


class InvalidInput(Exception):
    """An input that breaks its format: carries every problem found, never only the first."""

    def __init__(self, problems: Iterable[Problem], *, what: str = "input") -> None:
        self.problems: list[Problem] = list(problems)
        self.what = what
        super().__init__(f"invalid {what}: " + "; ".join(str(p) for p in self.problems))
