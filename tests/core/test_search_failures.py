"""A search the store cannot run: too slow, or unreadable. SEARCH answers FAIL SEARCH
INTERNAL_ERROR and HistServ says so; an unreadable store is counted; the server goes on."""

from __future__ import annotations

import sqlite3

import pytest

from core.fake import Harness
from parley.server.store.history import HistoryItem, MemoryHistory
from parley.server.store.search import Scope, SearchQuery
from parley.server.store.sqlite_search import SearchTimeout


class FailingSearch(MemoryHistory):
    """A history whose search raises `error`."""

    def __init__(self, error: Exception) -> None:
        super().__init__()
        self.error = error

    def search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        raise self.error


@pytest.mark.parametrize(
    ("error", "text", "counted"),
    [
        (SearchTimeout(), "The search took too long: name a channel or use rarer words", 0),
        (sqlite3.DatabaseError("database disk image is malformed"),
         "The search could not be run", 1),
    ],
)  # fmt: skip
def test_a_search_that_fails_is_said_so(error: Exception, text: str, counted: int) -> None:
    harness = Harness()
    harness.server.history = FailingSearch(error)
    session, conn = harness.user("alice", "#h")
    harness.say(session, "CAP REQ :batch soju.im/search")
    conn.take()
    harness.say(session, "SEARCH text=hello")
    replies = conn.take()
    assert [m.params for m in replies] == [("SEARCH", "INTERNAL_ERROR", text)]
    harness.say(session, "PRIVMSG HistServ :SEARCH hello")
    assert [m.params[1] for m in conn.take()] == [f"{text}."]
    assert harness.server.stats.handler_errors == 2 * counted
    harness.say(session, "PING still-here")
    assert conn.take()[0].command == "PONG"
