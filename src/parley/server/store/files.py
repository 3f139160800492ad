"""The data dir is the server user's alone: the dir 0700, every file Parley writes in it 0600.

It holds password hashes, SCRAM keys, all history and the TLS key. A data dir or
database made before (or by a looser umask) is tightened at start, and the log
says what was changed.
"""

from __future__ import annotations

import contextlib
import logging
import os
import stat
from pathlib import Path

log = logging.getLogger("parley.store")

DIR_MODE = 0o700
FILE_MODE = 0o600
DB_SUFFIXES = ("", "-wal", "-shm", "-journal")  # the database and SQLite's files beside it
TLS_FILES = ("cert.pem", "key.pem")


def _tighten(path: Path, mode: int) -> str | None:
    """Take group and other access away from `path`; what was done, or None."""
    try:
        now = stat.S_IMODE(os.stat(path).st_mode)
    except FileNotFoundError:
        return None
    if not now & 0o077:
        return None
    try:
        os.chmod(path, now & mode)
    except OSError as exc:
        log.warning("cannot make %s private (mode %04o): %s", path, now, exc.strerror or exc)
        return None
    log.warning("%s was readable by others (mode %04o): now %04o", path, now, now & mode)
    return f"{path}: {now:04o} -> {now & mode:04o}"


def private_dir(data_dir: Path) -> list[str]:
    """Create the data dir 0700 (its parents as usual), or tighten the one there."""
    data_dir = Path(data_dir)
    data_dir.mkdir(mode=DIR_MODE, parents=True, exist_ok=True)
    changes = [_tighten(data_dir, DIR_MODE), _tighten(data_dir / "tls", DIR_MODE)]
    changes += [_tighten(data_dir / "tls" / name, FILE_MODE) for name in TLS_FILES]
    return [c for c in changes if c is not None]


def new_private_file(path: Path) -> None:
    """Create `path` empty and 0600 if it is not there (SQLite then keeps that mode).

    Only before this process opens the database: closing a descriptor drops the
    process's locks on the file, which SQLite's own connections rely on.
    """
    with contextlib.suppress(OSError):  # there already, or no dir: SQLite says so in its words
        os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))


def private_database(path: Path) -> list[str]:
    """Make the database and SQLite's files beside it 0600 (new ones take its mode)."""
    changes = [_tighten(Path(f"{path}{suffix}"), FILE_MODE) for suffix in DB_SUFFIXES]
    return [c for c in changes if c is not None]
