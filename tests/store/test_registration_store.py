"""Registered channels on disk: whole and exact, renamed in one write, gone with accounts."""

from __future__ import annotations

from pathlib import Path

from parley.server.store.accounts import SqliteAccountStore
from parley.server.store.registrations import (
    OP,
    VOICE,
    MemoryRegistrations,
    Registration,
    SqliteRegistrations,
)


def registration(name: str = "#Tea[1]", founder: str = "Alice") -> Registration:
    return Registration(
        name, founder, 1_700_000_000.5, "Leaves \u2615 and ; quotes '\"", "alice!a@h", 1.25,
        "mnt", "sec ret", 12,
        {"b": [("eve!*@*", "alice", 2.0), ("a:mallory", "alice", 3.0)], "I": [("*!*@h", "x", 4.0)]},
        {"bob": ("Bob", OP), "carol": ("carol", VOICE)},
    )  # fmt: skip


def test_a_registration_comes_back_exactly_and_renames_in_place(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    for name in ("Alice", "Bob", "carol"):
        accounts.create(name, "$argon2id$x")
    store = SqliteRegistrations(path)
    saved = registration()
    store.save(saved)
    (back,) = SqliteRegistrations(path).all()
    assert back == saved and back.folded == "#tea{1}"
    assert back.level("ALICE") == OP and back.level("bob") == OP and back.level("Carol") == VOICE
    assert back.level("dave") is None and back.level(None) is None
    saved.name = "#Coffee"
    saved.access.pop("carol")
    store.save(saved, old="#tea{1}")
    assert [(r.name, sorted(r.access)) for r in store.all()] == [("#Coffee", ["bob"])]
    store.drop("#coffee")
    assert store.all() == []


def test_deleting_accounts_drops_what_they_founded_and_their_access(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    for name in ("Alice", "Bob", "carol"):
        accounts.create(name, "$argon2id$x")
    store = SqliteRegistrations(path)
    store.save(registration("#tea", "Alice"))
    store.save(registration("#pie", "Bob"))
    accounts.delete("Alice")
    accounts.delete("carol")
    assert [(r.name, sorted(r.access)) for r in store.all()] == [("#pie", ["bob"])]
    store.save(registration("#late", "Alice"))  # saved after the deletion: dropped as it lands
    assert [r.name for r in store.all()] == ["#pie"]


def test_the_memory_store_keeps_copies(tmp_path: Path) -> None:
    store = MemoryRegistrations()
    saved = registration()
    store.save(saved)
    saved.access.clear()
    (back,) = store.all()
    assert sorted(back.access) == ["bob", "carol"]
