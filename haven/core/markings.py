"""The words that mark a document, page or response as belonging to an exercise (one definition)."""

from __future__ import annotations

from typing import Final

EXERCISE_MARKING: Final = "EXERCISE — FICTIONAL DATA"
