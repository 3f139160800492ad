"""A heavy CHATHISTORY is read off the event loop: while it runs, everyone else is
served, and the asker's own next lines wait for its answer, in order.

The store is the real SQLite one with many thousand lines in it; its read is held
until the test lets it go, so what is shown is the order of events, not a time.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.server.core.worker import MAX_HELD_LINES
from parley.server.store.history import HistoryItem
from parley.server.store.schema import DB_NAME
from parley.server.store.sqlite_history import SqliteHistory
from support import servers
from support.client import IrcClient
from support.servers import ThreadServer

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")
STORED = 20_000
HOLD_TIMEOUT = 30.0  # seconds a held read waits at most (the test lets it go long before)


def seed(data_dir: Path) -> None:
    """#big's many lines, stored before the server starts."""
    data_dir.mkdir(mode=0o700)
    history = SqliteHistory(data_dir / DB_NAME)
    try:
        for n in range(STORED):
            history.append(
                HistoryItem(
                    msgid=f"seed{n}",
                    time=1_700_000_000.0 + n / 1000,
                    conversation="#big",
                    target="#big",
                    source="old!old@example.org",
                    account=None,
                    command="PRIVMSG",
                    text=f"line {n}",
                    incarnation="before",
                    public=True,
                )
            )
            if n % 5000 == 4999:  # (within the writer's queue)
                history.flush(timeout=60.0)
    finally:
        history.close()


class HeldReads:
    """The store's reads wait, on the worker thread, until `release` is set."""

    def __init__(self, history: Any, loop_thread: threading.Thread) -> None:
        self.between = history.between  # the real read
        self.loop_thread = loop_thread
        self.entered = threading.Event()
        self.release = threading.Event()
        self.off_the_loop = False

    def held(self, *args: Any) -> list[HistoryItem]:
        self.off_the_loop = threading.current_thread() is not self.loop_thread
        self.entered.set()
        assert self.release.wait(HOLD_TIMEOUT), "the test never let the read go"
        result: list[HistoryItem] = self.between(*args)
        return result


@pytest.fixture
def server(tmp_path: Path) -> Iterator[ThreadServer]:
    seed(tmp_path / "data")
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    running = ThreadServer(config).start()
    yield running
    running.stop()


def test_a_held_chathistory_stalls_only_its_asker(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    asker = connect("asker", caps=HISTORY_CAPS)
    asker.send("JOIN #big")
    asker.expect("366")
    history = server.call(lambda: server.process.core.history)  # type: ignore[union-attr]
    hold = HeldReads(history, server.call(threading.current_thread))
    history.between = hold.held  # (on this store only: attribute looked up per call)
    try:
        bob, carol = connect("bob"), connect("carol")
        asker.send("CHATHISTORY LATEST #big * 100")
        asker.send("PING :after-history")
        assert hold.entered.wait(HOLD_TIMEOUT)  # the read is running, and held
        bob.send("PRIVMSG carol :are you there?")
        said = carol.expect("PRIVMSG")  # delivered while the read is still held
        assert said.params == ("carol", "are you there?")
        carol.send("PING :carol-round-trip")
        carol.expect("PONG")
        assert not hold.release.is_set()
        assert hold.off_the_loop
    finally:
        hold.release.set()
    start = asker.expect("BATCH")
    end = "-" + start.params[0][1:]
    lines = asker.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == end)
    texts = [m.params[-1] for m in lines if m.command == "PRIVMSG"]
    assert texts == [f"line {n}" for n in range(STORED - 100, STORED)]
    pong = asker.expect(lambda m: m.command in ("PONG", "BATCH", "PRIVMSG"))
    assert pong.command == "PONG" and pong.params[-1] == "after-history"  # after the answer


def test_a_burst_behind_a_held_read_waits_for_it_and_is_no_flood(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    """More lines than the core holds for a session (MAX_HELD_LINES) wait in the net
    layer, reading paused, and all are answered after the history, in order."""
    asker = connect("asker", caps=HISTORY_CAPS)
    asker.send("JOIN #big")
    asker.expect("366")
    history = server.call(lambda: server.process.core.history)  # type: ignore[union-attr]
    hold = HeldReads(history, server.call(threading.current_thread))
    history.between = hold.held
    burst = 3 * MAX_HELD_LINES
    try:
        pings = b"".join(f"PING :p{n}\r\n".encode() for n in range(burst))
        asker.send(b"CHATHISTORY LATEST #big * 5\r\n" + pings)
        assert hold.entered.wait(HOLD_TIMEOUT)
        other = connect("other")
        other.send("PING :other")
        assert other.expect("PONG").params[-1] == "other"  # served while the asker waits
    finally:
        hold.release.set()
    asker.expect("BATCH")
    pongs = [asker.expect("PONG").params[-1] for _ in range(burst)]
    assert pongs == [f"p{n}" for n in range(burst)]
    assert not [m for m in asker.received if m.command == "ERROR"]
