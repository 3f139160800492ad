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


def test_replies_after_the_welcome_are_said_where_the_user_is_and_read_as_sentences() -> None:
    harness = Harness()
    alice, _bob = Wire(harness, "alice"), Wire(harness, "bob")
    welcome = alice.of(cs.ServerText)
    assert welcome and not any(e.here for e in welcome)  # the MOTD stays in the server tab
    alice.send([Message.of("JOIN", "#quiet")])
    alice.events.clear()
    alice.send([Message.of("WHOIS", "bob"), Message.of("LIST"), Message.of("TOPIC", "#quiet")])
    told = alice.of(cs.ServerText)
    assert told and all(e.here for e in told)
    texts = [e.text for e in told]
    assert "End of WHOIS for bob" in texts
    assert any(t.startswith("bob is in ") and "#lobby" in t for t in texts)
    assert any(t.startswith("  #lobby (2 users)") for t in texts)
    assert "End of the channel list" in texts
    assert "No topic is set in #quiet" in texts
    assert not any(t[:3].isdigit() for t in texts)


def test_odd_replies_do_not_break_the_sentences() -> None:
    state = cs.ClientState("me")
    for code in ("311", "312", "317", "319", "322", "331", "341"):
        (event,) = state.receive(Message(code, ("me",)))
        assert isinstance(event, cs.ServerText)
    (idle,) = state.receive(Message("317", ("me", "bob", "3725", "x", "seconds idle")))
    assert isinstance(idle, cs.ServerText) and idle.text == "bob has been idle 1 h 2 min"


def test_mentions_are_whole_words_and_private_messages_always_count() -> None:
    harness = Harness()
    al, bob = Wire(harness, "al"), Wire(harness, "bob")
    bob.say("also, salt")
    bob.say("Al: look")
    bob.say("hi @al, [al] and al-bert")
    bob.send([Message.of("PRIVMSG", "al", "psst")])
    al.pump()
    mentioned = [(line.text, line.mention) for line in al.of(cs.ChatLine)]
    assert mentioned == [
        ("also, salt", False),
        ("Al: look", True),
        ("hi @al, [al] and al-bert", True),
        ("psst", True),
    ]


def test_a_nick_change_is_told_once_with_whose_it_is() -> None:
    harness = Harness()
    alice, bob = Wire(harness, "alice"), Wire(harness, "bob")
    bob.send([Message.of("NICK", "robert")])
    alice.pump()
    assert cs.Renamed("bob", "robert", False) in alice.events
    assert cs.Renamed("bob", "robert", True) in bob.events
    assert bob.state.nick == "robert"
