"""`haven backup`, and a restore drilled (issue 12, "Backup and restore, drilled").

The demo exercise (accounts with second factors, sealed attorney notes and safety plans, the audit trail) is
backed up with `haven backup`, then restored onto a fresh data directory, as docs/deploying.md says:

* with the keys (every file of the data directory's `keys/`, backed up separately): `haven audit verify`
  finds the trail intact, `haven keys status` misses nothing, a person signs in with password and code,
  and the attorney reads her sealed note;
* without them: nothing sealed opens — not the note, not the second factor — and Haven says so in words
  (`haven keys status` names the missing key; the pages say a key is missing), never a blank or a traceback.
"""

from __future__ import annotations

import json
import os
import shutil
import sqlite3
import stat
import subprocess
import sys
from io import StringIO
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from haven.exercises.demo import DEMO_EXERCISE
from haven.exercises.loader import exercise_load
from tests.database_copy import pg_tool

ROOT = Path(__file__).resolve().parents[2]
HAVEN = str(Path(sys.executable).with_name("haven"))
ATTORNEY = ("jalvarez", "lawful maple harbor 88", "QNYZNRVJNFYPSKYMNIHLYQ7GXSQ6BYYP")
NOTE = "Eligible to apply for a T visa"
PERSON_PAGE = "/operations/NL-2026-12/persons/P-001/"

# Run in the restored installation (`haven shell -c`): the attorney signs in with password and code, then
# reads the person page with her notes; if the code step fails, the page is read in a session marked as
# past the second factor, so that the sealed note is tried either way.
AS_THE_ATTORNEY = f"""
import base64, json
from django.test import Client
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import TOTP
from haven.accounts.models import Authenticator, User

username, password, secret = {ATTORNEY!r}
found = {{}}
client = Client(HTTP_HOST="localhost")
signed = client.post("/sign-in/", {{"username": username, "password": password}})
found["password"] = [signed.status_code, signed.get("Location", ""), signed.content.decode()]
code = client.post("/sign-in/code/", {{"code": f"{{TOTP(base64.b32decode(secret)).token():06d}}"}})
found["code"] = [code.status_code, code.get("Location", ""), code.content.decode()]
if code.status_code != 302:
    user = User.objects.get(username=username)
    client = Client(HTTP_HOST="localhost")
    client.force_login(user)
    session = client.session
    session[DEVICE_ID_SESSION_KEY] = Authenticator.objects.get(user=user).persistent_id
    session.save()
page = client.get({PERSON_PAGE!r})
found["page"] = [page.status_code, page.get("Location", ""), page.content.decode()]
print("RESULT " + json.dumps(found))
"""


def _environment(data_dir: Path, database_url: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("HAVEN_", "DJANGO_", "DATABASE_URL"))}
    env.update({"DJANGO_SETTINGS_MODULE": "config.settings.dev", "HAVEN_DATA_DIR": str(data_dir)})
    if database_url:
        env["DATABASE_URL"] = database_url
    return env


# Run in the restored installation: open the attorney's sealed note directly, and say what happened.
OPEN_THE_NOTE = """
from haven.encounters.models import AttorneyNote
from haven.encounters.sealing import open_field
note = AttorneyNote.objects.order_by("created_at").first()
try:
    print("OPENED " + open_field(note, "text", note.agency_id))
except Exception as error:
    print("REFUSED " + type(error).__name__ + ": " + str(error))
"""


