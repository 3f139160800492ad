"""History in the data dir's SQLite database (history.py has what a line is).

How this works: the event loop only calls `append`, which adds the item to a
list and returns; a writer thread, woken by the first item of a batch, lets
the batch gather for WRITE_INTERVAL seconds and commits all of it in one
transaction (group commit), so fan-out never waits on disk and the writer
wakes once a batch, not once a message. What `append` accepted is durable once
its batch commits: about WRITE_INTERVAL seconds later. SQLite runs in WAL mode,
so a committed batch survives the process being killed (kill -9). Reads run on
the worker's threads, each with a connection of its own (readers.py).

The backlog is bounded. Past `queue_high` messages waiting, `lagging()` says so
and the net layer stops reading from clients that send messages, until the
writer is back under `queue_low` (it calls back those waiting); past
`queue_max`, messages are still delivered but not stored, and counted. A failed
write (a full disk, a locked or broken file) never ends the writer: it keeps
the batch, retries with back-off, and takes up where it was once the disk has
room; `status()` says how it is doing.
"""

from __future__ import annotations

import contextlib
import json
import logging
import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from parley.irc.casemap import fold, is_channel
from parley.server.config import HistoryPolicy
from parley.server.store.history import (
    MESSAGES,
    HistoryItem,
    MemoryHistory,
    Reader,
    Window,
    WriterStatus,
)
from parley.server.store.readers import Readers
from parley.server.store.schema import connect
from parley.server.store.search import Scope, SearchQuery, may_find, selected
from parley.server.store.sqlite_search import newest_kept, search_rows

log = logging.getLogger("parley.history")

WRITE_INTERVAL = 0.05  # seconds a batch may gather before it is committed
RETRY_FIRST = 0.1  # seconds before a failed write is tried again; doubled each time
RETRY_MAX = 2.0  # ...up to this
PRUNE_INTERVAL = 60.0  # seconds between deletions of old messages and of stays before them
EMPTY_REMEMBERED = 10_000  # quiet channels remembered as such, at most
# An account's stays in one channel that one read looks through, the nearest to where
# it starts first (the latest for LATEST and BEFORE): each costs a query, and joining
# and leaving over and over must not make a read, on the event loop, as slow as the
# number of times it was done. docs/privacy.md says so.
MAX_STAYS = 100


def _row(row: tuple[object, ...]) -> HistoryItem:
    (msgid, time, conversation, target, source, account, command, text, tags, rec_account,
     sender_uid, recipient_uid, incarnation, public) = row  # fmt: skip
    pairs = tuple((str(k), str(v)) for k, v in json.loads(str(tags)))
    return HistoryItem(
        str(msgid), float(str(time)), str(conversation), str(target), str(source),
        _text(account), str(command), str(text), pairs, _text(rec_account),
        _text(sender_uid), _text(recipient_uid), _text(incarnation), bool(public),
    )  # fmt: skip


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _when(item: HistoryItem) -> tuple[float, str]:
    """Time order; lines of one millisecond by msgid, the same on every node of a cluster
    (on one server no two lines share a time: Server.message_time)."""
    return item.time, item.msgid


def _kept(items: Iterable[HistoryItem], limit: int, newest: bool) -> list[HistoryItem]:
    """`items` in time order, the `limit` newest (or oldest) of them."""
    ordered = sorted(items, key=_when)
    return ordered[-limit:] if newest else ordered[:limit]


def _roll_back(db: sqlite3.Connection) -> None:
    if db.in_transaction:
        with contextlib.suppress(sqlite3.Error):  # SQLite may have rolled back by itself
            db.execute("ROLLBACK")


def _call(waiters: list[Callable[[], object]]) -> None:
    """Call back those waiting for the writer (a closed event loop refuses: no matter)."""
    for waiter in waiters:
        with contextlib.suppress(RuntimeError):
            waiter()


