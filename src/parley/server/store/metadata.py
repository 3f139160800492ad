"""Accounts' metadata (IRCv3 draft/metadata-3): the keys a logged-in user set, kept
with the account and given back at its next login.

Guests' metadata lives with their connection and is never stored; channels'
lives with the channel. A write is on disk before the reply says it is set
(WAL, synchronous=NORMAL: it survives the process being killed).
"""

from __future__ import annotations

from pathlib import Path

from parley.irc.casemap import fold
from parley.server.core.stores import MetadataStore
from parley.server.store.schema import connect, writing

__all__ = ["MemoryMetadataStore", "MetadataStore", "SqliteMetadataStore"]


class MemoryMetadataStore:
    """Metadata that lasts as long as the process (tests, --no-persist)."""

    def __init__(self) -> None:
        self._by_account: dict[str, dict[str, str]] = {}

    def load(self, account: str) -> dict[str, str]:
        return dict(self._by_account.get(fold(account), {}))

    def save(self, account: str, changes: dict[str, str | None]) -> None:
        kept = self._by_account.setdefault(fold(account), {})
        for key, value in changes.items():
            if value is None:
                kept.pop(key, None)
            else:
                kept[key] = value
        if not kept:
            del self._by_account[fold(account)]


class SqliteMetadataStore:
    """Metadata in parley.db's account_metadata table (deleted with its account)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="NORMAL")

    def load(self, account: str) -> dict[str, str]:
        rows = self._db.execute(
            "SELECT key, value FROM account_metadata WHERE folded = ?", (fold(account),)
        )
        return {str(k): str(v) for k, v in rows}

    def save(self, account: str, changes: dict[str, str | None]) -> None:
        folded = fold(account)
        with writing(f"the metadata of {account}"):
            try:
                self._db.execute("BEGIN")
                for key, value in changes.items():
                    if value is None:
                        self._db.execute(
                            "DELETE FROM account_metadata WHERE folded = ? AND key = ?",
                            (folded, key),
                        )
                    else:
                        self._db.execute(
                            "INSERT OR REPLACE INTO account_metadata VALUES (?, ?, ?)",
                            (folded, key, value),
                        )
                self._db.execute("COMMIT")
            finally:
                if self._db.in_transaction:  # a failed write leaves nothing half done
                    self._db.execute("ROLLBACK")

    def close(self) -> None:
        self._db.close()
