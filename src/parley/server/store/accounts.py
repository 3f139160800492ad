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
from parley.server.store.schema import DB_NAME, StoreError, connect

__all__ = ["DB_NAME", "Account", "AccountExists", "AccountStore", "StoreError"]


@dataclass(frozen=True, slots=True)
class Account:
    """A registered account."""

    name: str
    password_hash: str
    created: float


class AccountExists(Exception):
    """An account of that name (case-insensitively) is already registered."""


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
        self._db = connect(self.path, synchronous="FULL")  # accounts: durable at once

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
