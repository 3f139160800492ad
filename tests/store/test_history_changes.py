"""Changes to the SQLite history (redactions, renamed channels): seen at once, made in
order with the writes around them, and for good after a restart."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parley.server.store.history import HistoryItem, MemoryHistory, Reader, Window
from parley.server.store.sqlite_history import SqliteHistory

FOREVER = 1e12
READER = Reader("alice", "alice", "u1")


def line(msgid: str, when: float, channel: str = "#tea", public: bool = True) -> HistoryItem:
    return HistoryItem(
        msgid, when, channel, channel, "alice!u@h", "alice", "PRIVMSG", msgid,
        incarnation="i1", public=public,
    )  # fmt: skip


def texts(store: SqliteHistory | MemoryHistory, channel: str = "#tea") -> list[str]:
    return [i.text for i in store.between(channel, 0.0, FOREVER, 100, False, READER)]


def test_a_redaction_hides_at_once_and_deletes_for_good(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    history = SqliteHistory(path)
    try:
        history.append(line("m1", 1.0))
        history.flush()
        history.append(line("m2", 2.0))  # still on its way to the disk
        assert history.redact("#tea", "m1") and history.redact("#tea", "m2")
        history.append(line("m3", 3.0))
        assert texts(history) == ["m3"]  # before the writer has run
        assert history.find("#tea", "m2", READER) is None
        history.flush()
        assert texts(history) == ["m3"]
    finally:
        history.close()
    reopened = SqliteHistory(path)
    try:
        assert texts(reopened) == ["m3"]
    finally:
        reopened.close()


def test_a_redaction_deletes_only_that_message_of_that_conversation(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "parley.db")
    memory = MemoryHistory()
    try:
        for store in (history, memory):
            store.append(line("m1", 1.0))
            store.append(line("m1", 1.0, "#other"))  # (an event's msgid is in every channel)
            store.append(line("m2", 2.0))
            store.redact("#other", "m1")
            store.redact("#tea", "nonexistent")
        history.flush()
        for store in (history, memory):
            assert texts(store) == ["m1", "m2"] and texts(store, "#other") == []
    finally:
        history.close()


def test_a_renamed_channel_takes_its_lines_and_stays_along(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    history = SqliteHistory(path)
    member = Reader("bob", "bob", "u2")  # an account that was in the channel, and left
    try:
        history.append(line("m1", 1.0, "#old"))
        history.append(line("m2", 2.0, "#old", public=False))
        db = sqlite3.connect(path)  # (stays are kept for accounts that exist)
        db.execute(  # (columns named: later migrations add more)
            "INSERT INTO accounts (folded, name, password_hash, created)"
            " VALUES ('bob', 'bob', 'x', 0)"
        )
        db.commit()
        db.close()
        history.save_windows([Window("#old", "i1", "bob", 0.5, 2.5)])
        history.flush()
        history.append(line("m3", 3.0, "#old"))  # on its way to the disk
        assert history.rename("#old", "#mid", "#Mid") and history.rename("#mid", "#new", "#New")
        history.append(line("m4", 4.0, "#new"))
        shown = history.between("#new", 0.0, FOREVER, 100, False, member)  # before the writer
        assert [(i.text, i.target) for i in shown] == [
            ("m1", "#New"), ("m2", "#New"), ("m3", "#New"), ("m4", "#new"),
        ]  # fmt: skip
        assert history.find("#new", "m2", member) is not None
        history.flush()
        assert [i.text for i in history.between("#new", 0.0, FOREVER, 100, False, member)] == [
            "m1", "m2", "m3", "m4",
        ]  # fmt: skip
    finally:
        history.close()
    reopened = SqliteHistory(path)
    try:
        assert texts(reopened, "#old") == [] and texts(reopened, "#mid") == []
        shown = reopened.between("#new", 0.0, FOREVER, 100, False, member)
        assert [i.text for i in shown] == ["m1", "m2", "m3", "m4"]
        assert texts(reopened, "#new") == ["m1", "m3", "m4"]  # not a member: public ones
    finally:
        reopened.close()
