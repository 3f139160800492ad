"""Messages and the rest (TAGMSG, channel events): each reader is shown what it asked
for, from databases written before events were kept too."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from parley.server.store import schema
from parley.server.store.history import Reader
from parley.server.store.sqlite_history import SqliteHistory

FOREVER = 1e12
# The migration that marks what is not a message (later ones may follow it).
KINDS = next(i for i, script in enumerate(schema.MIGRATIONS) if "ADD COLUMN kind" in script)


def test_an_older_database_keeps_its_tagmsgs_for_event_playback_only(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    old = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:KINDS]:
        for statement in schema.statements(script):
            old.execute(statement)
    for n, command in enumerate(("PRIVMSG", "TAGMSG", "NOTICE")):
        old.execute(
            "INSERT INTO history (msgid, time, conversation, target, source, command, text,"
            " tags, sender, recipient, incarnation, public)"
            " VALUES (?, ?, '#tea', '#tea', 'a!a@h', ?, 'x', '[]', 'a', '#tea', 'i1', 1)",
            (f"m{n}", float(n + 1), command),
        )
    old.execute(f"PRAGMA user_version={KINDS}")
    old.commit()
    old.close()
    history = SqliteHistory(path)
    try:
        plain, playback = Reader("b", None, "u"), Reader("b", None, "u", events=True)
        shown = history.between("#tea", 0.0, FOREVER, 10, True, plain)
        assert [i.command for i in shown] == ["PRIVMSG", "NOTICE"]
        shown = history.between("#tea", 0.0, FOREVER, 10, True, playback)
        assert [i.command for i in shown] == ["PRIVMSG", "TAGMSG", "NOTICE"]
        assert [i.command for i in history.between("#tea", 0.0, FOREVER, 1, True, plain)] == [
            "NOTICE"
        ]
    finally:
        history.close()
