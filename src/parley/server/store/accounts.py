"""Accounts: a name and an argon2id password hash, behind one small interface.

The SQLite store reads the file for every account it finds, so an account
created by `parley-server create-account` while the server runs can log in at
once. Most lookups find nothing (is this newcomer's nick someone's account?):
those are answered from the set of account names held in memory, which is
checked against the database's commits on every lookup (`PRAGMA data_version`,
asked of SQLite: its files are never opened behind its back, since closing a
descriptor of one drops the process's locks on it) and reloaded when the
accounts' change count has moved. Account writes are
synchronous (WAL, synchronous=FULL): once the command says it is created, a
crash does not lose it.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import logging
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from parley.irc.casemap import fold
from parley.server.core.stores import AccountStore
from parley.server.store.readers import Readers
from parley.server.store.schema import DB_NAME, StoreError, connect, writing

__all__ = ["DB_NAME", "Account", "AccountExists", "AccountStore", "StoreError"]

log = logging.getLogger("parley.store")


@dataclass(frozen=True, slots=True)
class Account:
    """A registered account."""

    name: str
    password_hash: str
    created: float
    scram: str | None = None  # SCRAM-SHA-256 credentials (scram.ScramCredentials.encode)
    history_opt_out: bool = False  # the user's messages are not stored
    multiclient: bool = True  # another device's login joins the nick (NickServ SET MULTICLIENT)


@dataclass(frozen=True, slots=True)
class Presence:
    """What a logged-in user leaves behind: the channels they were in, and when they left."""

    channels: tuple[str, ...]
    last_seen: float


@dataclass(frozen=True, slots=True)
class Deletion:
    """An account deleted, in order of deletion (`serial`), and when."""

    serial: int
    name: str
    at: float


@dataclass(frozen=True, slots=True)
class AlwaysOnAccount:
    """An account's always-on row: its choice (None: the server's default) and, while
    it is kept online, when a device last used it (None: it is not)."""

    name: str
    enabled: bool | None
    last_used: float | None


class AccountExists(Exception):
    """An account of that name (case-insensitively) is already registered."""


class MemoryAccountStore:
    """Accounts that last as long as the process (tests, --no-persist)."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}
        self._presence: dict[str, Presence] = {}
        self._deletions: list[Deletion] = []
        self._always_on: dict[str, tuple[bool | None, float | None]] = {}

    def presence(self, name: str) -> Presence | None:
        return self._presence.get(fold(name))

    def save_presence(self, states: dict[str, Presence]) -> None:
        self._presence.update({fold(k): v for k, v in states.items() if fold(k) in self._accounts})

    def get(self, name: str) -> Account | None:
        return self._accounts.get(fold(name))

    def create(
        self, name: str, password_hash: str, scram: str | None = None, created: float | None = None
    ) -> Account:
        """`created`: when a peer node created it (cluster/stores.py); else now."""
        if fold(name) in self._accounts:
            raise AccountExists(name)
        account = Account(name, password_hash, time.time() if created is None else created, scram)
        self._accounts[fold(name)] = account
        return account

    def delete(self, name: str) -> bool:
        account = self._accounts.pop(fold(name), None)
        if account is None:
            return False
        self._presence.pop(fold(name), None)
        self._always_on.pop(fold(name), None)
        self._deletions.append(Deletion(len(self._deletions) + 1, account.name, time.time()))
        return True

    def deletions(self, after: int) -> list[Deletion]:
        return self._deletions[after:]

    def set_password(self, name: str, password_hash: str, scram: str | None = None) -> bool:
        account = self.get(name)
        if account is None:
            return False
        self._accounts[fold(name)] = dataclasses.replace(
            account, password_hash=password_hash, scram=scram
        )  # (its settings stay)
        return True

    def names(self) -> list[str]:
        return sorted(a.name for a in self._accounts.values())

    def set_history_opt_out(self, name: str, opt_out: bool) -> bool:
        account = self.get(name)
        if account is None:
            return False
        self._accounts[fold(name)] = dataclasses.replace(account, history_opt_out=opt_out)
        return True

    def set_always_on(self, name: str, enabled: bool) -> bool:
        if self.get(name) is None:
            return False
        _, used = self._always_on.get(fold(name), (None, None))
        self._always_on[fold(name)] = (enabled, used)
        return True

    def always_on_accounts(self) -> list[AlwaysOnAccount]:
        return [
            AlwaysOnAccount(self._accounts[k].name, enabled, used)
            for k, (enabled, used) in self._always_on.items()
            if k in self._accounts
        ]

    def save_always_on_use(self, uses: dict[str, float | None]) -> None:
        for name, used in uses.items():
            if fold(name) in self._accounts:
                enabled, _ = self._always_on.get(fold(name), (None, None))
                self._always_on[fold(name)] = (enabled, used)

    def set_multiclient(self, name: str, on: bool) -> bool:
        account = self.get(name)
        if account is None:
            return False
        self._accounts[fold(name)] = dataclasses.replace(account, multiclient=on)
        return True


