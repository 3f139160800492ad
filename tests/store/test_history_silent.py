"""The store's in-memory knowledge that a channel holds no PRIVMSG or NOTICE: learnt
by a read, lost at once when one is appended or renamed into it, kept through events."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.server.store.history import HistoryItem, Reader
from parley.server.store.sqlite_history import SqliteHistory

FOREVER = 1e12
READER = Reader("reader", None, "u1")


def item(msgid: str, command: str, channel: str = "#tea", t: float = 1.0) -> HistoryItem:
    return HistoryItem(
        msgid, t, channel, channel, "a!a@h", None, command, "x", incarnation="i1", public=True
    )


@pytest.fixture
def history(tmp_path: Path) -> Iterator[SqliteHistory]:
    store = SqliteHistory(tmp_path / "parley.db")
    yield store
    store.close()


def test_events_only_are_silent_once_read_and_stay_so_through_more_events(
    history: SqliteHistory,
) -> None:
    history.append(item("j1", "JOIN"))
    assert history.flush()
    assert not history.silent("#tea")  # not known before a read
    assert history.between("#tea", 0.0, FOREVER, 10, True, READER) == []
    assert history.silent("#tea")
    history.append(item("q1", "QUIT", t=2.0))
    assert history.silent("#tea")
    history.append(item("m1", "PRIVMSG", t=3.0))
    assert not history.silent("#tea")
    assert history.between("#tea", 0.0, FOREVER, 10, True, READER) != []
    assert not history.silent("#tea")


def test_a_line_still_in_the_queue_is_not_silence(history: SqliteHistory) -> None:
    history.append(item("j1", "JOIN"))
    history.append(item("m1", "NOTICE", t=2.0))
    stranger = Reader("stranger", None, "u2", windows=())
    history.between("#tea", 0.0, 1.5, 10, True, stranger)  # (a range without the line)
    assert not history.silent("#tea")
    assert history.flush()
    history.between("#tea", 0.0, 1.5, 10, True, stranger)
    assert not history.silent("#tea")


def test_a_secret_line_is_not_silence_for_a_reader_who_may_not_read_it(
    history: SqliteHistory,
) -> None:
    secret = HistoryItem("m1", 1.0, "#hush", "#hush", "a!a@h", None, "PRIVMSG", "x",
                         incarnation="i1", public=False)  # fmt: skip
    history.append(secret)
    assert history.flush()
    assert history.between("#hush", 0.0, FOREVER, 10, True, READER) == []  # not its to read
    assert not history.silent("#hush")


def test_lines_renamed_into_a_silent_channel_end_its_silence(history: SqliteHistory) -> None:
    history.append(item("j1", "JOIN", channel="#new"))
    history.append(item("m1", "PRIVMSG", channel="#old"))
    assert history.flush()
    history.between("#new", 0.0, FOREVER, 10, True, READER)
    assert history.silent("#new")
    assert history.rename("#old", "#new", "#new")
    assert not history.silent("#new")
    # While the rename waits for the disk, a read learns nothing of the new name.
    shown = history.between("#new", 0.0, FOREVER, 10, True, READER)
    assert [i.msgid for i in shown] == ["m1"]
    assert not history.silent("#new")
    assert history.flush()
    history.between("#old", 0.0, FOREVER, 10, True, READER)
    assert history.silent("#old")  # its lines have gone
