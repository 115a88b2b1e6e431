"""Files only the user Haven runs as may read: the embedded data directory, and what commands write.

Rule (issue 12, "A copy of the database is not a way in"): the embedded database's folder is 0700 and its
files 0600, and every file a command writes with `-o` (a full plan, a briefing, an internal report, a
schedule, a backup) is 0600 — whatever the umask of the shell that ran it. Pure Python (no Django), so the
pure packages' commands use it too.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

PRIVATE_FILE = 0o600
PRIVATE_DIRECTORY = 0o700


def private_directory(directory: Path) -> Path:
    """Create `directory` (and its parents) if missing, and make it 0700: Haven's own data directory, which
    an earlier version may have left readable by others."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(PRIVATE_DIRECTORY)
    return directory


def make_private(*paths: Path) -> None:
    """Make each file that exists 0600 (for example a database and its -wal and -shm files)."""
    for path in paths:
        with contextlib.suppress(FileNotFoundError):
            path.chmod(PRIVATE_FILE)


def create_private(path: Path) -> bool:
    """Create an empty file that is 0600 from its first instant, unless `path` exists (False then)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, PRIVATE_FILE)
    except FileExistsError:
        return False
    os.fchmod(fd, PRIVATE_FILE)  # the umask may have taken bits away; never added any
    os.close(fd)
    return True


def write_private(path: str | Path, content: str | bytes) -> None:
    """Write `content` to `path` whole or not at all, the file 0600 from its first instant (a temporary file
    in the same folder, renamed over the target: a file already there is replaced, its mode with it)."""
    target = Path(path)
    data = content.encode("utf-8") if isinstance(content, str) else content
    handle, temporary = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        os.fchmod(handle, PRIVATE_FILE)
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
            stream.flush()
            os.fsync(stream.fileno())
        Path(temporary).replace(target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
