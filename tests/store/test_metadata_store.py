"""Accounts' metadata in SQLite: kept across opening the file again, gone with the account."""

from __future__ import annotations

from pathlib import Path

from parley.server.store.accounts import DB_NAME, SqliteAccountStore
from parley.server.store.metadata import SqliteMetadataStore


def test_keys_survive_reopening_and_go_with_their_account(tmp_path: Path) -> None:
    path = tmp_path / DB_NAME
    accounts = SqliteAccountStore(path)
    accounts.create("Alice", "hash")
    store = SqliteMetadataStore(path)
    store.save("alice", {"display-name": "Alice", "pronouns": "she/her", "status": ""})
    store.save("ALICE", {"pronouns": None})
    store.close()
    store = SqliteMetadataStore(path)
    assert store.load("Alice") == {"display-name": "Alice", "status": ""}
    assert store.load("bob") == {}
    accounts.delete("alice")
    assert store.load("alice") == {}
    store.save("alice", {"display-name": "too late"})  # saved after the deletion: dropped
    assert store.load("alice") == {}
    accounts.create("alice", "hash")  # the name's next owner starts with nothing
    assert store.load("alice") == {}
    store.close()
    accounts.close()
