"""Always-on rows in SQLite and in memory: the choice, when last used, gone with the account."""

from __future__ import annotations

from pathlib import Path

import pytest

from parley.server.store.accounts import (
    DB_NAME,
    AlwaysOnAccount,
    MemoryAccountStore,
    SqliteAccountStore,
)


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_choice_and_use_are_kept_apart_and_go_with_the_account(tmp_path: Path, kind: str) -> None:
    store = SqliteAccountStore(tmp_path / DB_NAME) if kind == "sqlite" else MemoryAccountStore()
    store.create("Alice", "hash")
    store.create("bob", "hash")
    assert store.always_on_accounts() == []
    assert store.set_always_on("alice", True)
    assert not store.set_always_on("nobody", True)
    store.save_always_on_use({"ALICE": 100.0, "bob": 50.0, "nobody": 1.0})
    store.set_always_on("Alice", True)  # the use is not touched by the choice
    assert sorted(store.always_on_accounts(), key=lambda a: a.name) == [
        AlwaysOnAccount("Alice", True, 100.0),
        AlwaysOnAccount("bob", None, 50.0),
    ]
    store.save_always_on_use({"alice": None})
    store.delete("bob")
    store.save_always_on_use({"bob": 60.0})  # saved after the deletion: dropped
    assert store.always_on_accounts() == [AlwaysOnAccount("Alice", True, None)]
    store.create("bob", "hash")  # the name's next owner starts with nothing
    assert [a.name for a in store.always_on_accounts()] == ["Alice"]


def test_rows_survive_reopening(tmp_path: Path) -> None:
    store = SqliteAccountStore(tmp_path / DB_NAME)
    store.create("alice", "hash")
    store.set_always_on("alice", False)
    store.save_always_on_use({"alice": 7.5})
    store.close()
    store = SqliteAccountStore(tmp_path / DB_NAME)
    assert store.always_on_accounts() == [AlwaysOnAccount("alice", False, 7.5)]
    store.close()
