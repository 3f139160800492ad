"""Store replication between two nodes, with no network: node A's writes, made through
the wrappers the core is given, are collected as the link would get them, carried
through the codec, and applied to node B's own stores; B then answers every read as
A does. Real SQLite files in two data dirs (and the in-memory stores, likewise)."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.irc.casemap import fold
from parley.server.cluster import codec
from parley.server.cluster.shapes import RecordError
from parley.server.cluster.stores import WRITES, Replication, Stores, apply_record
from parley.server.core.stores import Ban
from parley.server.passwords import credentials, verify_password
from parley.server.store import schema
from parley.server.store.accounts import (
    AccountExists,
    MemoryAccountStore,
    Presence,
    SqliteAccountStore,
)
from parley.server.store.bans import MemoryBanStore, SqliteBanStore
from parley.server.store.history import HistoryItem, MemoryHistory, Reader, Window
from parley.server.store.markers import MemoryReadMarkers, SqliteReadMarkers
from parley.server.store.metadata import MemoryMetadataStore, SqliteMetadataStore
from parley.server.store.registrations import MemoryRegistrations, Registration, SqliteRegistrations
from parley.server.store.search import Scope, SearchQuery, words_of
from parley.server.store.sqlite_history import SqliteHistory
from parley.server.store.vhosts import MemoryVhostStore, SqliteVhostStore

FOREVER = 1e12
Record = tuple[str, str, tuple[Any, ...]]
Node = Callable[[str], Stores]


def sqlite_stores(path: Path) -> Stores:
    path.mkdir()
    db = path / "parley.db"
    return Stores(
        SqliteAccountStore(db), SqliteHistory(db), SqliteBanStore(db), SqliteVhostStore(db),
        SqliteMetadataStore(db), SqliteReadMarkers(db), SqliteRegistrations(db),
    )  # fmt: skip


def memory_stores(path: Path) -> Stores:
    return Stores(
        MemoryAccountStore(), MemoryHistory(), MemoryBanStore(), MemoryVhostStore(),
        MemoryMetadataStore(), MemoryReadMarkers(), MemoryRegistrations(),
    )  # fmt: skip


def close(stores: Stores) -> None:
    for store in vars_of(stores):
        closing = getattr(store, "close", None)
        if closing is not None:
            closing()


def vars_of(stores: Stores) -> list[object]:
    return [getattr(stores, name) for name in Stores.__slots__]


@pytest.fixture(params=["sqlite", "memory"])
def node(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Node]:
    """A maker of nodes' stores (each in a data dir of its own), closed at the end."""
    made: list[Stores] = []
    kind = sqlite_stores if request.param == "sqlite" else memory_stores

    def make(name: str) -> Stores:
        made.append(kind(tmp_path / name))
        return made[-1]

    yield make
    for stores in made:
        close(stores)


@pytest.fixture
def sqlite_node(tmp_path: Path) -> Iterator[Node]:
    made: list[Stores] = []

    def make(name: str) -> Stores:
        made.append(sqlite_stores(tmp_path / name))
        return made[-1]

    yield make
    for stores in made:
        close(stores)


def replication(stores: Stores) -> tuple[Replication, list[Record]]:
    """The node's stores wrapped, and the list its writes go to (as the link gets them)."""
    sent: list[Record] = []
    return Replication(stores, lambda store, method, args: sent.append((store, method, args))), sent


def ship(sent: list[Record], to: Replication) -> int:
    """Carry the records through the codec, as the stream does, and apply them: how many
    were applied (not skipped as already stored)."""
    raw = codec.dumps([["d", store, method, args] for store, method, args in sent])
    applied = 0
    for _, store, method, args in codec.loads(raw):
        applied += apply_record(to, store, method, args)
    return applied


def sweep(stores: Stores) -> None:
    """What each node's sweep does of itself on noticing an account deleted in its own
    store (core/deletion.py): its lines held in memory lose it, its markers go."""
    for deletion in stores.accounts.deletions(0):
        stores.history.forget_account(deletion.name)
        stores.markers.forget_markers(fold(deletion.name))


def settle(*nodes: Stores) -> None:
    """What the history writers hold is on the disk."""
    for stores in nodes:
        if isinstance(stores.history, SqliteHistory):
            stores.history.flush()


