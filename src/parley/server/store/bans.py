"""Server bans (K-lines and D-lines) kept in the data dir: the core's BanStore (core/stores.py)."""

from __future__ import annotations

from pathlib import Path

from parley.irc.casemap import fold
from parley.server.core.stores import Ban
from parley.server.store.schema import connect, writing

__all__ = ["Ban", "MemoryBanStore", "SqliteBanStore"]


class MemoryBanStore:
    def __init__(self) -> None:
        self._bans: dict[str, Ban] = {}

    def all(self) -> list[Ban]:
        return list(self._bans.values())

    def add(self, ban: Ban) -> None:
        self._bans[fold(ban.mask)] = ban

    def remove(self, mask: str) -> bool:
        return self._bans.pop(fold(mask), None) is not None


class SqliteBanStore:
    """Bans in parley.db, written at once (an operator's decision must not be lost)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="FULL")

    def all(self) -> list[Ban]:
        rows = self._db.execute("SELECT mask, reason, set_by, set_at, expires FROM bans")
        return [Ban(str(m), str(r), str(b), float(a), None if e is None else float(e))
                for m, r, b, a, e in rows]  # fmt: skip

    def add(self, ban: Ban) -> None:
        with writing(f"the ban on {ban.mask}"):
            self._db.execute(
                "INSERT OR REPLACE INTO bans VALUES (?, ?, ?, ?, ?)",
                (fold(ban.mask), ban.reason, ban.set_by, ban.set_at, ban.expires),
            )

    def remove(self, mask: str) -> bool:
        with writing(f"the removal of the ban on {mask}"):
            cursor = self._db.execute("DELETE FROM bans WHERE mask = ?", (fold(mask),))
        return cursor.rowcount > 0

    def close(self) -> None:
        self._db.close()
