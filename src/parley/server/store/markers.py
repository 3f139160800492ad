"""Read markers (IRCv3 draft/read-marker): per account, how far it has read in each target.

Accounts and targets are folded names; a marker is milliseconds since the epoch.
The core holds the markers of the accounts online and saves what changed in one
write a second (core/markers.py), so a marker set many times a minute costs one row.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parley.server.core.stores import Changes, ReadMarkerStore
from parley.server.store.schema import StoreError, connect, writing

__all__ = ["Changes", "MemoryReadMarkers", "ReadMarkerStore", "SqliteReadMarkers"]


class MemoryReadMarkers:
    """Markers that last as long as the process (tests, --no-persist)."""

    def __init__(self) -> None:
        self._markers: dict[str, dict[str, int]] = {}

    def markers(self, account: str) -> dict[str, int]:
        return dict(self._markers.get(account, {}))

    def save_markers(self, changes: Changes) -> None:
        for (account, target), at in changes.items():
            held = self._markers.setdefault(account, {})
            if at is None:
                held.pop(target, None)
            else:
                held[target] = max(at, held.get(target, at))

    def forget_markers(self, account: str) -> None:
        self._markers.pop(account, None)


class SqliteReadMarkers:
    """Markers in parley.db (schema.py: the read_markers table)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="NORMAL")  # a lost second is re-read

    def markers(self, account: str) -> dict[str, int]:
        try:
            rows = self._db.execute(
                "SELECT target, at FROM read_markers WHERE account = ?", (account,)
            ).fetchall()
        except sqlite3.Error as exc:
            raise StoreError(f"the read markers of {account} could not be read: {exc}") from None
        return {str(target): int(at) for target, at in rows}

    def save_markers(self, changes: Changes) -> None:
        gone = [key for key, at in changes.items() if at is None]
        kept = [(*key, at) for key, at in changes.items() if at is not None]
        with writing(f"{len(changes)} read markers"):
            try:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "DELETE FROM read_markers WHERE account = ? AND target = ?", gone
                )
                self._db.executemany(
                    "INSERT INTO read_markers VALUES (?, ?, ?) ON CONFLICT (account, target)"
                    " DO UPDATE SET at = max(at, excluded.at)",
                    kept,
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def forget_markers(self, account: str) -> None:
        with writing(f"the deletion of the read markers of {account}"):
            self._db.execute("DELETE FROM read_markers WHERE account = ?", (account,))

    def close(self) -> None:
        self._db.close()