FRESH = 0.001  # seconds a check of other processes' commits holds: a shell command is slower


class AccountNames:
    """Every account's folded name, as of the database's last commit.

    Checking costs one `PRAGMA data_version` (about 4 us, made at most once every
    FRESH seconds: a registration's lookups come far more often under load) while
    nothing was committed; after a commit by another connection, one query of the change
    count (schema.py's triggers keep it), and a reload of the names only if
    they changed. This connection's own writes are not counted by data_version:
    the store calls `stale` after each.
    """

    def __init__(self, db: sqlite3.Connection) -> None:
        self._db = db
        self._version: int | None = None  # the data_version the names were checked at
        self._checked_at = 0.0  # when (time.monotonic) data_version was last read
        self._count = -1
        self._names: frozenset[str] = frozenset()

    def current(self) -> frozenset[str]:
        """The names now (as of at most FRESH seconds ago)."""
        now = time.monotonic()
        if self._version is not None and now - self._checked_at < FRESH:
            return self._names  # (under load, lookups come far closer together than this)
        self._checked_at = now
        (version,) = self._db.execute("PRAGMA data_version").fetchone()
        if version != self._version:
            # The version is read first: a commit after it moves it again, so the
            # names loaded below are never older than what the version stands for.
            self._version = version
            (count,) = self._db.execute("SELECT n FROM account_changes").fetchone()
            if count != self._count:
                rows = self._db.execute("SELECT folded FROM accounts")
                self._names = frozenset(row[0] for row in rows)
                self._count = count
        return self._names

    def stale(self) -> None:
        """This connection changed the accounts: check again at the next lookup."""
        self._version = None


