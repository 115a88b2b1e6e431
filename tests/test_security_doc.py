"""docs/security.md keeps the threat model, and each claim in it names the test that shows it: every test it
names must exist, so a renamed or deleted test cannot leave a claim standing on nothing."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DOC = ROOT / "docs" / "security.md"
# `tests/x/test_y.py::test_z`, and the shorthand `::test_w` for another test of the last file named
REFERENCE = re.compile(r"`(tests/[\w/]+\.py)(?:::(\w+))?`|`::(\w+)`")


def _names(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return {
        node.name
        for node in ast.walk(tree)
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef | ast.ClassDef)
    }


def test_every_test_the_security_model_names_exists() -> None:
    text = DOC.read_text(encoding="utf-8")
    current: Path | None = None
    missing: list[str] = []
    named = 0
    for match in REFERENCE.finditer(text):
        file, test, shorthand = match.groups()
        if file is not None:
            current = ROOT / file
            if not current.exists():
                missing.append(file)
                continue
        name = test or shorthand
        if name is None:
            continue
        named += 1
        if current is None or not current.exists() or name not in _names(current):
            missing.append(f"{current.relative_to(ROOT) if current else '?'}::{name}")
    assert named > 50  # the model names its proofs
    assert missing == []
