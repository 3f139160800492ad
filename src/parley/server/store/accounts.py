"""Accounts: a name and an argon2id password hash, behind one small interface.

The SQLite store reads the file on every lookup, so an account created by
`parley-server create-account` while the server runs can log in at once.
Account writes are synchronous (WAL, synchronous=FULL): once the command says
it is created, a crash does not lose it.
"""

from __future__ import annotations

import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from parley.irc.casemap import fold

SCHEMA_VERSION = 1
DB_NAME = "parley.db"


@dataclass(frozen=True, slots=True)
class Account:
    """A registered account."""

    name: str
    password_hash: str
    created: float


class AccountExists(Exception):
    """An account of that name (case-insensitively) is already registered."""


class StoreError(Exception):
    """The database cannot be used (newer schema, corrupt file...)."""


class AccountStore(Protocol):
    """What the server needs of account storage."""

    def get(self, name: str) -> Account | None: ...

    def create(self, name: str, password_hash: str) -> Account: ...

    def delete(self, name: str) -> bool: ...

    def set_password(self, name: str, password_hash: str) -> bool: ...

    def names(self) -> list[str]: ...


class MemoryAccountStore:
    """Accounts that last as long as the process (tests, --no-persist)."""

    def __init__(self) -> None:
        self._accounts: dict[str, Account] = {}

    def get(self, name: str) -> Account | None:
        return self._accounts.get(fold(name))

    def create(self, name: str, password_hash: str) -> Account:
        if fold(name) in self._accounts:
            raise AccountExists(name)
        account = self._accounts[fold(name)] = Account(name, password_hash, time.time())
        return account

    def delete(self, name: str) -> bool:
        return self._accounts.pop(fold(name), None) is not None

    def set_password(self, name: str, password_hash: str) -> bool:
        account = self.get(name)
        if account is None:
            return False
        self._accounts[fold(name)] = Account(account.name, password_hash, account.created)
        return True

    def names(self) -> list[str]:
        return sorted(a.name for a in self._accounts.values())


class SqliteAccountStore:
    """Accounts in the data dir's SQLite database."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)
        try:
            self._db = sqlite3.connect(self.path, isolation_level=None, check_same_thread=False)
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.execute("PRAGMA synchronous=FULL")
            self._db.execute("PRAGMA busy_timeout=5000")
            self._migrate()
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: {exc}") from None

    def _migrate(self) -> None:
        (version,) = self._db.execute("PRAGMA user_version").fetchone()
        if version > SCHEMA_VERSION:
            raise StoreError(
                f"made by a newer Parley (schema {version}, this one knows {SCHEMA_VERSION})"
            )
        if version < 1:
            self._db.execute(
                "CREATE TABLE IF NOT EXISTS accounts ("
                " folded TEXT PRIMARY KEY, name TEXT NOT NULL,"
                " password_hash TEXT NOT NULL, created REAL NOT NULL)"
            )
            self._db.execute(f"PRAGMA user_version={SCHEMA_VERSION}")

    def get(self, name: str) -> Account | None:
        row = self._db.execute(
            "SELECT name, password_hash, created FROM accounts WHERE folded = ?", (fold(name),)
        ).fetchone()
        return Account(*row) if row else None

    def create(self, name: str, password_hash: str) -> Account:
        account = Account(name, password_hash, time.time())
        try:
            self._db.execute(
                "INSERT INTO accounts (folded, name, password_hash, created) VALUES (?, ?, ?, ?)",
                (fold(name), name, password_hash, account.created),
            )
        except sqlite3.IntegrityError:
            raise AccountExists(name) from None
        return account

    def delete(self, name: str) -> bool:
        cursor = self._db.execute("DELETE FROM accounts WHERE folded = ?", (fold(name),))
        return cursor.rowcount > 0

    def set_password(self, name: str, password_hash: str) -> bool:
        cursor = self._db.execute(
            "UPDATE accounts SET password_hash = ? WHERE folded = ?", (password_hash, fold(name))
        )
        return cursor.rowcount > 0

    def names(self) -> list[str]:
        return [row[0] for row in self._db.execute("SELECT name FROM accounts ORDER BY folded")]

    def close(self) -> None:
        self._db.close()
