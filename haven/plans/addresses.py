"""Comparing places written by different people: the readiness rules and the service briefing compare
addresses and names alike."""

from __future__ import annotations

import re
from typing import Final

_NOT_ALNUM: Final = re.compile(r"[\W_]+")


def normalise_address(text: str) -> str:
    """Lower-case, each run of characters other than letters and digits made one space, trimmed."""
    return _NOT_ALNUM.sub(" ", text.lower()).strip()