def haven(data_dir: Path, *args: str, database_url: str = "") -> subprocess.CompletedProcess[str]:
    """`haven …` on the restored installation: its data directory (the key files), and its database (the
    embedded SQLite file in `data_dir`, or `database_url`)."""
    return subprocess.run(
        [HAVEN, *args],
        cwd=ROOT,
        env=_environment(data_dir, database_url),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


def as_the_attorney(data_dir: Path, database_url: str = "") -> dict[str, list[object]]:
    done = haven(data_dir, "shell", "-c", AS_THE_ATTORNEY, database_url=database_url)
    assert "Traceback" not in done.stdout + done.stderr, done.stdout + done.stderr
    (line,) = [line for line in done.stdout.splitlines() if line.startswith("RESULT ")]
    found: dict[str, list[object]] = json.loads(line.removeprefix("RESULT "))
    return found


def restore_sqlite(backup: Path, data_dir: Path, *, with_keys: bool) -> None:
    """What docs/deploying.md says to do: the backup becomes the database of a fresh data directory; the
    key files come from their own backup (here: every file of this installation's keys/, which holds the
    key-encryption key, the development secret key and any other key of the installation)."""
    data_dir.mkdir(mode=0o700)
    shutil.copyfile(backup, data_dir / "haven.sqlite3")
    (data_dir / "haven.sqlite3").chmod(0o600)
    if with_keys:
        shutil.copytree(Path(settings.DATA_DIR) / "keys", data_dir / "keys")


@pytest.fixture
def demo_data(transactional_db: None) -> None:
    exercise_load(DEMO_EXERCISE)


def backup(target: Path) -> str:
    out = StringIO()
    call_command("backup", "-o", str(target), stdout=out)
    return out.getvalue()


@pytest.mark.skipif(
    os.environ.get("DATABASE_URL", "").startswith("postgres"), reason="the SQLite drill; PostgreSQL's below"
)
def test_a_backup_restored_with_its_keys_is_whole_and_without_them_says_what_is_missing(demo_data, tmp_path):
    # given the demo's data, backed up
    target = tmp_path / "haven-backup.sqlite3"
    said = backup(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "keys are not in it" in said
    with sqlite3.connect(target) as copy:
        assert copy.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert copy.execute("PRAGMA journal_mode").fetchone() == ("delete",)  # one self-contained file

    with_keys, without_keys = tmp_path / "with-keys", tmp_path / "without-keys"
    restore_sqlite(target, with_keys, with_keys=True)
    restore_sqlite(target, without_keys, with_keys=False)
    drill(with_keys, without_keys)


def drill(with_keys: Path, without_keys: Path, database_url: str = "") -> None:
    """The restored installation, with its keys and without them (see the module)."""
    # with the keys: the trail is intact, no key is missing, the second factor and sealed text open
    verified = haven(with_keys, "audit", "verify", database_url=database_url)
    assert verified.returncode == 0, verified.stderr
    assert "Audit trail intact" in verified.stdout
    status = haven(with_keys, "keys", "status", database_url=database_url)
    assert status.returncode == 0, status.stderr
    assert "MISSING" not in status.stdout
    found = as_the_attorney(with_keys, database_url)
    assert found["code"][:2] == [302, "/"]
    assert found["page"][0] == 200
    assert NOTE in str(found["page"][2])

    # without them: nothing sealed opens, and Haven says so in words
    status = haven(without_keys, "keys", "status", database_url=database_url)
    assert status.returncode != 0
    assert "MISSING from the key ring" in status.stdout
    assert "Restore the keys from your key backup" in status.stderr
    assert "Traceback" not in status.stderr
    found = as_the_attorney(without_keys, database_url)
    # the audit trail's key is among the missing: nothing can be recorded, so no one signs in and no page
    # opens — said in words (503), never a traceback, and the sign-in leaves no session behind
    status_code, _, body = found["password"]
    assert status_code == 503
    assert "Haven cannot write to its audit trail on this server" in str(body)
    assert NOTE not in str(body)
    # no half-signed-in session is left to enter a code into, and no page opens
    assert found["code"][:2] == [302, "/sign-in/"]
    assert found["page"][0] in (302, 503)
    assert NOTE not in str(found["page"][2])
    # and the sealed text itself does not open without the key-encryption key: said in words
    opened = haven(without_keys, "shell", "-c", OPEN_THE_NOTE, database_url=database_url)
    assert "Traceback" not in opened.stdout + opened.stderr
    assert NOTE not in opened.stdout
    assert "REFUSED " in opened.stdout
    assert "MISSING" in opened.stdout or "key" in opened.stdout.split("REFUSED ", 1)[1].lower()


def test_a_backup_never_overwrites_a_file(db, tmp_path):
    target = tmp_path / "earlier-backup"
    target.write_bytes(b"an earlier backup")
    with pytest.raises(CommandError, match="already exists"):
        backup(target)
    assert target.read_bytes() == b"an earlier backup"


@pytest.mark.postgres_only
def test_a_postgresql_backup_is_a_pg_dump_archive_that_restores(demo_data, tmp_path):
    target = tmp_path / "haven-backup.pgdump"
    said = backup(target)
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert "keys are not in it" in said
    assert target.read_bytes()[:5] == b"PGDMP"  # pg_dump's custom format
    # restored, as docs/deploying.md says, into a fresh database, it holds the same audit trail
    info = connection.connection.info
    fresh = f"haven_restore_{os.getpid()}"
    common = ["--host", info.host, "--port", str(info.port), "--username", info.user]
    env = {"PATH": "/usr/bin:/bin", "PGPASSWORD": info.password or ""}
    subprocess.run([pg_tool("createdb"), *common, fresh], check=True, env=env)
    try:
        subprocess.run(
            [pg_tool("pg_restore"), *common, "--no-owner", "--dbname", fresh, str(target)],
            check=True,
            env=env,
        )
        counted = subprocess.run(
            [pg_tool("psql"), *common, "--tuples-only", "--dbname", fresh, "-c", "SELECT count(*) FROM audit_auditrecord"],
            check=True, env=env, capture_output=True, text=True,
        )  # fmt: skip
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM audit_auditrecord")
            (events,) = cursor.fetchone()
        assert int(counted.stdout.strip()) == events > 0
        # and the restored database, with the key files and without them
        with_keys, without_keys = tmp_path / "with-keys", tmp_path / "without-keys"
        with_keys.mkdir(mode=0o700)
        shutil.copytree(Path(settings.DATA_DIR) / "keys", with_keys / "keys")
        without_keys.mkdir(mode=0o700)
        drill(with_keys, without_keys, f"postgres://{info.user}@/{fresh}?host={info.host}&port={info.port}")
    finally:
        subprocess.run([pg_tool("dropdb"), *common, fresh], check=False, env=env)
