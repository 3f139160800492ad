"""What users can make the disk hold is bounded even with retention left at its defaults."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parley.server.config import HistoryPolicy
from parley.server.store.history import HistoryItem
from parley.server.store.sqlite_history import SqliteHistory


def _line(n: int, target: str) -> HistoryItem:
    return HistoryItem(
        f"m{n}", 1.0 + n, target.lower(), target, "mallory!m@h", None, "PRIVMSG", f"spam {n}"
    )


def test_the_whole_history_is_capped_the_oldest_going_first(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "parley.db", HistoryPolicy(max_messages=100))
    try:
        for n in range(250):  # spread over many channels: no per-target cap would hold it
            history.append(_line(n, f"#room{n % 37}"))
            if n % 50 == 49:
                history.flush()
        history.flush()
    finally:
        history.close()
    db = sqlite3.connect(tmp_path / "parley.db")
    texts = [row[0] for row in db.execute("SELECT text FROM history ORDER BY id")]
    db.close()
    assert texts == [f"spam {n}" for n in range(150, 250)]


def test_the_default_keeps_a_cap() -> None:
    assert HistoryPolicy().max_messages > 0