class SqliteAccountStore:
    """Accounts in the data dir's SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        self._db = connect(self.path, synchronous="FULL")  # accounts: durable at once
        self._readers = Readers(self.path)  # presence, read on a worker thread after a login
        self._names = AccountNames(self._db)
        self._presence_failing = False  # the last save_presence failed (said once)

    def get(self, name: str) -> Account | None:
        folded = fold(name)
        if folded not in self._names.current():
            return None
        row = self._db.execute(
            "SELECT name, password_hash, created, scram, history_opt_out, multiclient"
            " FROM accounts WHERE folded = ?",
            (folded,),
        ).fetchone()
        if row is None:
            return None
        name_, password_hash, created, scram, opt_out, multiclient = row
        return Account(name_, password_hash, created, scram, bool(opt_out), bool(multiclient))

    def create(
        self, name: str, password_hash: str, scram: str | None = None, created: float | None = None
    ) -> Account:
        """`created`: when a peer node created it (cluster/stores.py); else now."""
        account = Account(name, password_hash, time.time() if created is None else created, scram)
        with writing(f"the account {name}"):
            try:
                self._db.execute(
                    "INSERT INTO accounts (folded, name, password_hash, created, scram)"
                    " VALUES (?, ?, ?, ?, ?)",
                    (fold(name), name, password_hash, account.created, scram),
                )
            except sqlite3.IntegrityError:
                raise AccountExists(name) from None
        self._names.stale()
        return account

    def delete(self, name: str) -> bool:
        # (schema.py's triggers delete or detach, in the same transaction, what it leaves)
        with writing(f"the deletion of the account {name}"):
            cursor = self._db.execute("DELETE FROM accounts WHERE folded = ?", (fold(name),))
        self._names.stale()
        return cursor.rowcount > 0

    def deletions(self, after: int) -> list[Deletion]:
        rows = self._db.execute(
            "SELECT id, name, at FROM account_deletions WHERE id > ? ORDER BY id", (after,)
        )
        return [Deletion(int(i), str(n), float(a)) for i, n, a in rows]

    def set_password(self, name: str, password_hash: str, scram: str | None = None) -> bool:
        with writing(f"the password of {name}"):
            cursor = self._db.execute(
                "UPDATE accounts SET password_hash = ?, scram = ? WHERE folded = ?",
                (password_hash, scram, fold(name)),
            )
        return cursor.rowcount > 0

    def names(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT name FROM accounts ORDER BY folded")]

    def set_history_opt_out(self, name: str, opt_out: bool) -> bool:
        with writing(f"the history setting of {name}"):
            cursor = self._db.execute(
                "UPDATE accounts SET history_opt_out = ? WHERE folded = ?",
                (int(opt_out), fold(name)),
            )
        return cursor.rowcount > 0

    def set_always_on(self, name: str, enabled: bool) -> bool:
        if self.get(name) is None:
            return False
        with writing(f"the always-on setting of {name}"):
            self._db.execute(
                "INSERT INTO account_always_on (folded, enabled) VALUES (?, ?)"
                " ON CONFLICT (folded) DO UPDATE SET enabled = excluded.enabled",
                (fold(name), int(enabled)),
            )
        return True

    def always_on_accounts(self) -> list[AlwaysOnAccount]:
        rows = self._db.execute(
            "SELECT a.name, o.enabled, o.last_used FROM account_always_on o"
            " JOIN accounts a ON a.folded = o.folded"
        )
        return [
            AlwaysOnAccount(str(n), None if e is None else bool(e), None if u is None else float(u))
            for n, e, u in rows
        ]

    def save_always_on_use(self, uses: dict[str, float | None]) -> None:
        """In one write; StoreError if it fails (the next minute's save tries again)."""
        rows = [(fold(name), used) for name, used in uses.items()]
        with writing(f"when {len(rows)} always-on accounts were used"):
            try:
                self._db.execute("BEGIN")
                self._db.executemany(
                    "INSERT INTO account_always_on (folded, last_used) VALUES (?, ?)"
                    " ON CONFLICT (folded) DO UPDATE SET last_used = excluded.last_used",
                    rows,
                )
                self._db.execute("COMMIT")
            except sqlite3.Error:
                if self._db.in_transaction:
                    with contextlib.suppress(sqlite3.Error):
                        self._db.execute("ROLLBACK")
                raise

    def set_multiclient(self, name: str, on: bool) -> bool:
        with writing(f"the multiclient setting of {name}"):
            cursor = self._db.execute(
                "UPDATE accounts SET multiclient = ? WHERE folded = ?", (int(on), fold(name))
            )
        return cursor.rowcount > 0

    def presence(self, name: str) -> Presence | None:
        row = (
            self._readers.get()
            .execute(
                "SELECT channels, last_seen FROM account_state WHERE folded = ?", (fold(name),)
            )
            .fetchone()
        )
        if row is None:
            return None
        return Presence(tuple(json.loads(row[0])), float(row[1]))

    def save_presence(self, states: dict[str, Presence]) -> None:
        """Best effort: a full disk or a lock held too long by another process costs
        this save (the sweep saves everyone again within a minute), never the
        connection, which a failed write must not leave inside its transaction."""
        rows = [(fold(k), json.dumps(v.channels), v.last_seen) for k, v in states.items()]
        try:
            self._db.execute("BEGIN")
            self._db.executemany("INSERT OR REPLACE INTO account_state VALUES (?, ?, ?)", rows)
            self._db.execute("COMMIT")
        except sqlite3.Error as exc:
            if self._db.in_transaction:
                with contextlib.suppress(sqlite3.Error):
                    self._db.execute("ROLLBACK")
            if not self._presence_failing:
                log.warning("accounts: where %d users are was not saved: %s", len(rows), exc)
            self._presence_failing = True
            return
        if self._presence_failing:
            log.warning("accounts: where users are is saved again")
            self._presence_failing = False

    def close(self) -> None:
        self._readers.close()
        self._db.close()
