"""The store's side of docs/privacy.md: who reads stored lines, and what deleting an
account takes with it, on real SQLite files."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import TypeVar

from parley.server.store import schema
from parley.server.store.accounts import MemoryAccountStore, Presence, SqliteAccountStore
from parley.server.store.history import HistoryItem, MemoryHistory, Reader, Window
from parley.server.store.sqlite_history import MAX_STAYS, SqliteHistory

FOREVER = 1e12


T = TypeVar("T")


def line(
    msgid: str, when: float, target: str, sender: str = "alice", **fields: object
) -> HistoryItem:
    """A stored line from `sender` (with the account of that name unless told) to `target`."""
    conversation = target.lower() if target.startswith("#") else " ".join(sorted((sender, target)))
    values: dict[str, object] = {"account": sender, **fields}
    source = f"{sender}!u@h"
    return HistoryItem(
        msgid, when, conversation, target, source, command="PRIVMSG", text=msgid, **values
    )  # type: ignore[arg-type]


def texts(store: SqliteHistory | MemoryHistory, conversation: str, reader: Reader) -> list[str]:
    return [i.text for i in store.between(conversation, 0.0, FOREVER, 100, False, reader)]


def test_lines_stored_before_the_rule_are_read_by_no_one(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    old = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:7]:
        for statement in schema.statements(script):
            old.execute(statement)
    old.execute(
        "INSERT INTO history (msgid, time, conversation, target, source, account, command,"
        " text, tags, sender, recipient) VALUES ('m1', 1.0, '#vault', '#vault', 'a!a@h',"
        " NULL, 'PRIVMSG', 'old secret', '[]', 'a', '#vault')"
    )
    old.execute("PRAGMA user_version=7")
    old.commit()
    old.close()
    history = SqliteHistory(path)
    try:
        assert texts(history, "#vault", Reader("bob", "bob", "u1")) == []
        assert texts(history, "#vault", Reader("a", None, "u2", (("x", 0.0, FOREVER),))) == []
    finally:
        history.close()


def test_a_line_is_read_by_the_public_or_by_members_of_its_incarnation(tmp_path: Path) -> None:
    accounts = SqliteAccountStore(tmp_path / "parley.db")
    accounts.create("bob", "$argon2id$x")  # (stays are kept for existing accounts only)
    history = SqliteHistory(tmp_path / "parley.db")
    memory = MemoryHistory()
    try:
        for store in (history, memory):
            store.append(line("open", 10.0, "#vault", incarnation="i1", public=True))
            store.append(line("closed", 11.0, "#vault", incarnation="i1"))
            store.append(line("later", 13.0, "#vault", incarnation="i1"))
            store.append(line("anew", 14.0, "#vault", incarnation="i2"))
            store.save_windows([Window("#vault", "i1", "bob", 10.5, 12.0)])
        history.flush()
        for store in (history, memory):
            stranger = Reader("eve", None, "u-eve")
            assert texts(store, "#vault", stranger) == ["open"]
            bob = Reader("bob", "bob", "u-bob")  # his saved stay: 10.5 < time <= 12
            assert texts(store, "#vault", bob) == ["open", "closed"]
            recreator = Reader("mal", "mal", "u-mal", (("i2", 13.5, FOREVER),))
            assert texts(store, "#vault", recreator) == ["open", "anew"]
            staying = Reader("ann", None, "u-ann", (("i1", 11.0, FOREVER),))
            assert texts(store, "#vault", staying) == ["open", "later"]  # joined after "closed"
    finally:
        history.close()
        accounts.close()


def test_private_lines_without_accounts_belong_to_the_connection(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "parley.db")
    try:
        history.append(line("hi", 1.0, "bob", account=None, sender_uid="u1", recipient_uid="u2"))
        history.flush()
        assert texts(history, "alice bob", Reader("alice", None, "u1")) == ["hi"]
        assert texts(history, "alice bob", Reader("alice", None, "u9")) == []  # the nick's next
        assert texts(history, "alice bob", Reader("bob", None, "u2")) == ["hi"]
        assert texts(history, "alice bob", Reader("alice", "alice", "u1")) == ["hi"]  # logged in
        assert texts(history, "alice bob", Reader("alice", "alice", "u7")) == []
    finally:
        history.close()


def test_deleting_an_account_takes_what_it_left_and_what_lands_after(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    history = SqliteHistory(path)
    try:
        accounts.create("alice", "$argon2id$x")
        accounts.create("bob", "$argon2id$y")
        history.append(line("to bob", 1.0, "bob", recipient_account="bob"))
        history.append(line("to alice", 2.0, "alice", "bob", recipient_account="alice"))
        history.append(line("in vault", 3.0, "#vault", incarnation="i1"))
        history.flush()
        history.save_windows([Window("#vault", "i1", "alice", 0.0, 5.0)])
        accounts.save_presence({"alice": Presence(("#vault",), 5.0)})
        assert accounts.delete("alice")
        [gone] = accounts.deletions(0)
        assert gone.name == "alice" and accounts.deletions(gone.serial) == []
        history.append(line("late", 6.0, "bob", recipient_account="bob"))  # landing after
        history.forget_account("alice")  # (the server, noticing the deletion)
        history.save_windows([Window("#vault", "i1", "alice", 5.0, 7.0)])
        accounts.save_presence({"alice": Presence(("#vault",), 8.0)})
        accounts.create("alice", "$argon2id$new owner")
        heir = Reader("alice", "alice", "u-new")
        assert texts(history, "alice bob", heir) == []
        assert texts(history, "#vault", heir) == []
        assert history.missed("alice", 0.0, 10) == []
        assert accounts.presence("alice") is None
        bob = Reader("bob", "bob", "u-bob")  # bob's side stays his
        assert texts(history, "alice bob", bob) == ["to bob", "to alice", "late"]
    finally:
        history.close()
        accounts.close()


def test_memory_stores_forget_a_deleted_account_too() -> None:
    accounts = MemoryAccountStore()
    history = MemoryHistory()
    accounts.create("alice", "$argon2id$x")
    accounts.save_presence({"alice": Presence(("#vault",), 5.0)})
    history.append(line("to bob", 1.0, "bob", recipient_account="bob"))
    history.save_windows([Window("#vault", "i1", "alice", 0.0, 5.0)])
    assert accounts.delete("alice")
    history.forget_account("alice")
    accounts.save_presence({"alice": Presence(("#vault",), 8.0)})
    accounts.create("alice", "$argon2id$new owner")
    assert accounts.presence("alice") is None
    assert [d.name for d in accounts.deletions(0)] == ["alice"]
    assert texts(history, "alice bob", Reader("alice", "alice", "u-new")) == []
    assert history.windows == []


def test_an_account_with_many_stays_reads_exactly_the_lines_within_them(tmp_path: Path) -> None:
    """Stays never overlap: the last one begun before a line decides, found by the index."""
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    accounts.create("bob", "$argon2id$x")
    history = SqliteHistory(path)
    try:
        # bob in #vault during [10k + 1, 10k + 5] for k < 500; a closed line every 2.5 s
        history.save_windows(
            [Window("#vault", "i1", "bob", 10.0 * k + 1, 10.0 * k + 5) for k in range(500)]
        )
        for n in range(2000):
            history.append(line(f"m{n}", 2.5 * n + 0.5, "#vault", incarnation="i1"))
        history.flush()
        bob = Reader("bob", "bob", "u-bob")
        got = texts(history, "#vault", bob)  # the first 100 he may read
        expected = [f"m{n}" for n in range(2000) if 1 < (2.5 * n + 0.5) % 10 <= 5][:100]
        assert got == expected
        assert texts(history, "#vault", Reader("eve", "eve", "u-eve")) == []
    finally:
        history.close()
        accounts.close()


def vm_steps(history: SqliteHistory, read: Callable[[], T]) -> tuple[T, int]:
    """What `read` gives, and the SQLite VM steps it cost on this thread's reader."""
    steps = [0]

    def count() -> int:
        steps[0] += 1
        return 0

    db = history._readers.get()  # (this thread's, which `read` uses)
    db.set_progress_handler(count, 100)  # one call per 100 instructions
    try:
        return read(), steps[0]
    finally:
        db.set_progress_handler(None, 0)