def line(msgid: str, when: float, target: str, sender: str, **fields: Any) -> HistoryItem:
    """A message from `sender` (logged into the account of that name unless told)."""
    if target.startswith("#"):
        conversation = target.lower()
    else:
        conversation = " ".join(sorted((sender.lower(), target.lower())))
    values: dict[str, Any] = {"account": sender, "text": f"hello {msgid}", **fields}
    return HistoryItem(msgid, when, conversation, target, f"{sender}!u@h", command="PRIVMSG",
                       **values)  # fmt: skip


ALICE_SECRET, BOB_SECRET = credentials("correct horse"), credentials("bob's secret")


def a_day_of_writes(r: Replication) -> None:
    """Every kind of write the core makes, as it makes them (through the wrappers)."""
    accounts, history = r.accounts, r.history
    accounts.create("Alice", *credentials("first password"))
    accounts.create("bob", *BOB_SECRET)
    accounts.create("carol", *BOB_SECRET)
    accounts.set_password("Alice", *ALICE_SECRET)
    accounts.set_history_opt_out("bob", True)
    accounts.set_multiclient("Alice", False)
    accounts.set_always_on("Alice", True)
    accounts.save_presence({"Alice": Presence(("#c", "#E"), 100.0), "bob": Presence((), 90.0)})
    accounts.save_always_on_use({"Alice": 120.0, "bob": None})
    history.append(line("m1", 10.0, "#c", "Alice", incarnation="i1", public=True))
    history.append(line("m2", 11.0, "#c", "bob", incarnation="i1"))  # members only
    history.append(line("m3", 12.0, "#c", "bob", incarnation="i1", tags=(("+draft/react", "x"),)))
    history.save_windows([Window("#c", "i1", "Alice", 10.5, 11.5)])
    history.append(line("m4", 13.0, "bob", "Alice", recipient_account="bob"))
    history.append(line("m5", 14.0, "Alice", "carol", recipient_account="Alice"))
    history.append(line("m6", 15.0, "#d", "Alice", incarnation="i2", public=True))
    history.append(line("m7", 16.0, "#d", "bob", incarnation="i2", public=True))
    quit_in = {"#c": "i1", "#d": "i2"}  # one QUIT, kept in each channel under one msgid
    for channel, incarnation in quit_in.items():
        history.append(
            HistoryItem("q1", 17.0, channel, channel, "bob!u@h", "bob", "QUIT", '["bye"]',
                        incarnation=incarnation, public=True)
        )  # fmt: skip
    history.redact("#d", "m7")
    history.rename("#d", "#e", "#E")
    accounts.delete("carol")
    sweep(r.local)
    r.bans.add(Ban("*!*@evil.example", "spam", "oper", 5.0, None))
    r.bans.add(Ban("192.0.2.0/24", "flood", "oper", 6.0, 1e11))
    r.bans.remove("192.0.2.0/24")
    r.vhosts.set("Alice", "alice.example")
    r.vhosts.set("bob", "bob.example")
    r.vhosts.set("bob", None)
    r.metadata.save("Alice", {"display-name": "Alice A.", "pronouns": "she/her"})
    r.metadata.save("Alice", {"pronouns": None})
    r.markers.save_markers({("alice", "#c"): 1000, ("alice", "bob"): 2000, ("bob", "#c"): 7})
    r.markers.save_markers({("alice", "#c"): 500, ("alice", "bob"): None})  # (never back)
    c = Registration("#c", "Alice", 1.0, "a topic", "Alice", 2.0, "ntk", "key", 10,
                     {"b": [("*!*@x", "Alice", 3.0)]}, {"bob": ("bob", "voice")})  # fmt: skip
    r.registrations.save(c)
    c.topic = "another topic"
    r.registrations.save(c)
    c.topic = "changed in memory, not saved"  # (what was sent is what was saved)
    d = Registration("#d", "Alice", 4.0)
    r.registrations.save(d)
    d.name = "#E"
    r.registrations.save(d, old="#d")
    gone = Registration("#gone", "bob", 5.0)
    r.registrations.save(gone)
    r.registrations.drop("#gone")