_COLUMNS = (
    "msgid, time, conversation, target, source, account, command, text, tags, recipient_account,"
    " sender_uid, recipient_uid, incarnation, public"
)
# Reader.may_read, in SQL, so that LIMIT counts only what may be shown. A channel
# line: public, or within one of the reader's stays (given, or saved for its account:
# those never overlap, so the last one begun before the line is the one to look at,
# found in the index whatever the number of stays).
_VISIBLE = (
    " AND (CASE WHEN instr(conversation, ' ') = 0 THEN public = 1"
    " OR EXISTS (SELECT 1 FROM json_each(?) w"
    " WHERE json_extract(w.value, '$[0]') = history.incarnation"
    " AND history.time > json_extract(w.value, '$[1]')"
    " AND history.time <= json_extract(w.value, '$[2]'))"
    " OR history.time <= (SELECT m.left FROM channel_members m WHERE m.account = ?"
    " AND m.incarnation = history.incarnation AND m.joined < history.time"
    " ORDER BY m.joined DESC LIMIT 1)"
    " ELSE (sender = ? AND account = ?) OR (recipient = ? AND recipient_account = ?)"
    " OR (sender = ? AND account IS NULL AND sender_uid = ?)"
    " OR (recipient = ? AND recipient_account IS NULL AND recipient_uid = ?) END)"
)


def _visible_args(reader: Reader) -> tuple[object, ...]:
    n, a, u = reader.nick, reader.account, reader.uid
    return (json.dumps(reader.windows), a, n, a, n, a, n, u, n, u)


# A private line's two sides, and who each side is: its account, or for a side
# with none, its connection (accounts are nicks, which hold no `.`; uids do).
_SIDES = (
    ("sender", "coalesce(account, sender_uid)"),
    ("recipient", "coalesce(recipient_account, recipient_uid)"),
)


@dataclass(frozen=True, slots=True)
class Change:
    """A change to stored lines, made by the writer in order with the writes around it."""

    statements: tuple[tuple[str, tuple[object, ...]], ...]
    hidden: tuple[str, str] | None = None  # redacted (conversation, msgid): hidden till done
    moved: str | None = None  # a renamed channel's folded new name: read under both till done


_LAST_ID = "SELECT coalesce(max(id), 0) FROM history"
# Messages (not events) added since `?`, into the search index: one statement for
# the lot, in the transaction that added them and before any change can delete one.
_INDEX = (
    "INSERT INTO history_text (rowid, text) SELECT id, text FROM history WHERE id > ? AND kind = 0"
)


def _insert(db: sqlite3.Connection, rows: Sequence[tuple[object, ...]]) -> None:
    """Lines added, and indexed for search."""
    if rows:
        (last,) = db.execute(_LAST_ID).fetchone()
        db.executemany(_INSERT, rows)
        db.execute(_INDEX, (last,))


_INSERT = (  # (OR IGNORE: a line a peer sent twice is stored once, schema.py)
    f"INSERT OR IGNORE INTO history ({_COLUMNS}, sender, recipient, kind)"
    f" VALUES ({', '.join('?' * 17)})"
)


