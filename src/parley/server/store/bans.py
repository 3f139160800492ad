"""Server bans (K-lines): masks refused at registration, kept in the data dir until they expire."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from parley.irc.casemap import fold
from parley.server.store.schema import connect, writing


@dataclass(frozen=True, slots=True)
class Ban:
    mask: str  # nick!user@host glob
    reason: str
    set_by: str
    set_at: float
    expires: float | None  # None: until removed

    def active(self, now: float) -> bool:
        return self.expires is None or now < self.expires


class BanStore(Protocol):
    def all(self) -> list[Ban]: ...

    def add(self, ban: Ban) -> None: ...

    def remove(self, mask: str) -> bool: ...


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
