"""Who hears about what: fan-out counts and privacy, checked on fake connections."""

from __future__ import annotations

from fake import Harness, commands_of


def test_nick_change_reaches_each_channel_peer_once_and_no_stranger() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one", "#two")
    _bob, bob_conn = h.user("bob", "#one", "#two")
    _carol, carol_conn = h.user("carol", "#elsewhere")
    alice_conn.take()
    h.say(alice, "NICK alicia")
    (seen,) = bob_conn.take()
    assert seen.command == "NICK" and seen.params == ("alicia",)
    assert seen.source == "alice!alice@192.0.2.1"
    assert carol_conn.take() == []
    assert commands_of(alice_conn.take()) == ["NICK"]  # her own copy, once
    assert h.server.state.client("alice") is None
    assert h.server.state.client("alicia") is not None


def test_taken_nick_change_gets_433_and_tells_nobody() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one")
    _bob, bob_conn = h.user("bob", "#one")
    alice_conn.take()
    h.say(alice, "NICK BOB")
    assert commands_of(alice_conn.take()) == ["433"]
    assert bob_conn.take() == []


def test_quit_reaches_each_peer_once_with_its_reason() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one", "#two")
    _bob, bob_conn = h.user("bob", "#one", "#two")
    _carol, carol_conn = h.user("carol", "#elsewhere")
    h.say(alice, "QUIT :bye now")
    (seen,) = bob_conn.take()
    assert seen.command == "QUIT" and seen.params == ("Quit: bye now",)
    assert carol_conn.take() == []
    assert alice_conn.closed_with == ["Closing link: (Quit: bye now)"]
    assert h.server.state.client("alice") is None
    assert [m.nick for m in h.server.state.channel("#one").members] == ["bob"]


def test_dropped_connection_quits_with_the_reason_the_net_layer_gave() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one")
    _bob, bob_conn = h.user("bob", "#one")
    h.server.disconnect(alice, "Connection reset by peer")
    assert [(m.command, m.params) for m in bob_conn.take()] == [
        ("QUIT", ("Connection reset by peer",))
    ]
    assert alice_conn.closed_with == [None]  # no ERROR to a peer that is gone
    h.server.disconnect(alice, "again")  # a second report changes nothing
    assert bob_conn.take() == []


def test_last_member_leaving_removes_the_channel() -> None:
    h = Harness(lobby=None)
    alice, _ = h.user("alice", "#solo")
    assert h.server.state.channel("#solo") is not None
    h.say(alice, "PART #solo")
    assert h.server.state.channel("#solo") is None


def test_channel_message_reaches_every_other_member_once() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one")
    _bob, bob_conn = h.user("bob", "#one")
    _carol, carol_conn = h.user("carol", "#one")
    alice_conn.take()
    bob_conn.take()
    h.say(alice, "PRIVMSG #one :hello")
    assert [m.params for m in bob_conn.take()] == [("#one", "hello")]
    assert [m.params for m in carol_conn.take()] == [("#one", "hello")]
    assert alice_conn.take() == []  # no echo unless asked for


def test_broadcast_is_encoded_once_for_plain_recipients() -> None:
    h = Harness(lobby=None)
    alice, _ = h.user("alice", "#one")
    _bob, bob_conn = h.user("bob", "#one")
    _carol, carol_conn = h.user("carol", "#one")
    bob_conn.take()
    h.say(alice, "PRIVMSG #one :hello")
    assert bob_conn.sent[0] is carol_conn.sent[0]  # the same bytes object (docs/architecture.md)


def test_names_hides_invisible_users_from_outsiders() -> None:
    h = Harness(lobby=None)
    carol, _ = h.user("carol")
    h.say(carol, "MODE carol +i", "JOIN #hideout")
    _dave, _ = h.user("dave", "#hideout")
    outsider, outsider_conn = h.user("bob")
    h.say(outsider, "NAMES #hideout")
    names = [m.params[-1] for m in outsider_conn.take() if m.command == "353"]
    assert names == ["dave"]  # as WHO and WHOIS already hide her
    member, member_conn = h.user("erin", "#hideout")
    h.say(member, "NAMES #hideout")
    names = [m.params[-1] for m in member_conn.take() if m.command == "353"]
    assert names == ["@carol dave erin"]


def test_mode_changes_in_one_command_apply_in_order() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#m")
    _bob, bob_conn = h.user("bob", "#m")
    alice_conn.take()
    h.say(alice, "MODE #m +v-v bob bob")
    channel = h.server.state.channel("#m")
    bob = h.server.state.client("bob")
    assert channel is not None and bob is not None
    assert channel.members[bob] == ""  # the last word was -v
    h.say(alice, "MODE #m +b-b x x", "MODE #m +i-i")
    assert channel.lists["b"] == [] and "i" not in channel.flags
    seen = [m.params[1:] for m in bob_conn.take() if m.command == "MODE"]
    assert seen == [("+v-v", "bob", "bob"), ("+b-b", "x!*@*", "x!*@*"), ("+i-i",)]


def test_tags_asked_for_after_joining_apply_to_channel_messages() -> None:
    h = Harness(lobby=None)
    alice, _ = h.user("alice", "#one")
    bob, bob_conn = h.user("bob", "#one")
    h.say(alice, "PRIVMSG #one :before")
    (plain,) = bob_conn.take()
    assert plain.tags == {}
    h.say(bob, "CAP REQ :server-time")
    bob_conn.take()
    h.say(alice, "PRIVMSG #one :after")
    (tagged,) = bob_conn.take()
    assert tagged.params == ("#one", "after") and "time" in tagged.tags


def test_channel_messages_follow_joins_and_parts() -> None:
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#one")
    bob, bob_conn = h.user("bob", "#one")
    h.say(alice, "PRIVMSG #one :hello")
    assert [m.params for m in bob_conn.take()] == [("#one", "hello")]
    _carol, carol_conn = h.user("carol", "#one")
    h.say(bob, "PART #one")
    assert commands_of(carol_conn.take()) == ["PART"]
    alice_conn.take()
    bob_conn.take()
    h.say(alice, "PRIVMSG #one :who is here")
    assert bob_conn.take() == []
    assert [m.params for m in carol_conn.take()] == [("#one", "who is here")]
    assert alice_conn.take() == []  # not back to the sender
