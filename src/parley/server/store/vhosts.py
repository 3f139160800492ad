"""Accounts' vhosts: the host an operator set for an account, shown whenever it logs in."""

from __future__ import annotations

from pathlib import Path

from parley.irc.casemap import fold
from parley.server.core.stores import VhostStore
from parley.server.store.schema import connect, writing

__all__ = ["MemoryVhostStore", "SqliteVhostStore", "VhostStore"]


class MemoryVhostStore:
    def __init__(self) -> None:
        self._hosts: dict[str, str] = {}

    def get(self, account: str) -> str | None:
        return self._hosts.get(fold(account))

    def set(self, account: str, host: str | None) -> None:
        if host is None:
            self._hosts.pop(fold(account), None)
        else:
            self._hosts[fold(account)] = host


class SqliteVhostStore:
    """Vhosts in parley.db, written at once (an operator's decision); an account's
    goes with it when it is deleted (a trigger in the schema)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="FULL")

    def get(self, account: str) -> str | None:
        row = self._db.execute(
            "SELECT host FROM account_vhosts WHERE folded = ?", (fold(account),)
        ).fetchone()
        return None if row is None else str(row[0])

    def set(self, account: str, host: str | None) -> None:
        with writing(f"the host of account {account}"):
            if host is None:
                self._db.execute("DELETE FROM account_vhosts WHERE folded = ?", (fold(account),))
            else:
                self._db.execute(
                    "INSERT OR REPLACE INTO account_vhosts (folded, host)"
                    " SELECT folded, ? FROM accounts WHERE folded = ?",
                    (host, fold(account)),
                )

    def close(self) -> None:
        self._db.close()
