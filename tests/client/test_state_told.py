"""What the client state tells the user about what happened to them: kicks, replies, nicks."""

from __future__ import annotations

from test_state import Wire

from core.fake import Harness
from parley.client import state as cs
from parley.irc.message import Message


def test_a_kick_keeps_the_channel_known_as_kicked_not_left() -> None:
    harness = Harness()
    alice, bob = Wire(harness, "alice"), Wire(harness, "bob")
    alice.send([Message.of("KICK", "#lobby", "bob", "calm down")])
    bob.pump()
    assert cs.Kicked("#lobby", "alice", "calm down") in bob.events
    assert not bob.of(cs.Left)
    assert bob.state.channel("#lobby") is None  # out of it: not rejoined on reconnect
    assert cs.Membership("#lobby", "bob", "kick", "by alice: calm down") in alice.events
