"""Searching the SQLite history: the FTS5 index (schema.py) and who may find what, in SQL.

The words go through the `history_text` index, newest match first (or oldest, from
`after`), each match checked against the searcher's scope (store/search.py says
whose lines those are) until `limit` are found. A search that runs past its time
is interrupted (SearchTimeout): a word found in millions of lines the searcher may
not read costs at most that time, on a worker thread.
"""

from __future__ import annotations

import json
import sqlite3
import time

from parley.server.store.history import HistoryItem
from parley.server.store.search import Scope, SearchQuery, match_expression

PROGRESS_STEPS = 10_000  # SQLite steps between looks at the clock


class SearchTimeout(Exception):
    """The search took longer than it may."""


def _qualified(columns: str) -> str:
    return ", ".join(f"history.{c.strip()}" for c in columns.split(","))


# A channel line: of a channel the searcher is in now, public or said during one of
# their stays (those given, or saved for their account), as CHATHISTORY reads it.
_CHANNEL = (
    "(history.conversation IN (SELECT value FROM json_each(?)) AND (history.public = 1"
    " OR EXISTS (SELECT 1 FROM json_each(?) w"
    " WHERE json_extract(w.value, '$[0]') = history.incarnation"
    " AND history.time > json_extract(w.value, '$[1]')"
    " AND history.time <= json_extract(w.value, '$[2]'))"
    " OR history.time <= (SELECT m.left FROM channel_members m WHERE m.account = ?"
    " AND m.incarnation = history.incarnation AND m.joined < history.time"
    " ORDER BY m.joined DESC LIMIT 1)))"
)
# A private line: one of its sides is the searcher (account, or this connection).
_PRIVATE = (
    "(history.incarnation IS NULL AND instr(history.conversation, ' ') > 0"
    " AND (coalesce(history.account, history.sender_uid) IN (?, ?)"
    " OR coalesce(history.recipient_account, history.recipient_uid) IN (?, ?)))"
)


def search_rows(
    db: sqlite3.Connection,
    columns: str,
    query: SearchQuery,
    scope: Scope,
    seconds: float,
) -> list[tuple[object, ...]]:
    """The rows (of `columns`) of up to `query.limit` lines the scope may find."""
    reader = scope.reader
    where = ["history.kind = 0", "history.time >= ?", "history.time <= ?"]
    args: list[object] = [query.after, query.before]
    if query.sender is not None:
        where.append("history.sender = ?")
        args.append(query.sender)
    if query.target is not None:
        where.append(
            "(history.conversation = ? OR (instr(history.conversation, ' ') > 0"
            " AND (history.sender = ? OR history.recipient = ?)))"
        )
        args += [query.target] * 3
    where.append(f"({_CHANNEL} OR {_PRIVATE})")
    args += [json.dumps(scope.channels), json.dumps(reader.windows), reader.account]
    args += [reader.account, reader.uid] * 2
    order = "ASC" if query.oldest else "DESC"
    if query.words:
        sql = (
            f"SELECT {_qualified(columns)} FROM history_text"
            " JOIN history ON history.id = history_text.rowid WHERE history_text MATCH ?"
            f" AND {' AND '.join(where)} ORDER BY history_text.rowid {order} LIMIT ?"
        )
        args = [match_expression(query.words), *args]
    else:
        sql = (
            f"SELECT {_qualified(columns)} FROM history WHERE {' AND '.join(where)}"
            f" ORDER BY history.id {order} LIMIT ?"
        )
    args.append(query.limit)
    deadline = time.monotonic() + seconds
    db.set_progress_handler(lambda: time.monotonic() > deadline, PROGRESS_STEPS)
    try:
        return db.execute(sql, args).fetchall()
    except sqlite3.OperationalError as exc:
        if "interrupted" in str(exc):
            raise SearchTimeout from None
        raise
    finally:
        db.set_progress_handler(None, 0)


def newest_kept(items: list[HistoryItem], query: SearchQuery) -> list[HistoryItem]:
    """The `limit` lines nearest where the search starts, in time order."""
    ordered = sorted({i.msgid: i for i in items}.values(), key=lambda i: i.time)
    return ordered[: query.limit] if query.oldest else ordered[-query.limit :]
