"""Text bound for a spreadsheet: every CSV export writes each cell through `safe_cell`.

A cell that a spreadsheet program reads as a formula runs when the file is opened (CSV injection,
OWASP): a username, a reason or a code chosen by whoever wrote it could start with `=`. Rule (OWASP,
"CSV Injection"): a text cell that begins with `=`, `+`, `-`, `@`, a tab or a carriage return gets a
leading apostrophe, which spreadsheet programs show as text and do not evaluate. The csv module's own
quoting then keeps separators and quotes inside the cell.
"""

from __future__ import annotations

from typing import TypeVar

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

Cell = TypeVar("Cell")


def safe_cell(value: Cell) -> Cell:
    """The value as a spreadsheet may read it: text that would start a formula, with a leading
    apostrophe; anything else (numbers, empty text, None) unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return f"'{value}"  # type: ignore[return-value]  # a str in, a str out
    return value
