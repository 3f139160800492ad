"""The seed's behaviours over real sockets: names, welcome, lobby, broadcast, leaving."""

from __future__ import annotations

from collections.abc import Callable

from support.client import IrcClient


def test_newcomer_is_welcomed_and_joined_to_the_lobby(connect: Callable[..., IrcClient]) -> None:
    alice = connect()
    alice.send("NICK alice")
    alice.send("USER alice 0 * :Alice")
    welcome = alice.expect("001")
    assert welcome.params[0] == "alice"
    assert "alice" in welcome.params[-1]
    assert alice.expect("005")
    motd = alice.collect_until("376")
    assert any("Welcome" in m.params[-1] for m in motd if m.command == "372")
    join = alice.expect("JOIN")
    assert join.params[0] == "#lobby"
    assert join.source is not None and join.source.startswith("alice!")
    assert alice.expect("332").params[1:] == (
        "#lobby",
        "Welcome! Everyone here reads what you say.",
    )
    names = alice.expect("353")
    assert "@alice" in names.params[-1].split()
    assert alice.expect("366").params[1] == "#lobby"


def test_taken_nick_gets_433_and_the_client_can_try_again(
    connect: Callable[..., IrcClient],
) -> None:
    connect("alice")
    other = connect()
    other.send("NICK ALICE")
    other.send("USER x 0 * :X")
    taken = other.expect("433")
    assert taken.params[1] == "ALICE"
    other.send("NICK alice2")
    assert other.expect("001").params[0] == "alice2"


def test_invalid_nick_gets_432(connect: Callable[..., IrcClient]) -> None:
    client = connect()
    client.send("NICK 1abc")
    assert client.expect("432").params[1] == "1abc"


def test_lobby_message_reaches_everyone_else_but_not_the_sender(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.expect(lambda m: m.command == "JOIN" and m.source.startswith("carol!"))
    alice.send("PRIVMSG #lobby :hello everyone")
    for reader in (bob, carol):
        got = reader.expect("PRIVMSG")
        assert got.params == ("#lobby", "hello everyone")
        assert got.source.startswith("alice!")
    assert not [m for m in alice.sync() if m.command == "PRIVMSG"]


def test_echo_message_returns_own_message_when_asked(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("echo-message",))
    alice.send("PRIVMSG #lobby :me too")
    assert alice.expect("PRIVMSG").params == ("#lobby", "me too")


def test_others_see_join_and_quit_with_reason(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    bob = connect("bob")
    joined = alice.expect("JOIN")
    assert joined.source.startswith("bob!")
    bob.send("QUIT :see you")
    assert bob.expect("ERROR")
    quit_ = alice.expect("QUIT")
    assert quit_.source.startswith("bob!")
    assert "see you" in quit_.params[0]


def test_abrupt_disconnect_is_announced_as_quit(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    bob = connect("bob")
    alice.expect("JOIN")
    bob.close()
    quit_ = alice.expect("QUIT")
    assert quit_.source.startswith("bob!")


def test_private_message_reaches_only_its_target(connect: Callable[..., IrcClient]) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    alice.send("PRIVMSG bob :just you")
    assert bob.expect("PRIVMSG").params == ("bob", "just you")
    assert not [m for m in carol.sync() if m.command == "PRIVMSG"]


def test_message_to_missing_nick_gets_401(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    alice.send("PRIVMSG nobody :hi")
    assert alice.expect("401").params[1] == "nobody"
