"""Secret key files kept outside the database: 32 random bytes, mode 0600, in a 0700 directory.

The embedded default keeps each of Haven's keys this way under the data directory — the key-encryption
key (haven/access/keys.py), the audit chain's key (haven/audit/keys.py) — and production passes them in
the environment as base64. Both forms are read here, so every key is refused the same way: a file that
group or others may read, a symbolic link, a value of the wrong length; never echoing a value.
"""

from __future__ import annotations

import base64
import binascii
import os
import secrets
import stat
from pathlib import Path

from django.core.exceptions import ImproperlyConfigured

KEY_BYTES = 32
GENERATE_HINT = "python3 -c 'import base64, os; print(base64.b64encode(os.urandom(32)).decode())'"


class KeyConfigurationError(ImproperlyConfigured):
    """A key that is missing, malformed or unsafely stored; the message says how to fix it."""


class KeyFileInsecure(KeyConfigurationError):
    """A key file, or its directory, that someone other than its owner may read or change."""


class KeyInvalid(KeyConfigurationError):
    """A key value (environment variable or key file) that is not 32 bytes."""


def key_from_base64(value: str, name: str) -> bytes:
    """A key from an environment value; a malformed one is refused naming the variable (and never
    echoing the value)."""
    try:
        key = base64.b64decode(value.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise KeyInvalid(
            f"{name} is not valid base64. It must hold 32 random bytes in base64 (44 characters); "
            f"generate one with: {GENERATE_HINT}"
        ) from None
    if len(key) != KEY_BYTES:
        raise KeyInvalid(
            f"{name} decodes to {len(key)} bytes; it must hold exactly 32 random bytes in base64 "
            f"(44 characters). Generate one with: {GENERATE_HINT}"
        )
    return key


def check_private_directory(directory: Path, *, what: str) -> None:
    """Refuse a directory that group or others may reach (`what` names the key it holds)."""
    mode = directory.stat().st_mode
    if stat.S_IMODE(mode) & 0o077:
        raise KeyFileInsecure(
            f"The key directory {directory} has mode {stat.S_IMODE(mode):04o}: group or others may reach "
            f"the {what}. Haven refuses to use it. Fix: chmod 700 {directory}"
        )


def read_key_file(path: Path, *, what: str, exposed_hint: str) -> bytes:
    """A key file: exactly 32 bytes, mode 0600 (or stricter), in a 0700 directory; anything else refused.
    `what` names the key in messages; `exposed_hint` says what to do with a key others could read."""
    check_private_directory(path.parent, what=what)
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_CLOEXEC)
    except OSError as error:
        raise KeyConfigurationError(
            f"The key file {path} cannot be opened ({error.strerror}). It must be a regular file, not a "
            "symbolic link, readable by the user Haven runs as."
        ) from error
    try:
        info = os.fstat(fd)
        mode = stat.S_IMODE(info.st_mode)
        if not stat.S_ISREG(info.st_mode):
            raise KeyConfigurationError(f"The key file {path} is not a regular file.")
        if mode & 0o077:
            raise KeyFileInsecure(
                f"The key file {path} has mode {mode:04o}: group or others may read the {what}. Haven "
                f"refuses to use it. Fix: chmod 600 {path} (and consider the key exposed: {exposed_hint})"
            )
        key = os.read(fd, KEY_BYTES + 1)
    finally:
        os.close(fd)
    if len(key) != KEY_BYTES:
        raise KeyInvalid(
            f"The key file {path} holds {len(key)}{'+' if len(key) > KEY_BYTES else ''} bytes; a key file "
            "holds exactly 32 random bytes. Restore it from your key backup."
        )
    return key


def private_directory(directory: Path, *, what: str) -> None:
    """Create the directory 0700 if it is missing; refuse it if group or others may reach it."""
    if not directory.exists():
        directory.parent.mkdir(parents=True, exist_ok=True)
        try:
            directory.mkdir(mode=0o700)
        except FileExistsError:
            pass
        else:
            directory.chmod(0o700)  # mkdir's mode is reduced by the umask; make it exact
    check_private_directory(directory, what=what)


def fsync_directory(directory: Path) -> None:
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def write_new_key_file(path: Path, key: bytes, *, what: str) -> bool:
    """Write `key` to `path` unless it exists. The file is 0600 from its first instant (created so, under a
    temporary name, then linked into place, which never replaces a file). False if `path` already existed."""
    private_directory(path.parent, what=what)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{secrets.token_hex(4)}.tmp")
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, key)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
        created = True
    except FileExistsError:
        created = False
    finally:
        temporary.unlink()
    fsync_directory(path.parent)
    return created


def key_file(path: Path, *, what: str, exposed_hint: str) -> bytes:
    """The key in `path`, created with 32 random bytes at first use (two processes starting at once: one
    link wins, both then read the same file)."""
    if not path.exists():
        write_new_key_file(path, secrets.token_bytes(KEY_BYTES), what=what)
    return read_key_file(path, what=what, exposed_hint=exposed_hint)
