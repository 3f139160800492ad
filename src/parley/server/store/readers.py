"""Connections for reading the database from any thread: one per thread, read-only.

Reads of history and of where accounts were run on the worker's threads
(docs/architecture.md, "Threads and slow work"), so each thread reading gets
its own connection, opened the first time it reads: a sqlite3 connection is
not to be shared by threads at once. The database is in WAL mode, so readers
see the last committed state and never wait for the writer, nor it for them.
"""

from __future__ import annotations

import sqlite3
import threading
from pathlib import Path


class Readers:
    """Read-only connections to one database, one for each thread that reads."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._lock = threading.Lock()
        self._opened: list[sqlite3.Connection] = []  # to close them all at the end
        self._closed = False

    def get(self) -> sqlite3.Connection:
        """This thread's connection (the schema is brought up to date by the store's own)."""
        db: sqlite3.Connection | None = getattr(self._local, "db", None)
        if db is None:
            db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            db.execute("PRAGMA query_only=ON")  # a read that would write is a bug: refused
            db.execute("PRAGMA busy_timeout=5000")
            with self._lock:
                if self._closed:
                    db.close()
                    raise sqlite3.ProgrammingError("the store is closed")
                self._opened.append(db)
            self._local.db = db
        return db

    def close(self) -> None:
        """Close every thread's connection (the threads are done reading)."""
        with self._lock:
            opened, self._opened, self._closed = self._opened, [], True
        for db in opened:
            db.close()
