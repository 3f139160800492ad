"""Two cores joined as cluster nodes would be, with no NATS: each one's events go
through the codec to the other's Peers (cluster/remote.py), as the link does."""

from __future__ import annotations

from typing import Any

import pytest

from core.fake import Harness, commands_of
from parley.server.cluster import codec
from parley.server.cluster.remote import RELAYED, Peers, event_record
from parley.server.core import events as ev
from parley.server.core.outgoing import Outgoing


class Node:
    """A core, its Peers, and the records it relays, delivered when the test says."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.h = Harness()
        self.peers = Peers(self.h.server, name)
        self.outbox: list[bytes] = []
        self.h.server.state.relay = self._relay

    def _relay(self, event: ev.Event, out: Outgoing) -> None:
        if self.peers.applying or type(event) not in RELAYED:
            return
        self.outbox.append(codec.dumps(event_record(self.h.server.state, event, out)[1:]))

    def deliver_to(self, *others: Node) -> None:
        records, self.outbox = self.outbox, []
        for raw in records:
            event, stamp, extra = codec.loads(raw)
            for other in others:
                other.peers.apply(self.name, event, stamp, extra)


def pair() -> tuple[Node, Node]:
    return Node("a.1"), Node("b.1")


def sync(*nodes: Node) -> None:
    """Deliver everything, until nothing is left to deliver."""
    while any(n.outbox for n in nodes):
        for node in nodes:
            node.deliver_to(*(o for o in nodes if o is not node))


def test_users_of_two_nodes_chat_in_one_channel() -> None:
    a, b = pair()
    _, alice = a.h.user("alice", "#room")
    sync(a, b)
    bob_s, bob = b.h.user("bob")
    b.h.say(bob_s, "JOIN #room")
    sync(a, b)
    joined = [m for m in alice.take() if m.command == "JOIN" and m.params[0] == "#room"]
    assert [m.source.split("!")[0] for m in joined] == ["bob"]
    names = [m for m in bob.take() if m.command == "353" and m.params[2] == "#room"]
    assert set(names[0].params[-1].split()) == {"@alice", "bob"}  # alice made the channel
    alice_s = a.h.server.state.client("alice")
    assert alice_s is not None
    a.h.say(alice_s.sessions[0], "PRIVMSG #room :hi")
    sync(a, b)
    said = [m for m in bob.take() if m.command == "PRIVMSG"]
    assert [(m.source.split("!")[0], m.params) for m in said] == [("alice", ("#room", "hi"))]
    assert "PRIVMSG" not in commands_of(alice.take())  # never echoed back
    a.h.say(alice_s.sessions[0], "QUIT :off")
    sync(a, b)
    quits = [m for m in bob.take() if m.command == "QUIT"]
    assert [m.params for m in quits] == [("Quit: off",)]
    assert b.h.server.state.client("alice") is None


def test_a_line_keeps_the_stamp_its_node_gave_it() -> None:
    a, b = pair()
    bob_s, bob = b.h.user("bob", "#c")
    b.h.say(bob_s, "CAP REQ :message-tags server-time")
    sync(a, b)
    bob.take()
    alice_s, alice = a.h.user("alice")
    a.h.say(alice_s, "CAP REQ :message-tags server-time")
    a.h.say(alice_s, "JOIN #c")
    joins = [m for m in alice.take() if m.command == "JOIN" and m.params[0] == "#c"]
    sync(a, b)
    seen = [m for m in bob.take() if m.command == "JOIN" and m.params[0] == "#c"]
    assert seen and seen[0].tags["msgid"] == joins[0].tags["msgid"]
    assert seen[0].tags["time"] == joins[0].tags["time"]
    channel_a, channel_b = a.h.server.state.channel("#c"), b.h.server.state.channel("#c")
    assert channel_a is not None and channel_b is not None
    assert channel_a.incarnation == channel_b.incarnation  # the history it reads is one


def test_a_node_gone_takes_its_users_with_it() -> None:
    a, b = pair()
    a.h.user("alice", "#c")
    a.h.user("carol", "#c")
    sync(a, b)
    _, bob = b.h.user("bob", "#c")
    assert b.peers.node_gone("a.1", "a lost") == 2
    quits = [m for m in bob.take() if m.command == "QUIT"]
    assert sorted(m.source.split("!")[0] for m in quits) == ["alice", "carol"]
    assert {m.params for m in quits} == {("a lost",)}
    assert b.h.server.state.client("alice") is None


def test_a_starting_node_restores_its_peers_users_from_a_snapshot() -> None:
    a = Node("a.1")
    op_s, _ = a.h.user("opal", "#c")
    voice_s, _ = a.h.user("vic", "#c")
    a.h.say(op_s, "TOPIC #c :the plan", "MODE #c +mk sesame", "AWAY :lunch")
    a.h.say(op_s, "MODE #c +v vic", "MODE #c +b spam!*@*")
    snapshot = codec.loads(codec.dumps(a.peers.snapshot()))
    c = Node("c.1")
    c.peers.restore("a.1", snapshot)
    channel = c.h.server.state.channel("#c")
    assert channel is not None
    assert {m.nick: held for m, held in channel.members.items()} == {"opal": "o", "vic": "v"}
    assert channel.topic == "the plan" and channel.key == "sesame"
    assert "m" in channel.flags and [e.mask for e in channel.lists["b"]] == ["spam!*@*"]
    opal = c.h.server.state.client("opal")
    assert opal is not None and opal.away == "lunch" and c.peers.is_remote(opal)
    original = a.h.server.state.channel("#c")
    assert original is not None and channel.incarnation == original.incarnation
    assert voice_s.client is not None


@pytest.mark.parametrize(
    "event",
    [
        ev.Joined("ghost", "#c"),  # nobody of that name
        ev.Messaged("ghost", "PRIVMSG", "#c", "boo", "m1", 1.0),
        ev.Parted("bob", "#nowhere", None),
        ev.Quit("bob", "not yours"),  # bob is this node's own user
        ev.Registered(7, "Bob", "u", "h", "h", "r", None, False, "uid-x"),  # nick held here
        ev.ChannelModeChanged("x", "#c", ()),
    ],
)
def test_a_peers_event_that_no_longer_fits_is_dropped(event: Any) -> None:
    b = Node("b.1")
    _, bob = b.h.user("bob", "#c")
    assert not b.peers.apply("a.1", event)
    assert b.peers.dropped == 1
    assert b.h.server.state.client("bob") is not None
    assert bob.take() == []


def test_an_event_delivered_twice_is_applied_once() -> None:
    a, b = pair()
    _, bob = b.h.user("bob", "#c")
    a.h.user("alice")
    sync(a, b)
    bob.take()
    alice_s = a.h.server.state.client("alice")
    assert alice_s is not None
    a.h.say(alice_s.sessions[0], "JOIN #c")
    records = list(a.outbox)
    a.outbox.extend(records)
    sync(a, b)
    assert [m.command for m in bob.take()].count("JOIN") == 1


def test_a_peers_session_id_never_names_a_session_here() -> None:
    a, b = pair()
    b.h.user("bob")  # session 1 on b
    a.h.user("alice")  # session 1 on a as well
    sync(a, b)
    alice = b.h.server.state.client("alice")
    bob = b.h.server.state.client("bob")
    assert alice is not None and bob is not None
    assert alice.sessions == [] and len(bob.sessions) == 1
