"""IRCv3 UTF8ONLY: a line that is not UTF-8 is refused with FAIL INVALID_UTF8 and never
relayed; NICK gets 432 as any bad nick, QUIT still quits."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.server.core.commands import COMMANDS
from support.client import IrcClient
from support.servers import ThreadServer

BAD = b"caf\xe9 \xff\xfe \xc3"  # Latin-1, bytes never in UTF-8, a cut-off sequence


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(limits={"flood_enabled": False})


def no_replacement_characters(client: IrcClient) -> None:
    client.sync()
    assert not [m for m in client.received if "\ufffd" in str(m.params) + str(m.source)]


def test_the_token_is_advertised(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    assert "UTF8ONLY" in [p for m in alice.received if m.command == "005" for p in m.params]


@pytest.mark.parametrize("command", sorted(set(COMMANDS) - {"NICK", "QUIT"}))
def test_every_command_refuses_invalid_utf8(
    connect: Callable[..., IrcClient], command: str
) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send(command.encode() + b" #lobby bob :" + BAD)
    fail = alice.expect("FAIL")
    assert fail.params[:2] == (command, "INVALID_UTF8")
    alice.send(command.encode() + b" #lobby b\xffob " + BAD)  # in a middle parameter too
    assert alice.expect("FAIL").params[:2] == (command, "INVALID_UTF8")
    assert [m for m in bob.sync() if m.source and m.source.startswith("alice!")] == []
    no_replacement_characters(bob)
    alice.send("PRIVMSG bob :still here")
    assert bob.expect("PRIVMSG").params == ("bob", "still here")


def test_valid_utf8_goes_through(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    text = "café, ünïcödé, 漢字, 🎉"
    alice.send(f"PRIVMSG #lobby :{text}")
    assert bob.expect("PRIVMSG").params == ("#lobby", text)
    alice.send(f"TOPIC #lobby :{text}")
    assert bob.expect("TOPIC").params == ("#lobby", text)


def test_the_refusal_carries_the_label(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("labeled-response", "batch", "echo-message"))
    alice.send(b"@label=xyz PRIVMSG #lobby :hi" + BAD)
    fail = alice.expect("FAIL")
    assert fail.tags.get("label") == "xyz"
    assert fail.params[:2] == ("PRIVMSG", "INVALID_UTF8")


def test_bad_bytes_in_tags_or_the_command_name(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob", caps=("message-tags",))
    alice.send(b"@+draft/react=\xff TAGMSG bob")
    assert alice.expect("FAIL").params[:2] == ("TAGMSG", "INVALID_UTF8")
    alice.send(b"PRIV\xffMSG bob :hi")
    assert alice.expect("FAIL").params[:2] == ("*", "INVALID_UTF8")
    alice.send(b"\xff\xfe\xfd")
    assert alice.expect("FAIL").params[:2] == ("*", "INVALID_UTF8")
    alice.send(b"PRIVMSG bob :a\x00\xff")  # NUL as well
    assert alice.expect("FAIL").params[:2] == ("*", "INVALID_UTF8")
    no_replacement_characters(bob)


def test_registration_with_bad_bytes(connect: Callable[..., IrcClient]) -> None:
    client = connect()
    client.send(b"NICK caf\xe9")
    assert client.expect("432")
    client.send(b"USER \xe8rc\xe9 0 * :real")
    assert client.expect("FAIL").params[:2] == ("USER", "INVALID_UTF8")
    client.send(b"USER u 0 * :i\xe8rc\xe9")
    assert client.expect("FAIL").params[:2] == ("USER", "INVALID_UTF8")
    client.send(b"PASS \xff")
    assert client.expect("FAIL").params[:2] == ("PASS", "INVALID_UTF8")
    client.register("cafe", lobby=True)


def test_quit_with_a_bad_reason_still_quits(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send(b"QUIT :bye " + BAD)
    alice.wait_closed()
    quit_line = bob.expect("QUIT")
    assert quit_line.source.startswith("alice!")
    reason = quit_line.params[-1]
    assert reason.encode("utf-8")  # relayed as UTF-8, the bad bytes replaced
