"""A history store that cannot be read: CHATHISTORY answers FAIL MESSAGE_ERROR, the
failure is counted and logged, and the server goes on."""

from __future__ import annotations

import sqlite3

import pytest

from core.fake import Harness
from parley.server.store.history import HistoryItem, MemoryHistory, Reader


class UnreadableHistory(MemoryHistory):
    """What SQLite raises for a page that went bad after the start (a failing disk)."""

    def between(self, *args: object, **kwargs: object) -> list[HistoryItem]:
        raise sqlite3.DatabaseError("database disk image is malformed")

    def conversations(
        self, reader: Reader, after: float, before: float, limit: int
    ) -> list[tuple[str, float]]:
        raise sqlite3.DatabaseError("database disk image is malformed")


@pytest.mark.parametrize(
    ("line", "context"),
    [
        ("CHATHISTORY LATEST #h * 10", ("LATEST", "#h")),
        ("CHATHISTORY AROUND bob timestamp=2026-01-01T00:00:00.000Z 10", ("AROUND", "bob")),
        (
            "CHATHISTORY TARGETS timestamp=2026-01-01T00:00:00.000Z"
            " timestamp=2026-01-02T00:00:00.000Z 10",
            ("TARGETS", "*"),
        ),
    ],
)
def test_unreadable_history_is_a_message_error(line: str, context: tuple[str, ...]) -> None:
    harness = Harness()
    harness.server.history = UnreadableHistory()
    session, conn = harness.user("alice", "#h")
    harness.say(session, "CAP REQ :batch draft/chathistory")
    conn.take()
    harness.say(session, line)
    replies = conn.take()
    assert [m.command for m in replies] == ["FAIL"]
    params = replies[0].params
    assert params == ("CHATHISTORY", "MESSAGE_ERROR", *context, "Messages could not be retrieved")
    assert harness.server.stats.handler_errors == 1
    harness.say(session, "PING still-here")
    assert conn.take()[0].command == "PONG"
