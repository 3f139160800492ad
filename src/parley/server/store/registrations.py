"""Registered channels (ChanServ): founder, topic, modes and access list, kept while empty.

A registration is small and bounded (its lists by `limits.list_modes_per_channel`,
its access list by `limits.channel_access_entries`), so each change writes the
whole of it in one transaction. A founder's account going deletes its channels'
registrations, and an account's access entries go with it (triggers in schema.py).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from parley.irc.casemap import fold
from parley.server.store.schema import connect, writing

# Access levels of the access list, by the prefix letter they give on joining.
OP, VOICE = "op", "voice"
LEVEL_LETTERS = {OP: "o", VOICE: "v"}

# A list mode's entry as kept: mask, who set it, when.
Entry = tuple[str, str, float]


@dataclass(slots=True)
class Registration:
    """A registered channel as saved: who founded it, and the state it comes back with."""

    name: str
    founder: str  # the founder's account name
    registered: float
    topic: str = ""
    topic_by: str = ""
    topic_at: float = 0.0
    flags: str = "nt"
    key: str | None = None
    limit: int | None = None
    lists: dict[str, list[Entry]] = field(default_factory=dict)  # b, e, I
    access: dict[str, tuple[str, str]] = field(default_factory=dict)  # folded -> (name, level)

    @property
    def folded(self) -> str:
        return fold(self.name)

    def level(self, account: str | None) -> str | None:
        """`op` for the founder and op access, `voice` for voice access, else None."""
        if account is None:
            return None
        folded = fold(account)
        if folded == fold(self.founder):
            return OP
        entry = self.access.get(folded)
        return entry[1] if entry is not None else None


class MemoryRegistrations:
    """Registrations in memory (tests, --no-persist)."""

    def __init__(self) -> None:
        self._rows: dict[str, Registration] = {}

    def all(self) -> list[Registration]:
        return [_copy(r) for r in self._rows.values()]

    def save(self, registration: Registration, old: str | None = None) -> None:
        if old is not None:
            self._rows.pop(old, None)
        self._rows[registration.folded] = _copy(registration)

    def drop(self, folded: str) -> None:
        self._rows.pop(folded, None)


class SqliteRegistrations:
    """Registrations in parley.db, each change written at once (FULL sync)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="FULL")

    def all(self) -> list[Registration]:
        access: dict[str, dict[str, tuple[str, str]]] = {}
        for channel, account, name, level in self._db.execute(
            "SELECT channel, account, name, level FROM channel_access"
        ):
            access.setdefault(str(channel), {})[str(account)] = (str(name), str(level))
        found = []
        for row in self._db.execute(
            "SELECT folded, name, founder_name, registered, topic, topic_by, topic_at,"
            " modes, key, lim, lists FROM registered_channels"
        ):
            lists = {
                str(letter): [(str(m), str(by), float(at)) for m, by, at in entries]
                for letter, entries in json.loads(row[10]).items()
            }
            found.append(
                Registration(
                    str(row[1]),
                    str(row[2]),
                    float(row[3]),
                    str(row[4]),
                    str(row[5]),
                    float(row[6]),
                    str(row[7]),
                    row[8],
                    row[9],
                    lists,
                    access.get(str(row[0]), {}),
                )
            )
        return found

    def save(self, registration: Registration, old: str | None = None) -> None:
        """Write the registration whole (under a new name if `old` is its former one)."""
        r = registration
        with writing(f"the registration of {r.name}"):
            self._db.execute("BEGIN IMMEDIATE")
            try:
                if old is not None and old != r.folded:
                    self._db.execute("DELETE FROM registered_channels WHERE folded = ?", (old,))
                self._db.execute(
                    "INSERT INTO registered_channels (folded, name, founder, founder_name,"
                    " registered, topic, topic_by, topic_at, modes, key, lim, lists)"
                    " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
                    " ON CONFLICT (folded) DO UPDATE SET name = excluded.name,"
                    " founder = excluded.founder, founder_name = excluded.founder_name,"
                    " registered = excluded.registered, topic = excluded.topic,"
                    " topic_by = excluded.topic_by, topic_at = excluded.topic_at,"
                    " modes = excluded.modes, key = excluded.key, lim = excluded.lim,"
                    " lists = excluded.lists",
                    (
                        r.folded, r.name, fold(r.founder), r.founder, r.registered, r.topic,
                        r.topic_by, r.topic_at, r.flags, r.key, r.limit, json.dumps(r.lists),
                    ),
                )  # fmt: skip
                self._db.execute("DELETE FROM channel_access WHERE channel = ?", (r.folded,))
                self._db.executemany(
                    "INSERT INTO channel_access (channel, account, name, level)"
                    " VALUES (?, ?, ?, ?)",
                    [(r.folded, key, name, level) for key, (name, level) in r.access.items()],
                )
                self._db.execute("COMMIT")
            except BaseException:
                if self._db.in_transaction:
                    self._db.execute("ROLLBACK")
                raise

    def drop(self, folded: str) -> None:
        with writing(f"the end of the registration of {folded}"):
            self._db.execute("DELETE FROM registered_channels WHERE folded = ?", (folded,))

    def close(self) -> None:
        self._db.close()


def _copy(r: Registration) -> Registration:
    return Registration(
        r.name, r.founder, r.registered, r.topic, r.topic_by, r.topic_at, r.flags, r.key,
        r.limit, {k: list(v) for k, v in r.lists.items()}, dict(r.access),
    )  # fmt: skip
