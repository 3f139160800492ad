"""A full disk does not end history: the writer holds a bounded queue, retries, and recovers.

The disk is a real one: a small tmpfs filled with a file (when this process may
mount one), or a database that SQLite itself caps at its current size.
"""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.server.config import HistoryPolicy
from parley.server.store import sqlite_history as history_module
from parley.server.store.history import HistoryItem
from parley.server.store.sqlite_history import SqliteHistory
from support.disk import fill_disk, mounted_tmpfs
from support.waiting import wait_until

POLICY = HistoryPolicy(queue_high=20, queue_low=5, queue_max=50)
SENT_WHILE_FULL = 200


def _item(n: int) -> HistoryItem:
    return HistoryItem(
        f"m{n:06d}", 1_000_000.0 + n, "#room", "#room", "ann!ann@host", None, "PRIVMSG",
        f"message {n} " + "x" * 200,
    )  # fmt: skip


def _stored(path: Path) -> list[str]:
    db = sqlite3.connect(path)
    try:
        return [r[0] for r in db.execute("SELECT msgid FROM history ORDER BY id")]
    finally:
        db.close()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 4 MB tmpfs (the page-count test covers a machine where none can be mounted)."""
    with mounted_tmpfs(tmp_path / "disk") as mount:
        yield mount


def _writer_errors(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name == "parley.history" and r.levelno >= logging.ERROR]


def _outage_and_recovery(
    history: SqliteHistory, path: Path, free: object, caplog: pytest.LogCaptureFixture
) -> None:
    """Send while the disk is full, free it (calling `free`), and send again."""
    for n in range(1, SENT_WHILE_FULL + 1):
        history.append(_item(n))
    wait_until(lambda: history.status().failures >= 3, what="the writer retrying")
    status = history.status()
    assert status.state == "failing"
    assert "full" in (status.last_error or "")
    assert status.queued <= POLICY.queue_max  # memory stays bounded
    assert status.dropped == SENT_WHILE_FULL - status.queued
    assert not history.lagging()  # a broken disk does not hold senders back
    assert len(_writer_errors(caplog)) == 1  # once per outage, not once per retry

    assert callable(free)
    free()
    wait_until(lambda: history.status().queued == 0, what="the queue stored after space returned")
    history.append(_item(9999))
    history.flush()
    status = history.status()
    assert status.state == "ok" and status.queued == 0
    stored = _stored(path)
    assert stored[-1] == "m009999"  # stored again, without a restart
    assert len(stored) == len(set(stored))  # a retried batch is not stored twice
    assert any("storing messages again" in r.getMessage() for r in caplog.records)
    assert len(_writer_errors(caplog)) == 1


def test_a_full_tmpfs_drops_what_does_not_fit_and_history_comes_back(
    small_disk: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="parley.history")
    path = small_disk / "parley.db"
    history = SqliteHistory(path, POLICY)
    try:
        history.append(_item(0))
        history.flush()
        assert _stored(path) == ["m000000"]
        filler = fill_disk(small_disk)
        _outage_and_recovery(history, path, filler.unlink, caplog)
        assert _stored(path)[:2] == ["m000000", "m000001"]  # the held batch, in order
    finally:
        history.close()


def test_a_database_at_its_page_limit_is_retried_until_rows_are_deleted(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO, logger="parley.history")
    path = tmp_path / "parley.db"
    seed = SqliteHistory(path, POLICY)
    for n in range(2000):
        seed.append(_item(100_000 + n))
    seed.close()
    real_connect = history_module.connect

    def capped(db_path: Path, synchronous: str = "FULL") -> sqlite3.Connection:
        db = real_connect(db_path, synchronous)
        (pages,) = db.execute("PRAGMA page_count").fetchone()
        db.execute(f"PRAGMA max_page_count = {pages}")  # SQLite's own "disk is full"
        return db

    monkeypatch.setattr(history_module, "connect", capped)
    history = SqliteHistory(path, POLICY)

    def delete_old_rows() -> None:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("DELETE FROM history WHERE msgid >= 'm100000'")
        other.close()

    try:
        _outage_and_recovery(history, path, delete_old_rows, caplog)
    finally:
        history.close()
