"""Stays in channels (who may read closed lines) survive a store that fails for a while."""

from __future__ import annotations

import logging
import sqlite3

import pytest
from fake import Harness

from parley.server.core import events as ev
from parley.server.store.history import MemoryHistory, Window


class FullDisk(MemoryHistory):
    """A history store whose disk is full until `full` is cleared."""

    def __init__(self) -> None:
        super().__init__()
        self.full = True

    def save_windows(self, windows: list[Window]) -> None:
        if self.full:
            raise sqlite3.OperationalError("database or disk is full")
        super().save_windows(windows)


def test_unsaved_stays_are_kept_logged_once_and_saved_when_the_disk_has_room(
    caplog: pytest.LogCaptureFixture,
) -> None:
    harness = Harness(lobby=None)
    store = FullDisk()
    harness.server.history = store
    session, _ = harness.user("alice", "#c")
    session.account = "alice"
    harness.server.state.apply(ev.AccountChanged("alice", "alice"), session)
    harness.say(session, "PART #c")
    with caplog.at_level(logging.ERROR, logger="parley.core"):
        for _ in range(5):
            harness.server.sweep()
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert len(errors) == 1 and "disk is full" in errors[0].getMessage()
    assert [w.account for w in harness.server.state.windows] == ["alice"]
    store.full = False
    harness.server.sweep()
    assert harness.server.state.windows == []
    assert [w.account for w in store.windows] == ["alice"]
