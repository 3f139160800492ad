"""Files shared through the web listener: their rows in parley.db, their bytes in files/.

A file is stored under its id (random, URL-safe) in the data dir's `files/`
(0700, each file 0600); its row names the account that uploaded it, the
name it came with, its type and size. A row goes with its account (a trigger
in the schema); the file it leaves is an orphan that `prune` deletes, as it
deletes what an interrupted upload left in `files/tmp/`.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
import threading
from dataclasses import dataclass
from pathlib import Path

from parley.irc.casemap import fold
from parley.server.store.files import DIR_MODE
from parley.server.store.schema import connect, writing

FILES_DIR = "files"
TEMP_DIR = "tmp"
ID_BYTES = 18  # 24 characters of token_urlsafe: unguessable


@dataclass(frozen=True, slots=True)
class Upload:
    """One shared file."""

    id: str
    account: str  # the uploader's account name as it was
    filename: str  # as the uploader named it, cleaned (upload.clean_filename)
    content_type: str
    size: int
    created: float
    sha256: str


def new_id() -> str:
    """A file's name on disk and in its URL; never with a leading `-`, which the
    shell's `delete-file ID` would take for an option."""
    while True:
        made = secrets.token_urlsafe(ID_BYTES)
        if made[0] != "-":
            return made


def valid_id(text: str) -> bool:
    """Whether `text` could be an id: URL-safe base64 letters only, so it names no path."""
    return 0 < len(text) <= 64 and all(c.isascii() and (c.isalnum() or c in "-_") for c in text)


def files_dir(data_dir: Path) -> Path:
    """The data dir's files/ and files/tmp/, made 0700 if they are not there."""
    base = Path(data_dir) / FILES_DIR
    for path in (base, base / TEMP_DIR):
        path.mkdir(mode=DIR_MODE, exist_ok=True)
        os.chmod(path, DIR_MODE)
    return base


class UploadStore:
    """Shared files: rows in memory (tests, a core without a data dir) or in SQLite,
    bytes in `directory` (None: none kept)."""

    def __init__(self, directory: Path | None = None) -> None:
        self.directory = directory
        self._rows: dict[str, Upload] = {}
        self._lock = threading.Lock()  # a file kept is never taken for an orphan meanwhile

    def path(self, upload_id: str) -> Path | None:
        """Where a file's bytes are (None without a directory, or for a bad id)."""
        if self.directory is None or not valid_id(upload_id):
            return None
        return self.directory / upload_id

    def temp_dir(self) -> Path | None:
        return None if self.directory is None else self.directory / TEMP_DIR

    def add(self, upload: Upload) -> bool:
        """Keep a row; False if its account is gone meanwhile."""
        self._rows[upload.id] = upload
        return True

    def get(self, upload_id: str) -> Upload | None:
        return self._rows.get(upload_id)

    def keep(self, upload: Upload, temp: Path) -> bool:
        """Move a received file into place and add its row (on a worker thread); False,
        and nothing kept, if its account is gone meanwhile."""
        path = self.path(upload.id)
        assert path is not None
        with self._lock:
            os.replace(temp, path)
            try:
                if self.add(upload):
                    return True
            except BaseException:
                path.unlink(missing_ok=True)
                raise
            path.unlink(missing_ok=True)
            return False

    def listed(self, account: str | None, limit: int) -> list[Upload]:
        """The newest first: an account's, or everyone's (None)."""
        key = None if account is None else fold(account)
        rows = [u for u in self._rows.values() if key is None or fold(u.account) == key]
        return sorted(rows, key=lambda u: u.created, reverse=True)[:limit]

    def usage(self, account: str) -> tuple[int, int]:
        """The files an account keeps, and their bytes."""
        mine = [u for u in self._rows.values() if fold(u.account) == fold(account)]
        return len(mine), sum(u.size for u in mine)

    def _forget(self, upload_id: str) -> None:
        self._rows.pop(upload_id, None)

    def delete(self, upload_id: str) -> Upload | None:
        """Delete a file, row and bytes; what it was, or None if there was none."""
        upload = self.get(upload_id)
        if upload is None:
            return None
        self._forget(upload_id)
        self._unlink(upload_id)
        return upload

    def _unlink(self, upload_id: str) -> None:
        path = self.path(upload_id)
        if path is not None:
            with contextlib.suppress(FileNotFoundError):
                path.unlink()

    def _ids(self) -> set[str]:
        return set(self._rows)

    def prune(self) -> int:
        """Delete files no row names (their account was deleted); how many went.
        It reads the directory: run it off the loop."""
        if self.directory is None:
            return 0
        with self._lock:
            return self._prune(self.directory)

    def _prune(self, directory: Path) -> int:
        known = self._ids()
        gone = 0
        with os.scandir(directory) as entries:
            for entry in entries:
                if entry.is_file(follow_symlinks=False) and entry.name not in known:
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(entry.path)
                        gone += 1
        return gone

    def clear_temp(self) -> int:
        """Delete what interrupted uploads left (at start, before any upload begins)."""
        temp = self.temp_dir()
        gone = 0
        if temp is not None and temp.is_dir():
            with os.scandir(temp) as entries:
                for entry in entries:
                    with contextlib.suppress(OSError):
                        os.unlink(entry.path)
                        gone += 1
        return gone

    def close(self) -> None:
        return None


