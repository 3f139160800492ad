"""Searching stored history (FTS5) on real SQLite files: the index stays in step with
what is stored, an older database is indexed as it is upgraded, and a search finds
only what its searcher may read (docs/privacy.md)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from parley.server.config import HistoryPolicy
from parley.server.passwords import hash_password
from parley.server.store import schema
from parley.server.store.accounts import SqliteAccountStore
from parley.server.store.history import HistoryItem, MemoryHistory, Reader, Window
from parley.server.store.search import Scope, SearchQuery, words_of
from parley.server.store.sqlite_history import SqliteHistory
from parley.server.store.sqlite_search import SearchTimeout

FTS = next(i for i, script in enumerate(schema.MIGRATIONS) if "history_text" in script)


def line(msgid: str, when: float, target: str, text: str, sender: str = "alice",
         **fields: object) -> HistoryItem:  # fmt: skip
    """A line from `sender` (logged into the account of that name unless told)."""
    channel = target.startswith("#")
    conversation = target.lower() if channel else " ".join(sorted((sender, target.lower())))
    values: dict[str, object] = {"account": sender, **fields}
    if channel:
        values.setdefault("incarnation", "i1")
        values.setdefault("public", True)
    return HistoryItem(
        msgid, when, conversation, target, f"{sender}!u@h", command="PRIVMSG", text=text,
        **values,
    )  # type: ignore[arg-type]  # fmt: skip


def scope(nick: str, channels: tuple[str, ...] = ("#tea",), account: str | None = "",
          windows: tuple[tuple[str, float, float], ...] = ()) -> Scope:  # fmt: skip
    """A searcher in `channels`, logged into the account of its nick unless told."""
    return Scope(channels, Reader(nick, nick if account == "" else account, f"uid.{nick}", windows))


def search(
    store: SqliteHistory | MemoryHistory, who: Scope, text: str = "", **kw: object
) -> list[str]:
    query = SearchQuery(words_of(text, 8, 300), **kw)  # type: ignore[arg-type]
    return [i.msgid for i in store.search(query, who, 5.0)]


@pytest.fixture
def store(tmp_path: Path) -> SqliteHistory:
    history = SqliteHistory(tmp_path / "parley.db")
    yield history  # type: ignore[misc]
    history.close()


def index_is_sound(path: Path) -> None:
    db = sqlite3.connect(path)
    db.execute("INSERT INTO history_text (history_text) VALUES ('integrity-check')")
    db.close()


def test_lines_stored_before_the_index_are_found(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    old = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:FTS]:
        for statement in schema.statements(script):
            old.execute(statement)
    columns = ("msgid, time, conversation, target, source, account, command, text, tags, sender,"
               " recipient, recipient_account, incarnation, public, kind")  # fmt: skip
    rows = [
        ("m1", 1.0, "#tea", "#tea", "alice!u@h", "alice", "PRIVMSG", "the old kettle", "[]",
         "alice", "#tea", None, "i0", 1, 0),
        ("m2", 2.0, "alice bob", "bob", "alice!u@h", "alice", "PRIVMSG", "kettle for bob", "[]",
         "alice", "bob", "bob", None, 0, 0),
        ("m3", 3.0, "#tea", "#tea", "alice!u@h", "alice", "TOPIC", '["kettle"]', "[]",
         "alice", "#tea", None, "i0", 1, 1),
    ]  # fmt: skip
    old.executemany(f"INSERT INTO history ({columns}) VALUES ({', '.join('?' * 15)})", rows)
    old.execute(f"PRAGMA user_version={FTS}")
    old.commit()
    old.close()
    history = SqliteHistory(path)
    try:
        assert search(history, scope("bob"), "kettle") == ["m1", "m2"]  # not the TOPIC event
        assert search(history, scope("carol"), "kettle") == ["m1"]
        history.append(line("m4", 4.0, "#tea", "a new kettle"))
        history.flush()
        assert search(history, scope("carol"), "kettle") == ["m1", "m4"]
    finally:
        history.close()
    index_is_sound(path)


def test_redacted_lines_are_never_found(store: SqliteHistory) -> None:
    store.append(line("m1", 1.0, "#tea", "secret plans"))
    store.append(line("m2", 2.0, "#tea", "public plans"))
    store.flush()
    store.redact("#tea", "m1")
    assert search(store, scope("bob"), "plans") == ["m2"]  # hidden at once...
    store.flush()
    assert search(store, scope("bob"), "plans") == ["m2"]  # ...and gone from the index
    store.append(line("m3", 3.0, "#tea", "more plans"))
    store.redact("#tea", "m3")  # redacted before it was ever written
    assert search(store, scope("bob"), "plans") == ["m2"]
    store.flush()
    assert search(store, scope("bob"), "plans") == ["m2"]
    index_is_sound(store.path)


def test_expired_and_trimmed_lines_leave_the_index(tmp_path: Path) -> None:
    history = SqliteHistory(tmp_path / "parley.db", HistoryPolicy(max_per_target=2, max_age_days=1))
    try:
        history.append(line("old", 1000.0, "#tea", "tea time"))  # older than a day: expires
        for n in range(4):
            history.append(line(f"m{n}", 2e9 + n, "#tea", f"tea {n}"))
        history.flush()
        assert search(history, scope("bob"), "tea") == ["m2", "m3"]
        count = sqlite3.connect(history.path).execute(
            "SELECT count(*) FROM history_text WHERE history_text MATCH 'tea'"
        )
        assert count.fetchone() == (2,)
    finally:
        history.close()
    index_is_sound(tmp_path / "parley.db")


def test_a_deleted_account_leaves_nothing_to_the_next_owner_of_its_name(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    accounts = SqliteAccountStore(path)
    history = SqliteHistory(path)
    try:
        accounts.create("alice", hash_password("wonderland1"))
        history.append(line("m1", 1.0, "bob", "our secret", recipient_account="bob"))
        history.flush()
        assert search(history, scope("alice"), "secret") == ["m1"]
        accounts.delete("alice")
        history.forget_account("alice")
        accounts.create("alice", hash_password("another-pw1"))
        assert search(history, scope("alice"), "secret") == []
        assert search(history, scope("bob"), "secret") == ["m1"]  # bob keeps his side
    finally:
        history.close()
        accounts.close()


@pytest.mark.parametrize("kind", ["sqlite", "memory"])
def test_only_what_the_searcher_may_read(tmp_path: Path, kind: str) -> None:
    store: SqliteHistory | MemoryHistory = (
        SqliteHistory(tmp_path / "parley.db") if kind == "sqlite" else MemoryHistory()
    )
    try:
        store.append(line("pub", 1.0, "#tea", "apple pie"))
        store.append(line("vault", 2.0, "#vault", "apple vault"))  # a channel bob is not in
        store.append(line("before", 3.0, "#den", "apple before", public=False, incarnation="d1"))
        store.append(line("during", 5.0, "#den", "apple during", public=False, incarnation="d1"))
        store.append(line("earlier", 6.0, "#den", "apple earlier life", public=False,
                          incarnation="d0"))  # fmt: skip
        store.append(line("dm", 7.0, "carol", "apple for carol", recipient_account="carol"))
        store.append(line("mine", 8.0, "bob", "apple for bob", recipient_account="bob"))
        store.append(line("anon", 9.0, "dave", "apple anon", account=None, sender_uid="uid.x",
                          recipient_uid="uid.dave"))  # fmt: skip
        if isinstance(store, SqliteHistory):
            store.flush()
        bob = scope("bob", ("#tea", "#den"), windows=(("d1", 4.0, 1e12),))
        assert search(store, bob, "apple") == ["pub", "during", "mine"]
        assert search(store, scope("mallory", ("#tea", "#den")), "apple") == ["pub"]
        assert search(store, scope("carol", ()), "apple") == ["dm"]
        assert search(store, scope("alice", ("#vault",)), "apple") == ["vault", "dm", "mine"]
        assert search(store, scope("dave", (), account=None), "apple") == ["anon"]
        later = Scope((), Reader("dave", "dave", "uid.later"))  # a later holder of the nick
        assert search(store, later, "apple") == []
        # a stay saved for bob's account in the channel's earlier life
        if isinstance(store, SqliteHistory):  # (stays of no account are dropped as they land)
            accounts = SqliteAccountStore(store.path)
            accounts.create("bob", "x")
            accounts.close()
        store.save_windows([Window("#den", "d0", "bob", 5.5, 6.5)])
        assert search(store, bob, "apple") == ["pub", "during", "earlier", "mine"]
        # where, who, when, how many
        assert search(store, bob, "apple", target="#tea") == ["pub"]
        assert search(store, bob, "apple", target="alice") == ["mine"]
        assert search(store, bob, "", sender="alice", limit=2) == ["earlier", "mine"]
        assert search(store, bob, "apple", after=5.0, limit=1, oldest=True) == ["during"]
        assert search(store, bob, "apple", before=5.0) == ["pub", "during"]
    finally:
        store.close()


def test_a_search_that_runs_too_long_is_stopped(store: SqliteHistory) -> None:
    for n in range(20_000):
        store.append(line(f"m{n}", 1.0 + n, "#vault", "needle in the haystack"))
    store.flush(timeout=30)
    query = SearchQuery(words_of("needle", 8, 300))
    with pytest.raises(SearchTimeout):
        store.search(query, scope("bob"), 0.0)  # not in #vault: every match is looked at
    assert len(store.search(query, scope("bob", ("#vault",)), 5.0)) == 50


def test_a_renamed_channel_is_found_under_its_new_name_at_once(store: SqliteHistory) -> None:
    store.append(line("m1", 1.0, "#old", "kettle one"))
    store.flush()
    store.append(line("m2", 2.0, "#old", "kettle two"))  # on its way to the disk
    assert store.rename("#old", "#mid", "#Mid") and store.rename("#mid", "#new", "#New")
    store.append(line("m3", 3.0, "#new", "kettle three"))
    for _ in range(2):  # before the writer has run, and after
        bob = scope("bob", ("#new",))
        query = SearchQuery(words_of("kettle", 8, 300), target="#new")
        shown = [(i.msgid, i.target, i.conversation) for i in store.search(query, bob, 5.0)]
        assert shown == [("m1", "#New", "#new"), ("m2", "#New", "#new"), ("m3", "#new", "#new")]
        assert search(store, bob, "kettle") == ["m1", "m2", "m3"]
        assert search(store, scope("bob", ("#old",)), "kettle") == []
        store.flush()