READERS = (
    Reader("alice", "Alice", "u1"),
    Reader("alice", "Alice", "u1", events=True),
    Reader("bob", "bob", "u2"),
    Reader("bob", "bob", "u2", (("i1", 0.0, FOREVER),), events=True),
    Reader("dave", None, "u3"),
)
CONVERSATIONS = ("#c", "#d", "#e", "alice bob", "alice carol")
NAMES = ("Alice", "bob", "carol")


def answers(s: Stores) -> dict[str, object]:
    """What the node's stores answer to every read the core makes of them."""
    found: dict[str, object] = {
        "names": s.accounts.names(),
        "always-on": sorted(s.accounts.always_on_accounts(), key=lambda a: a.name),
        "deleted": sorted({d.name for d in s.accounts.deletions(0)}),
        "bans": sorted(s.bans.all(), key=lambda b: b.mask),
        "registrations": sorted(s.registrations.all(), key=lambda r: r.folded),
    }
    for name in NAMES:
        found[f"account {name}"] = s.accounts.get(name)
        found[f"presence {name}"] = s.accounts.presence(name)
        found[f"vhost {name}"] = s.vhosts.get(name)
        found[f"metadata {name}"] = s.metadata.load(name)
        found[f"markers {name}"] = s.markers.markers(name.lower())
        found[f"missed {name}"] = s.history.missed(name, 0.0, 100)
    for i, reader in enumerate(READERS):
        found[f"targets {i}"] = s.history.conversations(reader, 0.0, FOREVER, 100)
        for conversation in CONVERSATIONS:
            for newest in (False, True):
                found[f"{conversation} {i} {newest}"] = s.history.between(
                    conversation, 0.0, FOREVER, 100, newest, reader
                )
            for msgid in ("m1", "m2", "m3", "m4", "m5", "m6", "m7", "q1"):
                found[f"{conversation} {msgid} {i}"] = s.history.find(conversation, msgid, reader)
        query = SearchQuery(words_of("hello", 5, 100))
        found[f"search {i}"] = s.history.search(query, Scope(("#c", "#e"), reader), 5.0)
    return found


def test_a_peer_answers_every_read_as_the_node_that_wrote(node: Node) -> None:
    a, b = node("a"), node("b")
    wrapped, sent = replication(a)
    a_day_of_writes(wrapped)
    assert {(store, method) for store, method, _ in sent} == {
        (store, method) for store, methods in WRITES.items() for method in methods
    }  # every write the core makes is sent, and every write a peer may send is made
    ship(sent, replication(b)[0])
    sweep(b)
    settle(a, b)
    here, there = answers(a), answers(b)
    assert there == here
    alice = b.accounts.get("alice")
    assert alice is not None and verify_password(alice.password_hash, "correct horse")
    assert alice.scram == ALICE_SECRET[1] and not alice.multiclient
    assert there["names"] == ["Alice", "bob"]
    assert [i.msgid for i in b.history.between("#c", 0, FOREVER, 100, False, READERS[3])] == [
        "m1", "m2", "m3", "q1",
    ]  # fmt: skip
    assert [i.msgid for i in b.history.between("#e", 0, FOREVER, 100, False, READERS[1])] == [
        "m6", "q1",
    ]  # fmt: skip
    assert [i.msgid for i in b.history.missed("bob", 0.0, 100)] == ["m4"]
    assert b.markers.markers("alice") == {"#c": 1000}
    assert b.metadata.load("alice") == {"display-name": "Alice A."}
    assert [r.topic for r in b.registrations.all() if r.folded == "#c"] == ["another topic"]


def test_records_applied_twice_store_once(node: Node) -> None:
    a, b = node("a"), node("b")
    wrapped, sent = replication(a)
    a_day_of_writes(wrapped)
    peer = replication(b)[0]
    ship(sent, peer)
    sweep(b)
    ship(sent, peer)  # read again after a reconnect: lines are known, the rest is the same
    sweep(b)
    settle(b)
    if isinstance(b.history, SqliteHistory):  # (stores in memory do not outlive a restart)
        ship(sent, replication(b)[0])  # ...and after a restart, lines are on the disk
        sweep(b)
    settle(a, b)
    assert answers(b) == answers(a)
    c = b.history.between("#c", 0, FOREVER, 100, False, READERS[3])
    assert [i.msgid for i in c] == ["m1", "m2", "m3", "q1"]


