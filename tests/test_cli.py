"""The `haven` command: its help lists Haven's commands; `haven demo --no-serve` sets up a fresh
data directory and prints the accounts, twice without change."""

from __future__ import annotations

import os
import re
import sqlite3
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
HAVEN = str(Path(sys.executable).with_name("haven"))


def _env(data_dir: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env["HAVEN_DATA_DIR"] = str(data_dir)
    return env


def test_help_lists_havens_commands(tmp_path):
    result = subprocess.run(
        [HAVEN, "--help"],
        cwd=ROOT,
        env=_env(tmp_path),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    for command in ("demo", "audit", "unlock"):
        assert re.search(rf"^  {command}\s+\S", result.stdout, re.MULTILINE), result.stdout


def test_demo_no_serve_sets_up_a_fresh_data_directory_idempotently(tmp_path):
    data = tmp_path / "data"
    first = subprocess.run(
        [HAVEN, "demo", "--no-serve"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "http://127.0.0.1:8000/" in first.stdout
    row = re.search(
        r"^  arivera\s+metro-pd\s+coordinator\s+(.+?)\s{2,}([A-Z2-7]{32})\s+(\d{6})$",
        first.stdout,
        re.MULTILINE,
    )
    assert row is not None, first.stdout
    assert (data / "haven.sqlite3").exists()
    with sqlite3.connect(data / "haven.sqlite3") as db:
        users = db.execute("select count(*) from accounts_user").fetchone()[0]
        events = db.execute("select count(*) from audit_auditrecord").fetchone()[0]
    second = subprocess.run(
        [HAVEN, "demo", "--no-serve"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=300,
        check=True,
    )
    assert "arivera" in second.stdout
    with sqlite3.connect(data / "haven.sqlite3") as db:
        assert db.execute("select count(*) from accounts_user").fetchone()[0] == users
        assert db.execute("select count(*) from audit_auditrecord").fetchone()[0] == events
    verify = subprocess.run(
        [HAVEN, "audit", "verify"],
        cwd=ROOT,
        env=_env(data),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert verify.returncode == 0
    assert f"{events} events verified" in verify.stdout
