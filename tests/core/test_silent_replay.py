"""JOIN's replay skips the read when the history store knows, in memory, that the
channel holds no PRIVMSG or NOTICE for anyone (only JOIN, QUIT and such): the joiner
is answered at once; a channel with lines, even lines the joiner may not read, is read."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from core.fake import FakeConnection, Harness, HeldWorker, commands_of
from parley.server.core.session import Session
from parley.server.store.sqlite_history import SqliteHistory


@pytest.fixture
def held(tmp_path: Path) -> Iterator[tuple[Harness, HeldWorker]]:
    worker = HeldWorker()
    harness = Harness(worker=worker, lobby=None)
    history = SqliteHistory(tmp_path / "parley.db")
    harness.server.history = history
    yield harness, worker
    history.close()


def registered(harness: Harness, worker: HeldWorker, nick: str) -> tuple[Session, FakeConnection]:
    session, conn = harness.connect()
    harness.say(session, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    worker.drain()
    conn.take()
    return session, conn


def two_in_room(harness: Harness, worker: HeldWorker) -> Session:
    """#room made by "old" and joined by "first" (whose JOIN asks for a read); "old"."""
    old, _ = registered(harness, worker, "old")
    harness.say(old, "JOIN #room")
    first, _ = registered(harness, worker, "first")
    harness.say(first, "JOIN #room")
    return old


def test_a_channel_of_joins_and_quits_is_answered_at_once(
    held: tuple[Harness, HeldWorker],
) -> None:
    harness, worker = held
    two_in_room(harness, worker)
    assert len(worker.jobs) == 1  # not known yet: read once
    worker.drain()
    gone, _ = registered(harness, worker, "gone")
    harness.say(gone, "JOIN #room", "QUIT :bye")  # more events, no line
    newcomer, conn = registered(harness, worker, "newcomer")
    harness.say(newcomer, "JOIN #room", "PING :after-join")
    assert worker.jobs == []  # no read: nothing a replay would show
    replies = commands_of(conn.take())
    assert replies[0] == "JOIN" and replies[-1] == "PONG" and "PRIVMSG" not in replies


def test_a_line_said_makes_the_next_joiner_read_it_again(
    held: tuple[Harness, HeldWorker],
) -> None:
    harness, worker = held
    old = two_in_room(harness, worker)
    worker.drain()
    assert harness.server.history.silent("#room")
    harness.say(old, "NOTICE #room :now something is said")
    assert not harness.server.history.silent("#room")
    newcomer, conn = registered(harness, worker, "newcomer")
    harness.say(newcomer, "JOIN #room", "PING :after-join")
    assert len(worker.jobs) == 1
    worker.drain()
    after = conn.take()
    texts = [m.params[-1] for m in after if m.command == "NOTICE"]
    assert len(texts) == 1 and texts[0].endswith("now something is said")
    assert commands_of(after)[-1] == "PONG"


def test_lines_the_joiner_may_not_read_still_make_the_channel_read(
    held: tuple[Harness, HeldWorker],
) -> None:
    harness, worker = held
    old, _ = registered(harness, worker, "old")
    harness.say(old, "JOIN #hush", "MODE #hush +s", "PRIVMSG #hush :members only")
    outsider, conn = registered(harness, worker, "outsider")
    harness.say(outsider, "JOIN #hush")
    assert len(worker.jobs) == 1
    worker.drain()
    assert "PRIVMSG" not in commands_of(conn.take())  # said before it joined: not its own
    # Known not silent though this reader found nothing: the next joiner is read for too.
    assert not harness.server.history.silent("#hush")
    later, _ = registered(harness, worker, "later")
    harness.say(later, "JOIN #hush")
    assert len(worker.jobs) == 1