def test_a_line_arriving_as_event_and_as_write_is_stored_once(node: Node) -> None:
    """A channel event is kept in history by each node as it applies it (quietly, not
    sent again), and the write its own node sent arrives too: one line."""
    b = node("b")
    peer, sent = replication(b)
    join = HistoryItem("j1", 20.0, "#c", "#c", "bob!u@h", "bob", "JOIN", "[]",
                       incarnation="i1", public=True)  # fmt: skip
    with peer.quiet():
        peer.history.append(join)
    assert sent == []
    assert apply_record(peer, "history", "append", codec.loads(codec.dumps((join,)))) is False
    settle(b)
    assert b.history.between("#c", 0, FOREVER, 10, False, READERS[1]) == [join]


def test_writes_that_failed_or_changed_nothing_are_not_sent(node: Node) -> None:
    a = node("a")
    wrapped, sent = replication(a)
    wrapped.accounts.create("alice", *BOB_SECRET)
    with pytest.raises(AccountExists):
        wrapped.accounts.create("ALICE", *ALICE_SECRET)
    assert not wrapped.accounts.set_password("nobody", *ALICE_SECRET)
    assert not wrapped.accounts.delete("nobody")
    assert not wrapped.accounts.set_always_on("nobody", True)
    assert [(store, method) for store, method, _ in sent] == [("accounts", "create")]


def test_quiet_is_for_this_thread_only(node: Node) -> None:
    wrapped, sent = replication(node("a"))
    with wrapped.quiet():
        wrapped.vhosts.set("alice", "here.example")
        worker = threading.Thread(target=wrapped.vhosts.set, args=("bob", "there.example"))
        worker.start()
        worker.join()
    wrapped.vhosts.set("carol", "later.example")
    assert [args[0] for _, _, args in sent] == ["bob", "carol"]


REFUSED = [
    ("uploads", "delete", ("abc",)),  # not a replicated store
    ("accounts", "close", ()),  # not a write
    ("accounts", "__init__", ()),
    ("history", "forget_account", ("alice",)),  # each node does it itself
    ("markers", "forget_markers", ("alice",)),
    (5, "delete", ("alice",)),
    ("accounts", None, ("alice",)),
]


@pytest.mark.parametrize(("store", "method", "args"), REFUSED)
def test_a_write_outside_the_list_is_refused(
    sqlite_node: Node, store: Any, method: Any, args: Any
) -> None:
    b = sqlite_node("b")
    b.accounts.create("alice", *BOB_SECRET)
    peer = replication(b)[0]
    with pytest.raises(RecordError):
        apply_record(peer, store, method, args)
    assert b.accounts.get("alice") is not None


def peer_item(**changes: Any) -> Any:
    """A record's arguments holding a HistoryItem built from a peer's JSON."""
    fields: dict[str, Any] = {
        "msgid": "m1", "time": 1.0, "conversation": "#c", "target": "#c", "source": "a!u@h",
        "account": None, "command": "PRIVMSG", "text": "hi", "tags": [],
        "recipient_account": None, "sender_uid": None, "recipient_uid": None,
        "incarnation": "i1", "public": True, "@": "HistoryItem", **changes,
    }  # fmt: skip
    return codec.loads(json.dumps([fields]).encode())


WRONG = [
    ("accounts", "create", ("x", 5, None, 1.0)),  # a hash that is a number
    ("accounts", "create", ("x", "h", None)),  # one argument short
    ("accounts", "create", ("x", "h", None, "yesterday")),
    ("accounts", "set_history_opt_out", ("x", 1)),  # 1 is not True
    ("accounts", "save_presence", ({"x": (("#c",), 1.0)},)),  # not a Presence
    ("accounts", "save_always_on_use", ({"x": "now"},)),
    ("history", "append", ("m1",)),
    ("history", "append", peer_item(time="soon")),
    ("history", "append", peer_item(tags=[["a"]])),
    ("history", "append", peer_item(tags=[["a", 1]])),
    ("history", "append", peer_item(public="yes")),
    ("history", "save_windows", ([("#c", "i1", "x", 1.0, 2.0)],)),
    ("history", "redact", ("#c",)),
    ("bans", "add", (("*!*@x", "r", "by", 1.0, None),)),
    ("bans", "remove", "*!*@x"),  # not a list of arguments
    ("vhosts", "set", ("x", 5)),
    ("metadata", "save", ("x", {"k": 5})),
    ("metadata", "save", ("x", [("k", "v")])),
    ("markers", "save_markers", ((("x", "#c", "soon"),),)),
    ("markers", "save_markers", ((("x", "#c"),),)),
    ("registrations", "save", (Registration("#x", "x", True), None)),  # type: ignore[arg-type]
    ("registrations", "save", (Registration("#x", "x", 1.0, lists={"b": [("m", "by")]}), None)),  # type: ignore[list-item]
    ("registrations", "drop", (None,)),
]