def read_steps(history: SqliteHistory, reader: Reader) -> tuple[list[str], int]:
    """What LATEST 100 of #vault gives `reader`, and the SQLite VM steps it cost."""
    return vm_steps(
        history,
        lambda: [i.text for i in history.between("#vault", 0.0, FOREVER, 100, True, reader)],
    )


def test_a_newcomer_to_a_busy_secret_channel_costs_what_they_may_read(tmp_path: Path) -> None:
    """Not a scan of every line they may not: the cost does not grow with the channel."""
    costs = []
    for size in (1_000, 20_000):
        history = SqliteHistory(tmp_path / f"{size}.db")
        try:
            history.append(line("public", 1.0, "#vault", incarnation="i1", public=True))
            for n in range(size):
                history.append(line(f"closed{n}", 2.0 + n, "#vault", incarnation="i1"))
                if n % 5000 == 4999:
                    history.flush()  # within the writer's queue: nothing is dropped
            history.flush()
            newcomer = Reader("eve", None, "u-eve", (("i1", 1.0e6, FOREVER),))
            got, steps = read_steps(history, newcomer)
            assert got == ["public"]
            member = Reader("bob", None, "u-bob", (("i1", 0.0, FOREVER),))
            texts_, member_steps = read_steps(history, member)
            assert texts_ == [f"closed{n}" for n in range(size - 100, size)]
            costs.append((steps, member_steps))
        finally:
            history.close()
    (small, small_member), (big, big_member) = costs
    assert big <= small + 50 and big_member <= small_member + 50, costs


