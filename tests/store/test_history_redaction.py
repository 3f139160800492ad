"""Redactions in the SQLite history: hidden at once, deleted in order with the writes
around them, and gone for good after a restart."""

from __future__ import annotations

from pathlib import Path

from parley.server.store.history import HistoryItem, MemoryHistory, Reader
from parley.server.store.sqlite_history import SqliteHistory

FOREVER = 1e12
READER = Reader("alice", "alice", "u1")


def line(msgid: str, when: float, channel: str = "#tea") -> HistoryItem:
    return HistoryItem(
        msgid, when, channel, channel, "alice!u@h", "alice", "PRIVMSG", msgid,
        incarnation="i1", public=True,
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
