"""Account settings kept with the account, alike in SQLite and in memory."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.core.stores import AccountStore
from parley.server.store.accounts import DB_NAME, MemoryAccountStore, SqliteAccountStore


@pytest.fixture(params=["sqlite", "memory"])
def store(request: pytest.FixtureRequest, tmp_path: Path) -> AccountStore:
    if request.param == "memory":
        return MemoryAccountStore()
    return SqliteAccountStore(tmp_path / DB_NAME)


def multiclient(store: AccountStore, name: str) -> bool:
    account = store.get(name)
    assert account is not None
    return account.multiclient


def test_multiclient_is_on_until_turned_off(store: AccountStore) -> None:
    store.create("Alice", "hash")
    assert multiclient(store, "alice")
    assert store.set_multiclient("ALICE", False)
    assert not multiclient(store, "alice")
    assert store.set_multiclient("alice", True)
    assert multiclient(store, "alice")
    assert not store.set_multiclient("nobody", False)


def test_a_new_password_keeps_the_settings(store: AccountStore) -> None:
    store.create("alice", "hash")
    store.set_multiclient("alice", False)
    store.set_history_opt_out("alice", True)
    store.set_password("alice", "new-hash", "scram")
    account = store.get("alice")
    assert account is not None and account.password_hash == "new-hash"
    assert not account.multiclient and account.history_opt_out


def test_the_setting_survives_reopening(tmp_path: Path) -> None:
    first = SqliteAccountStore(tmp_path / DB_NAME)
    first.create("alice", "hash")
    first.set_multiclient("alice", False)
    first.close()
    again = SqliteAccountStore(tmp_path / DB_NAME)
    account = again.get("alice")
    assert account is not None and not account.multiclient
