"""Store replication seen from the core: what node A's core writes, node B's core
holds too once the records are applied with B's Server, even what it keeps in memory
in front of its stores (bans in force, registered channels, always-on choices, read
markers already read). Two cores on their own SQLite files, no network."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from cluster.test_store_replication import Record, close, sqlite_stores
from core.fake import FakeClock, FakeConnection
from core.test_slow_work import plain
from parley.irc.message import Message
from parley.server.cluster import codec
from parley.server.cluster.stores import Replication, Stores, apply_record
from parley.server.config import Config
from parley.server.core.server import Server
from parley.server.core.session import Session
from parley.server.passwords import credentials


@dataclass
class Node:
    stores: Stores
    replication: Replication
    sent: list[Record]
    server: Server

    def user(self, nick: str) -> tuple[Session, FakeConnection]:
        """A client logged into the account `nick` (password `rabbit-hole`) with SASL."""
        conn = FakeConnection(host="192.0.2.1")
        session = self.server.connect(conn)
        say(self.server, session, "CAP REQ :sasl draft/read-marker", "AUTHENTICATE PLAIN",
            f"AUTHENTICATE {plain(nick, 'rabbit-hole')}", f"NICK {nick}",
            f"USER {nick} 0 * :{nick}", "CAP END")  # fmt: skip
        assert any(m.command == "903" for m in conn.take())  # (logged in)
        return session, conn


def say(server: Server, session: Session, *lines: str) -> None:
    for line in lines:
        server.receive(session, line.encode())


def make_node(path: Path) -> Node:
    stores = sqlite_stores(path)
    sent: list[Record] = []
    replication = Replication(stores, lambda s, m, a: sent.append((s, m, a)))
    config = Config(data_dir=path, server_name=f"{path.name}.parley", lobby=None)
    server = Server(
        config, clock=FakeClock(), accounts=replication.accounts, history=replication.history,
        bans=replication.bans, metadata=replication.metadata, vhosts=replication.vhosts,
        markers=replication.markers, registrations=replication.registrations,
    )  # fmt: skip
    return Node(stores, replication, sent, server)


@pytest.fixture
def nodes(tmp_path: Path) -> Iterator[tuple[Node, Node]]:
    a, b = make_node(tmp_path / "a"), make_node(tmp_path / "b")
    yield a, b
    close(a.stores)
    close(b.stores)


def ship(source: Node, to: Node) -> None:
    """What `source` sent so far, through the codec, applied on `to` with its Server."""
    raw = codec.dumps([[s, m, a] for s, m, a in source.sent])
    source.sent.clear()
    for store, method, args in codec.loads(raw):
        apply_record(to.replication, store, method, args, to.server)


def test_the_core_of_a_peer_holds_what_the_writing_core_holds(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    a.server.accounts.create("alice", *credentials("rabbit-hole"))
    ship(a, b)
    reader, seen = b.user("alice")
    say(b.server, reader, "MARKREAD #tea")  # B reads alice's markers: none yet
    assert [m.params for m in seen.take() if m.command == "MARKREAD"] == [("#tea", "*")]
    writer, told = a.user("alice")
    say(
        a.server,
        writer,
        "JOIN #tea",
        "PRIVMSG ChanServ :REGISTER #tea",
        "PRIVMSG NickServ :SET ALWAYS-ON ON",
        "MARKREAD #tea timestamp=2023-01-02T03:04:05.678Z",
    )
    assert "is registered" in " ".join(str(m.params) for m in told.take())
    ban = a.server.bans.new("*!*@evil.example", 0, "spam", "oper")
    a.server.bans.add(ban)
    a.server.sweep()  # (read markers are saved by the sweep)
    assert b.server.registry.get("#tea") is None
    ship(a, b)
    assert b.server.bans.on_hostmask("eve!e@evil.example") == ban
    registration = b.server.registry.get("#TEA")
    assert registration is not None and registration.founder == "alice"
    assert b.server.always_on.enabled("alice")
    say(b.server, reader, "MARKREAD #tea")
    assert [m.params for m in seen.take() if m.command == "MARKREAD"] == [
        ("#tea", "timestamp=2023-01-02T03:04:05.678Z")
    ]
    say(a.server, writer, "PRIVMSG ChanServ :DROP #tea", "PRIVMSG NickServ :SET ALWAYS-ON OFF")
    assert a.server.bans.remove(ban.mask)
    ship(a, b)
    assert b.server.registry.get("#tea") is None
    assert b.server.bans.on_hostmask("eve!e@evil.example") is None
    assert not b.server.always_on.enabled("alice")


def test_a_peers_deletion_is_acted_on_by_this_nodes_sweep(nodes: tuple[Node, Node]) -> None:
    a, b = nodes
    a.server.accounts.create("alice", *credentials("rabbit-hole"))
    ship(a, b)
    _, there = b.user("alice")
    assert a.server.accounts.delete("alice")
    ship(a, b)
    b.server.sweep()
    notices = [m.params[-1] for m in there.take() if isinstance(m, Message)]
    assert any("was deleted" in text for text in notices)
    assert b.stores.accounts.get("alice") is None
    assert b.sent == []  # (what B's sweep did of itself is not sent back)