class SqliteHistory:
    """History in the data dir's SQLite database, written by one thread.

    The writer also applies the retention policy: after each batch it trims the
    conversations it touched to `max_per_target` and the whole to `max_messages`
    (by id: holes left by other deletions make it keep a little fewer), and about
    once a minute it deletes what is older than `max_age_days`.
    """

    def __init__(self, path: Path, policy: HistoryPolicy | None = None) -> None:
        self.path = Path(path)
        self.policy = policy or HistoryPolicy()
        self._last_prune = 0.0
        writer = connect(self.path, synchronous="NORMAL")  # WAL: commits survive kill -9
        self._db = connect(self.path, synchronous="NORMAL")  # the loop's: stays, detaching
        self._readers = Readers(self.path)  # reads, from whichever thread asks (readers.py)
        # Appended but not yet committed: reads see them too (read-your-writes).
        self._uncommitted = MemoryHistory()
        self._lock = threading.Lock()
        self._batch: list[HistoryItem] = []  # appended, not yet taken by the writer
        # Changes to what is stored, each after the first `n` items of the batch.
        self._changes: list[tuple[int, Change]] = []
        self._hidden: set[tuple[str, str]] = set()  # redacted, the deletion not yet committed
        # Renamed channels, the change not yet committed: new folded -> (the folded names
        # its lines are under until then, its new name as written).
        self._moved: dict[str, tuple[tuple[str, ...], str]] = {}
        # Channels found to have no history at all, until something is appended to them:
        # joining a quiet channel (JOIN's replay) then costs no query.
        self._empty: set[str] = set()
        # Channels found to hold no PRIVMSG or NOTICE (only events: JOIN, QUIT...), until
        # one is appended or moved there: JOIN's replay, which shows only those, then
        # needs no read at all (`silent`). `_said` counts such appends and the renames.
        self._silent: set[str] = set()
        self._said = 0
        # PRIVMSGs and NOTICEs waiting in the queue, by conversation: a read asks it
        # rather than walking the queue. (Items the queue loses otherwise, by
        # forget_account, stay counted: that only keeps a channel from being silent.)
        self._queued_said: dict[str, int] = {}
        self._version = 0  # appends and changes so far: a read on a worker thread compares it
        self._flushes: list[threading.Event] = []  # set once what came before is committed
        self._stopping = False
        self._wake = threading.Event()  # there is something for the writer
        self._hurry = threading.Event()  # ...and it should not wait for more
        # The backlog and the writer's health (changed under the lock).
        self._lagging = False  # past queue_high, until back under queue_low
        self._waiters: list[Callable[[], object]] = []  # called once no longer lagging
        self._failing = False  # the last write failed; it is being retried
        self._failures = 0
        self._last_error: str | None = None
        self._dropped = 0
        self._dropped_before = -1  # `_dropped` when this run of drops began; -1: not dropping
        self._thread = threading.Thread(
            target=self._write_loop, args=(writer,), name="history-writer", daemon=True
        )
        self._thread.start()

    def append(self, item: HistoryItem) -> None:
        policy = self.policy
        with self._lock:
            queued = len(self._uncommitted.items)
            if queued >= policy.queue_max:
                self._dropped += 1
                starts = self._dropped_before < 0
                if starts:
                    self._dropped_before = self._dropped - 1
            else:
                starts = False
                self._uncommitted.items.append(item)
                self._batch.append(item)
                self._version += 1
                if item.command in MESSAGES:
                    self._said += 1
                    self._silent.discard(item.conversation)
                    queued_said = self._queued_said
                    queued_said[item.conversation] = queued_said.get(item.conversation, 0) + 1
                if queued + 1 >= policy.queue_high and not self._lagging and not self._failing:
                    self._lagging = True
                    self._hurry.set()  # no gathering: the writer is behind already
        if queued >= policy.queue_max:
            if starts:
                log.warning(
                    "history: %d messages wait for the disk; new ones are delivered but not"
                    " stored until the writer catches up",
                    queued,
                )
            return
        self._empty.discard(item.conversation)
        if not self._wake.is_set():  # (the writer clears it under the lock)
            self._wake.set()

    def lagging(self) -> bool:
        return self._lagging

    def wait_drained(self, callback: Callable[[], object]) -> bool:
        with self._lock:
            if not self._lagging:
                return False
            self._waiters.append(callback)
            return True

    def status(self) -> WriterStatus:
        """The writer's state now (any thread)."""
        with self._lock:
            queued = len(self._uncommitted.items)
            failing, lagging = self._failing, self._lagging
            dropped, failures, error = self._dropped, self._failures, self._last_error
        if not self._thread.is_alive():
            state = "stopped"
        else:
            state = "failing" if failing else "lagging" if lagging else "ok"
        return WriterStatus(state, queued, dropped, failures, error)

    def _write_loop(self, db: sqlite3.Connection) -> None:
        """Wake on a batch's first item, let it gather WRITE_INTERVAL, commit it at once.

        A batch whose write fails is kept (with what arrives meanwhile, up to
        queue_max) and tried again after a back-off that doubles up to RETRY_MAX.
        """
        carried: list[HistoryItem] = []  # taken from the queue, not yet stored
        changes: list[tuple[int, Change]] = []  # ...and the changes among them
        delay = RETRY_FIRST
        while True:
            self._wake.wait()
            self._hurry.wait(WRITE_INTERVAL)
            with self._lock:
                changes.extend((len(carried) + n, change) for n, change in self._changes)
                carried.extend(self._batch)
                self._batch, self._changes = [], []
                flushes, self._flushes = self._flushes, []
                stop = self._stopping
                self._wake.clear()
                self._hurry.clear()
            if carried or changes:
                error = self._store(db, carried, changes)
                if error is None:
                    self._stored(len(carried), changes)
                    carried, changes = [], []
                    delay = RETRY_FIRST
                else:
                    self._failed(error)
            for done in flushes:
                done.set()
            if stop:
                if carried:
                    log.error("history: %d messages could not be stored: %s", len(carried),
                              self._last_error)  # fmt: skip
                break
            if carried or changes:  # back off; a flush or a stop cuts the wait short
                self._hurry.wait(delay)
                delay = min(delay * 2, RETRY_MAX)
                self._wake.set()
        db.close()

    def _store(
        self, db: sqlite3.Connection, items: list[HistoryItem], changes: list[tuple[int, Change]]
    ) -> str | None:
        """Commit `items` and `changes` and apply retention; what went wrong, or None."""
        try:
            self._commit(db, items, changes)
        except sqlite3.Error as exc:
            _roll_back(db)
            return f"{type(exc).__name__}: {exc}"
        except Exception:  # an item that can never be written: lose it, not the writer
            _roll_back(db)
            log.exception("history: %d messages could not be stored", len(items))
            with self._lock:
                self._dropped += len(items)
            return None
        try:
            self._retain(db, {i.conversation for i in items})
        except sqlite3.Error as exc:  # stored all the same; trimming is tried again next batch
            _roll_back(db)
            log.warning("history: retention failed: %s", exc)
        return None

    def _stored(self, count: int, changes: list[tuple[int, Change]]) -> None:
        """A write succeeded: those items leave the queue; waiting senders may go on."""
        waiters: list[Callable[[], object]] = []
        with self._lock:
            for item in self._uncommitted.items[:count]:
                if item.command in MESSAGES:
                    left = self._queued_said.pop(item.conversation, 1) - 1
                    if left > 0:
                        self._queued_said[item.conversation] = left
            del self._uncommitted.items[:count]
            for _, change in changes:
                if change.hidden is not None:
                    self._hidden.discard(change.hidden)
                if change.moved is not None:
                    self._moved.pop(change.moved, None)
            queued = len(self._uncommitted.items)
            recovered, failures = self._failing, self._failures
            self._failing = False
            if self._lagging and queued <= self.policy.queue_low:
                self._lagging = False
                waiters, self._waiters = self._waiters, []
            dropped = 0
            if self._dropped_before >= 0 and queued < self.policy.queue_max:
                dropped = self._dropped - self._dropped_before
                self._dropped_before = -1
        if recovered:
            log.warning("history: storing messages again (%d failed writes since start)", failures)
        if dropped:
            log.warning("history: %d messages were delivered but not stored", dropped)
        _call(waiters)

    def _failed(self, error: str) -> None:
        """A write failed: say so once per outage; senders are not held for a broken disk."""
        waiters: list[Callable[[], object]] = []
        with self._lock:
            first = not self._failing
            self._failing = True
            self._failures += 1
            self._last_error = error
            if self._lagging:
                self._lagging = False
                waiters, self._waiters = self._waiters, []
        if first:
            log.error(
                "history: messages cannot be stored (%s); retrying, holding at most %d",
                error,
                self.policy.queue_max,
            )
        _call(waiters)

    def _urge(self, flush: threading.Event | None = None, stop: bool = False) -> None:
        """Have the writer commit what it has now (and stop after it, if `stop`)."""
        with self._lock:
            if flush is not None:
                self._flushes.append(flush)
            self._stopping = self._stopping or stop
        self._hurry.set()
        self._wake.set()

    @staticmethod
    def _commit(
        db: sqlite3.Connection, batch: Iterable[HistoryItem], changes: list[tuple[int, Change]]
    ) -> None:
        rows = [
            (i.msgid, i.time, i.conversation, i.target, i.source, i.account, i.command,
             i.text, json.dumps(i.tags) if i.tags else "[]", i.recipient_account,
             i.sender_uid, i.recipient_uid, i.incarnation, int(i.public), i.sender,
             fold(i.target), int(not i.message))
            for i in batch
        ]  # fmt: skip
        db.execute("BEGIN IMMEDIATE")  # the write lock first: _insert reads before it writes
        done = 0
        for n, change in changes:  # each after the items appended before it
            _insert(db, rows[done:n])
            for statement, args in change.statements:
                db.execute(statement, args)
            done = n
        _insert(db, rows[done:])
        db.execute("COMMIT")

    def redact(self, conversation: str, msgid: str) -> bool:
        """Deleted by the writer, in order with the lines around it; hidden until then."""
        key = (conversation, msgid)
        delete = "DELETE FROM history WHERE msgid = ? AND +conversation = ?"
        change = Change(((delete, (msgid, conversation)),), hidden=key)
        with self._lock:
            if len(self._hidden) + len(self._moved) >= self.policy.queue_max:
                return False  # (only while writes fail: nothing is held without a bound)
            self._hidden.add(key)
            self._changes.append((len(self._batch), change))
            self._version += 1
        self._empty.discard(conversation)
        if not self._wake.is_set():
            self._wake.set()
        return True

    def rename(self, old: str, new: str, name: str) -> bool:
        """A channel's lines and stays move to its new name (`new` folded, `name` as
        written), in order with the lines around them; reads find them under it at once."""
        change = Change(
            (
                # (OR IGNORE: a line whose msgid the new name has already stays, rather
                # than failing the writer's batch: an event kept in both channels, or a
                # line a peer sent again after the rename, which then goes)
                ("UPDATE OR IGNORE history SET conversation = ?, target = ?"
                 " WHERE conversation = ? AND incarnation IS NOT NULL", (new, name, old)),
                ("DELETE FROM history WHERE conversation = ? AND incarnation IS NOT NULL"
                 " AND EXISTS (SELECT 1 FROM history n WHERE n.msgid = history.msgid"
                 " AND n.conversation = ? AND n.incarnation = history.incarnation)", (old, new)),
                ("UPDATE channel_members SET channel = ? WHERE channel = ?", (new, old)),
            ),
            moved=new,
        )  # fmt: skip
        with self._lock:
            if len(self._hidden) + len(self._moved) >= self.policy.queue_max:
                return False  # (only while writes fail: nothing is held without a bound)
            earlier = self._moved.pop(old, ((), ""))[0]  # renamed again before it was written
            self._moved[new] = ((*earlier, old), name)
            self._changes.append((len(self._batch), change))
            self._version += 1
            self._said += 1
            self._silent.discard(old)
            self._silent.discard(new)
        self._empty.discard(old)
        self._empty.discard(new)
        if not self._wake.is_set():
            self._wake.set()
        return True

    @staticmethod
    def _shown(items: list[HistoryItem], hidden: set[tuple[str, str]]) -> list[HistoryItem]:
        """`items` but those redacted whose deletion was not committed yet. `hidden` is
        copied before the database is read: a deletion committed after the copy is
        still in it, one committed before is already out of what the read finds."""
        if not hidden:
            return items
        return [i for i in items if (i.conversation, i.msgid) not in hidden]

    def _retain(self, db: sqlite3.Connection, touched: set[str]) -> None:
        keep = self.policy.max_per_target
        if keep > 0:
            for conversation in touched:
                db.execute(
                    "DELETE FROM history WHERE conversation = ? AND id <= (SELECT id FROM history"
                    " WHERE conversation = ? ORDER BY id DESC LIMIT 1 OFFSET ?)",
                    (conversation, conversation, keep),
                )
        total = self.policy.max_messages
        if total > 0:  # by id, the insertion order: a seek in the primary key, no count
            db.execute(
                "DELETE FROM history WHERE id <= (SELECT max(id) FROM history) - ?", (total,)
            )
        now = time.time()
        if now - self._last_prune <= PRUNE_INTERVAL:
            return
        self._last_prune = now
        days = self.policy.max_age_days
        if days > 0:
            db.execute("DELETE FROM history WHERE time < ?", (now - days * 86400,))
        # Stays that ended before the oldest line kept open nothing any more: without
        # this, joining and leaving over and over would grow the table for good.
        db.execute("DELETE FROM channel_members WHERE left < (SELECT min(time) FROM history)")

    def between(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        moved = self._moved.get(conversation) if self._moved else None
        items = self._between(conversation, after, before, limit, newest, reader)
        if moved is None:
            return items
        olds, name = moved  # renamed, not yet written so: its lines are under each name
        for old in olds:
            items += [
                replace(i, conversation=conversation, target=name)
                for i in self._between(old, after, before, limit, newest, reader)
                if i.incarnation is not None
            ]
        return _kept({i.msgid: i for i in items}.values(), limit, newest)

    def _between(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        if limit <= 0 or conversation in self._empty:
            return []
        # The queue first: an item committed between the two looks is then in
        # the database or in this copy, never in neither.
        channel = is_channel(conversation)
        with self._lock:
            version, said = self._version, self._said
            recent = self._uncommitted.between(conversation, after, before, limit, newest, reader)
            hidden = set(self._hidden)
            # Whether no message for anyone waits in the queue (not only none for this
            # reader): then one with none in the database too is silent.
            unsaid = (
                channel
                and conversation not in self._silent
                and conversation not in self._moved
                and conversation not in self._queued_said
            )
        if channel:
            items = self._channel_items(conversation, after, before, limit, newest, reader)
        else:
            items = self._private_items(conversation, after, before, limit, newest, reader)
        if unsaid and not any(i.message for i in items) and not self._said_in(conversation):
            self._found_silent(conversation, said)
        if (
            not items
            and not recent
            and after <= 0
            and before > time.time()
            and is_channel(conversation)
            and not self._readers.get()
            .execute(  # (nothing this reader may see is not nothing)
                "SELECT 1 FROM history WHERE conversation = ? LIMIT 1", (conversation,)
            )
            .fetchone()
        ):
            self._found_empty(conversation, version)
        if recent:  # the queue is newer than the database; an item may be in both briefly
            seen = {i.msgid for i in recent}
            items = _kept([i for i in items if i.msgid not in seen] + recent, limit, newest)
        return self._shown(items, hidden)

    def _found_empty(self, conversation: str, version: int) -> None:
        """Remember that `conversation` has no history, unless something was appended
        or changed since the read began (on a worker thread, the loop goes on)."""
        with self._lock:
            if self._version != version:
                return
            if len(self._empty) >= EMPTY_REMEMBERED:
                self._empty.clear()
            self._empty.add(conversation)  # nothing ever said there (a DM's depends on who asks)

    def _said_in(self, conversation: str) -> bool:
        """Whether the database holds a PRIVMSG or NOTICE of the channel, whoever may
        read it (a range of history_by_kind for each value of `public`)."""
        return bool(
            self._readers.get()
            .execute(
                "SELECT 1 FROM history WHERE conversation = ? AND public IN (0, 1)"
                " AND kind = 0 LIMIT 1",
                (conversation,),
            )
            .fetchone()
        )

    def _found_silent(self, conversation: str, said: int) -> None:
        """Remember that the channel holds no message, unless one was appended or a
        rename made since the read began (it runs on a worker thread)."""
        with self._lock:
            if self._said != said:
                return
            if len(self._silent) >= EMPTY_REMEMBERED:
                self._silent.clear()
            self._silent.add(conversation)

    def silent(self, conversation: str) -> bool:
        return conversation in self._silent

    def _private_items(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        """A private conversation's lines on the reader's side, oldest first: for each
        side (sent, received) and identity (account, connection), a range of an index
        (schema.py), so that a later holder of a nick reads nothing at the cost of
        nothing, whatever the conversation's length."""
        db = self._readers.get()
        order = "DESC" if newest else "ASC"
        found: dict[str, HistoryItem] = {}
        for side, identity in _SIDES:
            for who in {reader.account, reader.uid} - {None}:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM history WHERE conversation = ?"
                    f" AND incarnation IS NULL AND {identity} = ? AND time > ? AND time < ?"
                    f" AND {side} = ? AND (? OR kind = 0) ORDER BY time {order}, id {order}"
                    " LIMIT ?",
                    (conversation, who, after, before, reader.nick, reader.events, limit),
                ).fetchall()
                for item in map(_row, rows):
                    found.setdefault(item.msgid, item)
        return _kept(found.values(), limit, newest)

    def _channel_items(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        """A channel's lines this reader may see, oldest first, in steps that each cost
        at most `limit` rows read: the public ones, then those of each of the reader's
        stays in time order, until no later stay can change the answer. (One query
        filtering every line would read all of a busy secret channel for a newcomer.)"""
        db = self._readers.get()
        order = "DESC" if newest else "ASC"
        kinds = (0, 1) if reader.events else (0,)  # each kind a range of the index
        found: dict[str, HistoryItem] = {}
        for kind in kinds:
            rows = db.execute(
                f"SELECT {_COLUMNS} FROM history WHERE conversation = ? AND public = 1"
                f" AND kind = ? AND time > ? AND time < ? ORDER BY time {order}, id {order}"
                " LIMIT ?",
                (conversation, kind, after, before, limit),
            ).fetchall()
            for item in map(_row, rows):
                found.setdefault(item.msgid, item)
        stays = list(reader.windows)
        if reader.account is not None:
            stays.extend(
                db.execute(
                    "SELECT incarnation, joined, left FROM channel_members WHERE account = ?"
                    " AND channel = ? AND joined < ? AND left > ?"
                    f" ORDER BY joined {order} LIMIT ?",
                    (reader.account, conversation, before, after, MAX_STAYS),
                ).fetchall()
            )
        spans = [(i, max(lo, after), min(hi, before)) for i, lo, hi in stays if lo < before]
        spans.sort(key=lambda span: span[2] if newest else span[1], reverse=newest)
        for incarnation, low, high in spans:
            if low >= high:
                continue
            if len(found) >= limit:  # would this stay's lines be among the `limit` kept?
                times = sorted(item.time for item in found.values())
                if (high <= times[-limit]) if newest else (low >= times[limit - 1]):
                    break
            for kind in kinds:
                rows = db.execute(
                    f"SELECT {_COLUMNS} FROM history WHERE conversation = ? AND public = 0"
                    " AND kind = ? AND incarnation = ? AND time > ? AND time <= ? AND time < ?"
                    f" ORDER BY time {order}, id {order} LIMIT ?",
                    (conversation, kind, incarnation, low, high, before, limit),
                ).fetchall()
                for item in map(_row, rows):
                    found.setdefault(item.msgid, item)
        return _kept(found.values(), limit, newest)

    def find(self, conversation: str, msgid: str, reader: Reader) -> HistoryItem | None:
        found = self._find(conversation, msgid, reader)
        moved = self._moved.get(conversation) if found is None and self._moved else None
        if moved is None:
            return found
        for old in moved[0]:  # (renamed, not yet written so)
            found = self._find(old, msgid, reader)
            if found is not None and found.incarnation is not None:
                return replace(found, conversation=conversation, target=moved[1])
        return None

    def _find(self, conversation: str, msgid: str, reader: Reader) -> HistoryItem | None:
        with self._lock:
            if (conversation, msgid) in self._hidden:
                return None
            recent = self._uncommitted.find(conversation, msgid, reader)
        if recent is not None:
            return recent
        row = (
            self._readers.get()
            .execute(
                # (`+conversation`: looked up by msgid, not through the whole conversation)
                f"SELECT {_COLUMNS} FROM history WHERE +conversation = ? AND msgid = ?{_VISIBLE}",
                (conversation, msgid, *_visible_args(reader)),
            )
            .fetchone()
        )
        return _row(row) if row else None

    def search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        """The index's matches (sqlite_search.py) and the queue's, less those redacted;
        a channel renamed but not yet written so is searched under its old names too,
        its lines found there shown under the new one."""
        with self._lock:  # (the loop changes it)
            moved = list(self._moved.items())
        renamed = {old: (new, name) for new, (olds, name) in moved for old in olds}
        if not renamed:
            return self._search(query, scope, seconds)
        mine = scope.channels
        olds = [old for old in renamed if renamed[old][0] in mine]
        wider = replace(scope, channels=(*mine, *olds))
        items = self._search(query, wider, seconds)
        for old in olds:
            if query.target == renamed[old][0]:
                items += self._search(replace(query, target=old), wider, seconds)
        shown = [
            replace(i, conversation=renamed[i.conversation][0], target=renamed[i.conversation][1])
            if i.conversation in renamed and i.incarnation is not None
            else i
            for i in items
        ]  # (a channel made since under an old name is another: its members find none of it)
        kept = [i for i in shown if " " in i.conversation or i.conversation in mine]
        return newest_kept(kept, query)

    def _search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        with self._lock:  # (copied, then looked through without holding the writer up)
            queued = list(self._uncommitted.items)
            hidden = set(self._hidden)
        recent = [i for i in queued if selected(query, i) and may_find(scope, i)]
        db = self._readers.get()
        items = [_row(r) for r in search_rows(db, _COLUMNS, query, scope, seconds)]
        return self._shown(newest_kept(items + recent, query), hidden)

    def conversations(
        self, reader: Reader, after: float, before: float, limit: int
    ) -> list[tuple[str, float]]:
        with self._lock:
            queued = self._uncommitted
            recent = queued.conversations(reader, 0.0, float("inf"), len(queued.items))
        # The reader's own sides only, each a range of an index (schema.py), as
        # _private_items reads them: never a scan of everyone's history.
        latest: dict[str, float] = {}
        for side, identity in _SIDES:
            for who in {reader.account, reader.uid} - {None}:
                rows = (
                    self._readers.get()
                    .execute(
                        f"SELECT conversation, MAX(time) FROM history WHERE {identity} = ?"
                        f" AND incarnation IS NULL AND {side} = ? GROUP BY conversation",
                        (who, reader.nick),
                    )
                    .fetchall()
                )
                for conversation, when in rows:
                    latest[str(conversation)] = max(float(when), latest.get(str(conversation), 0.0))
        for conversation, when in recent:
            latest[conversation] = max(when, latest.get(conversation, 0.0))
        found = [(c, t) for c, t in latest.items() if after < t < before]
        return sorted(found, key=lambda kv: kv[1])[:limit]

    def missed(self, account: str, since: float, limit: int) -> list[HistoryItem]:
        with self._lock:
            recent = self._uncommitted.missed(account, since, limit)
            hidden = set(self._hidden)
        rows = (
            self._readers.get()
            .execute(
                f"SELECT {_COLUMNS} FROM history WHERE recipient_account = ? AND time > ?"
                " ORDER BY time, id LIMIT ?",
                (account, since, limit),
            )
            .fetchall()
        )
        items = [_row(r) for r in rows]
        seen = {i.msgid for i in items}
        kept = _kept(items + [i for i in recent if i.msgid not in seen], limit, False)
        return self._shown(kept, hidden)

    def save_windows(self, windows: list[Window]) -> None:
        rows = [(w.channel, w.incarnation, w.account, w.joined, w.left) for w in windows]
        db = self._db
        db.execute("BEGIN")
        try:
            db.executemany("INSERT OR IGNORE INTO channel_members VALUES (?, ?, ?, ?, ?)", rows)
        except BaseException:
            db.execute("ROLLBACK")
            raise
        db.execute("COMMIT")

    def forget_account(self, account: str) -> None:
        with self._lock:
            self._uncommitted.forget_account(account)
        self.flush()  # what the writer holds now is on the disk: detached below
        for column, uid in (("account", "sender_uid"), ("recipient_account", "recipient_uid")):
            self._db.execute(  # (the coalesce: an index of schema.py's)
                f"UPDATE history SET {column} = NULL, {uid} = NULL WHERE {column} = ?"
                f" AND coalesce({column}, {uid}) = ? AND incarnation IS NULL",
                (account, account),
            )

    def flush(self, timeout: float = 5.0) -> bool:
        """Wait until everything appended so far is committed, or its write failed (tests,
        a cluster snapshot); False if `timeout` passed first."""
        done = threading.Event()
        self._urge(flush=done)
        return done.wait(timeout)

    def close(self) -> None:
        self._urge(stop=True)
        self._thread.join(timeout=10)
        self._readers.close()
        self._db.close()
