"""The import contracts (import-linter, configured in pyproject.toml): arrows point down as
docs/architecture.md draws them, no two packages import each other, and the pure packages import nothing of
Django."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
from importlinter.cli import lint_imports

ROOT = Path(__file__).resolve().parent.parent
PYPROJECT = ROOT / "pyproject.toml"


def _contracts() -> dict[str, dict[str, Any]]:
    config = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))["tool"]["importlinter"]
    return {contract["id"]: contract for contract in config["contracts"]}


def _documented_layers() -> list[list[str]]:
    """The package diagram of docs/architecture.md, top to bottom: `web / api / cli   pages …`."""
    text = (ROOT / "docs" / "architecture.md").read_text(encoding="utf-8")
    diagram = re.search(r"Arrows point down.*?```\n(.*?)```", text, re.DOTALL)
    assert diagram, "docs/architecture.md has no package diagram"
    layers = []
    for line in diagram.group(1).splitlines():
        names = re.split(r"\s{2,}", line.strip())[0]
        layers.append([name.strip() for name in re.split(r"[/,]", names)])
    return layers


def test_the_import_contracts_hold(capsys: pytest.CaptureFixture[str]) -> None:
    exit_code = lint_imports(config_filenames=(str(PYPROJECT),), no_cache=True, no_logo=True)
    report = capsys.readouterr().out
    assert exit_code == 0, report
    assert "0 broken" in report


def test_the_layer_contract_is_the_diagram_of_the_architecture_doc() -> None:
    layers = _contracts()["layers"]["layers"]
    contracted = [
        [name.strip().removeprefix("haven.") for name in re.split(r"[|:]", layer)] for layer in layers
    ]
    assert contracted == _documented_layers()


def test_every_package_is_in_a_layer() -> None:
    layered = {name for layer in _documented_layers() for name in layer}
    packages = {
        path.parent.name if path.name == "__init__.py" else path.stem
        for path in (ROOT / "haven").glob("*.py")
        if path.name != "__init__.py"
    } | {path.name for path in (ROOT / "haven").iterdir() if (path / "__init__.py").exists()}
    assert packages == layered


def test_the_pure_packages_and_the_solver_are_kept_free_of_django() -> None:
    pure = _contracts()["pure"]
    assert pure["type"] == "forbidden"
    assert {"haven.plans", "haven.readiness", "haven.scheduling.solver"} <= set(pure["source_modules"])
    assert "django" in pure["forbidden_modules"]


def test_importing_the_pure_packages_loads_no_django() -> None:
    # the run-time view of the same contract: a fresh interpreter imports them and Django stays unloaded
    modules = [
        "haven.plans",
        "haven.readiness",
        "haven.readiness.command",
        *_contracts()["pure"]["source_modules"],
    ]
    script = (
        "import sys\n"
        + "".join(f"import {module}\n" for module in dict.fromkeys(modules))
        + "print(sorted(m for m in sys.modules if m.split('.')[0] in ('django', 'ninja', 'django_otp')))"
    )
    env = {key: value for key, value in os.environ.items() if key != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"