@pytest.mark.parametrize(("store", "method", "args"), WRONG)
def test_a_write_with_wrong_arguments_is_refused_untouched(
    sqlite_node: Node, store: str, method: str, args: Any
) -> None:
    b = sqlite_node("b")
    peer = replication(b)[0]
    before = answers(b)
    with pytest.raises(RecordError) as refused:
        apply_record(peer, store, method, codec.loads(codec.dumps(args)))
    assert str(refused.value).startswith(f"{store}.{method}")
    settle(b)
    assert answers(b) == before
    assert b.accounts.get("x") is None


def test_a_database_from_before_keeps_one_of_a_line_stored_twice(tmp_path: Path) -> None:
    """The unique indexes are made on databases that may hold a line or a stay twice."""
    path = tmp_path / "parley.db"
    old = sqlite3.connect(path)
    for script in schema.MIGRATIONS[:-1]:
        for statement in schema.statements(script):
            old.execute(statement)
    old.execute("INSERT INTO accounts (folded, name, password_hash, created) VALUES"
                " ('alice', 'alice', 'h', 1.0)")  # fmt: skip
    for msgid, conversation in [("m1", "#c"), ("m1", "#c"), ("m1", "#d"), ("m2", "#c")]:
        old.execute(
            "INSERT INTO history (msgid, time, conversation, target, source, command, text,"
            " tags, sender, recipient, public) VALUES (?, 1.0, ?, ?, 'a!u@h', 'PRIVMSG',"
            " 'hello', '[]', 'a', ?, 1)",
            (msgid, conversation, conversation, conversation),
        )
    old.execute("INSERT INTO history_text (rowid, text) SELECT id, text FROM history")  # (writer)
    for _ in range(2):
        old.execute("INSERT INTO channel_members VALUES ('#c', 'i1', 'alice', 1.0, 2.0)")
    old.execute(f"PRAGMA user_version={len(schema.MIGRATIONS) - 1}")
    old.commit()
    old.close()
    db = schema.connect(path)
    try:
        rows = db.execute("SELECT msgid, conversation FROM history ORDER BY id").fetchall()
        assert rows == [("m1", "#c"), ("m1", "#d"), ("m2", "#c")]
        assert db.execute("SELECT count(*) FROM channel_members").fetchone() == (1,)
        found = db.execute("SELECT rowid FROM history_text WHERE history_text MATCH 'hello'")
        assert len(found.fetchall()) == 3  # (the search index lost the copy too)
    finally:
        db.close()


def test_values_come_back_as_the_stores_take_them(sqlite_node: Node) -> None:
    """Whole numbers where times are meant, tuples where lists are: the stores get floats
    and lists (what a peer's JSON may hold, and what the codec makes of lists)."""
    b = sqlite_node("b")
    peer = replication(b)[0]
    b.accounts.create("alice", *BOB_SECRET)
    ban = json.dumps([{"mask": "*!*@x", "reason": "r", "set_by": "o", "set_at": 5,
                       "expires": None, "@": "Ban"}])  # fmt: skip
    assert apply_record(peer, "bans", "add", codec.loads(ban.encode()))
    [stored] = b.bans.all()
    assert type(stored.set_at) is float and stored.set_at == 5.0
    r = Registration("#c", "alice", 1, lists={"b": [("*!*@x", "alice", 2)]})
    args = codec.loads(codec.dumps((r, None)))
    assert args[0].lists == {"b": (("*!*@x", "alice", 2),)}  # (as the codec gives it)
    apply_record(peer, "registrations", "save", args)
    [saved] = b.registrations.all()
    assert saved.lists == {"b": [("*!*@x", "alice", 2.0)]} and saved.registered == 1.0