class SqliteUploadStore(UploadStore):
    """Rows in parley.db, written at once (synchronous FULL: a 201 means it is kept)."""

    def __init__(self, database: Path, directory: Path) -> None:
        super().__init__(directory)
        self._db = connect(Path(database), synchronous="FULL")

    def add(self, upload: Upload) -> bool:
        with writing(f"the file {upload.filename!r}"):
            self._db.execute(
                "INSERT INTO uploads (id, account, filename, content_type, size, created, sha256)"
                " VALUES (?, ?, ?, ?, ?, ?, ?)",
                (upload.id, fold(upload.account), upload.filename, upload.content_type,
                 upload.size, upload.created, upload.sha256),
            )  # fmt: skip
        return self.get(upload.id) is not None  # the trigger drops it if the account is gone

    def _upload(self, row: sqlite3.Row | tuple[object, ...]) -> Upload:
        upload_id, account, filename, kind, size, created, digest, name = row
        return Upload(str(upload_id), str(name or account), str(filename), str(kind),
                      int(str(size)), float(str(created)), str(digest))  # fmt: skip

    _SELECT = (
        "SELECT u.id, u.account, u.filename, u.content_type, u.size, u.created, u.sha256,"
        " a.name FROM uploads u LEFT JOIN accounts a ON a.folded = u.account"
    )

    def get(self, upload_id: str) -> Upload | None:
        row = self._db.execute(f"{self._SELECT} WHERE u.id = ?", (upload_id,)).fetchone()
        return None if row is None else self._upload(row)

    def listed(self, account: str | None, limit: int) -> list[Upload]:
        if account is None:
            rows = self._db.execute(f"{self._SELECT} ORDER BY u.created DESC LIMIT ?", (limit,))
        else:
            rows = self._db.execute(
                f"{self._SELECT} WHERE u.account = ? ORDER BY u.created DESC LIMIT ?",
                (fold(account), limit),
            )
        return [self._upload(row) for row in rows]

    def usage(self, account: str) -> tuple[int, int]:
        count, size = self._db.execute(
            "SELECT count(*), coalesce(sum(size), 0) FROM uploads WHERE account = ?",
            (fold(account),),
        ).fetchone()
        return int(count), int(size)

    def _forget(self, upload_id: str) -> None:
        with writing("the deletion of a file"):
            self._db.execute("DELETE FROM uploads WHERE id = ?", (upload_id,))

    def _ids(self) -> set[str]:
        return {str(row[0]) for row in self._db.execute("SELECT id FROM uploads")}

    def close(self) -> None:
        self._db.close()