def test_a_later_holder_of_a_nick_costs_nothing_to_turn_away(tmp_path: Path) -> None:
    """Reading one's side of a conversation does not read the other side's lines."""
    costs = []
    for size in (1_000, 20_000):
        history = SqliteHistory(tmp_path / f"{size}.db")
        try:
            for n in range(size):
                sent = line(f"m{n}", 1.0 + n, "bob", account=None, sender_uid="u-old")
                history.append(sent)
                if n % 5000 == 4999:
                    history.flush()  # within the writer's queue: nothing is dropped
            history.flush()
            later = Reader("alice", None, "u-new")
            read = partial(history.between, "alice bob", 0.0, FOREVER, 100, True, later)
            got, steps = vm_steps(history, read)
            assert got == []
            old = Reader("alice", None, "u-old")
            assert texts(history, "alice bob", old) == [f"m{n}" for n in range(100)]
            costs.append(steps)
        finally:
            history.close()
    assert costs[1] <= costs[0] + 50, costs


def test_joining_and_leaving_over_and_over_does_not_slow_a_read(tmp_path: Path) -> None:
    """Each stay costs a query: a read looks through the latest MAX_STAYS of them only."""
    costs = []
    for stays in (MAX_STAYS, 20 * MAX_STAYS):
        path = tmp_path / f"{stays}.db"
        accounts = SqliteAccountStore(path)
        accounts.create("ann", "$argon2id$hash")
        history = SqliteHistory(path)
        try:
            history.save_windows(
                [Window("#vault", "i1", "ann", 10.0 + 2 * n, 11.0 + 2 * n) for n in range(stays)]
            )
            last = 10.0 + 2 * stays
            history.append(line("early", 10.5, "#vault", incarnation="i1"))  # in the first stay
            history.append(line("latest", last - 1.5, "#vault", incarnation="i1"))  # the last
            history.flush()
            ann = Reader("ann", "ann", "u-ann")
            got, steps = read_steps(history, ann)
            costs.append(steps)
            assert "latest" in got
            assert ("early" in got) == (stays <= MAX_STAYS)
        finally:
            history.close()
            accounts.close()
    small, big = costs
    assert big <= small + 50, costs


def test_listing_ones_private_conversations_reads_only_ones_own_lines(tmp_path: Path) -> None:
    """CHATHISTORY TARGETS runs on the event loop: its cost must not grow with the
    traffic of everyone else (it was a scan of the whole history by nick pattern)."""
    costs = []
    for size in (1_000, 20_000):
        history = SqliteHistory(tmp_path / f"{size}.db")
        try:
            history.append(line("hi", 1.0, "bob", sender="ann", account=None, sender_uid="u-ann"))
            for n in range(size):
                history.append(line(f"c{n}", 2.0 + n, "#busy", incarnation="i1", public=True))
                if n % 5000 == 4999:
                    history.flush()  # within the writer's queue: nothing is dropped
            history.flush()
            ann, other = Reader("ann", None, "u-ann"), Reader("ann", None, "u-other")
            found, steps = vm_steps(history, partial(history.conversations, ann, 0.0, FOREVER, 100))
            nobody = history.conversations(other, 0.0, FOREVER, 100)
            assert found == [("ann bob", 1.0)]
            assert nobody == []  # a later holder of the nick lists nothing
            costs.append(steps)
        finally:
            history.close()
    small, big = costs
    assert big <= small + 50, costs


def test_stays_that_ended_before_every_kept_line_are_pruned(tmp_path: Path) -> None:
    """Joining and leaving over and over must not grow channel_members for good."""
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    accounts.create("ann", "$argon2id$hash")
    history = SqliteHistory(path)
    try:
        history.save_windows(
            [Window("#vault", "i1", "ann", 1.0 + n, 1.5 + n) for n in range(50)]  # long gone
            + [Window("#vault", "i1", "ann", 90.0, 200.0)]  # around the line kept
        )
        history.append(line("kept", 100.0, "#vault", incarnation="i1"))
        history.flush()  # the writer's first batch applies the retention policy
        rows = sqlite3.connect(path).execute("SELECT joined, left FROM channel_members")
        assert rows.fetchall() == [(90.0, 200.0)]
        assert texts(history, "#vault", Reader("ann", "ann", "u-ann")) == ["kept"]
    finally:
        history.close()
        accounts.close()
