"""Account lookups answered from memory stay true to the database, whoever writes it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parley.server.store.accounts import FRESH, Presence, SqliteAccountStore
from support.waiting import wait_until


def test_account_written_by_another_connection_is_found_at_once(tmp_path: Path) -> None:
    """At once: within FRESH (a millisecond), far less than any shell command takes."""
    server = SqliteAccountStore(tmp_path / "parley.db")
    assert server.get("ivy") is None  # the names are in memory from here on
    command_line = SqliteAccountStore(tmp_path / "parley.db")
    command_line.create("Ivy", "$argon2id$hash")
    wait_until(lambda: server.get("IVY") is not None, timeout=FRESH * 100, what="Ivy found")
    found = server.get("IVY")
    assert found is not None and found.name == "Ivy"
    command_line.delete("ivy")
    wait_until(lambda: server.get("ivy") is None, timeout=FRESH * 100, what="Ivy gone")


def test_account_added_by_hand_in_sqlite_is_found_at_once(tmp_path: Path) -> None:
    server = SqliteAccountStore(tmp_path / "parley.db")
    assert server.get("jo") is None
    by_hand = sqlite3.connect(tmp_path / "parley.db")
    by_hand.execute("INSERT INTO accounts (folded, name, password_hash, created) VALUES"
                    " ('jo', 'Jo', '$argon2id$hash', 1.0)")  # fmt: skip
    by_hand.commit()
    wait_until(lambda: server.get("Jo") is not None, timeout=FRESH * 100, what="Jo found")
    found = server.get("Jo")
    assert found is not None and found.name == "Jo"


def test_commits_of_other_tables_do_not_hide_accounts(tmp_path: Path) -> None:
    server = SqliteAccountStore(tmp_path / "parley.db")
    other = sqlite3.connect(tmp_path / "parley.db", isolation_level=None)
    other.execute("INSERT INTO bans VALUES ('x!*@*', 'spam', 'op', 1.0, NULL)")
    assert server.get("kim") is None
    server.create("Kim", "$argon2id$hash")
    other.execute("DELETE FROM bans")
    found = server.get("kim")
    assert found is not None and found.name == "Kim"


def test_the_stores_own_writes_are_seen_at_once(tmp_path: Path) -> None:
    server = SqliteAccountStore(tmp_path / "parley.db")
    assert server.get("lee") is None
    server.create("Lee", "$argon2id$hash")
    assert server.get("LEE") is not None
    server.delete("lee")
    assert server.get("lee") is None


def test_a_lock_held_by_another_process_costs_one_presence_save_not_the_store(
    tmp_path: Path,
) -> None:
    server = SqliteAccountStore(tmp_path / "parley.db")
    server._db.execute("PRAGMA busy_timeout = 50")  # not the 5 s it waits in service
    server.create("Ann", "$argon2id$hash")  # presence is kept for accounts only
    other = sqlite3.connect(tmp_path / "parley.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # as a long write of the sqlite3 shell or a script
    server.save_presence({"ann": Presence(("#a",), 1.0)})  # refused: said in the log, not raised
    other.execute("COMMIT")
    server.save_presence({"ann": Presence(("#b",), 2.0)})
    assert server.presence("ann") == Presence(("#b",), 2.0)
    other.execute("INSERT INTO accounts (folded, name, password_hash, created) VALUES"
                  " ('bo', 'Bo', '$argon2id$hash', 1.0)")  # fmt: skip
    assert server.get("bo") is not None  # no stale snapshot left behind
