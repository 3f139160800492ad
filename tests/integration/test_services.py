"""Registering and identifying the ways IRC clients do: NickServ and IRCv3 REGISTER."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "nick_grace": 1.0})


def nickserv_says(client: IrcClient) -> str:
    """The text of the next notice from NickServ."""
    notice = client.expect(lambda m: m.command == "NOTICE" and m.source.startswith("NickServ!"))
    return notice.params[-1]


def test_nickserv_register_then_identify_from_another_connection(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice")
    alice.send("PRIVMSG NickServ :REGISTER wonderland")
    assert alice.expect("900").params[2] == "alice"
    assert "registered" in nickserv_says(alice)
    alice.send("QUIT")
    alice.wait_closed()
    again = connect("alice")
    assert "belongs to a registered account" in nickserv_says(again)
    again.send("PRIVMSG NickServ :IDENTIFY wrong-password")
    assert "Invalid" in nickserv_says(again)
    again.send("PRIVMSG NickServ :IDENTIFY wonderland")
    assert "logged in as alice" in nickserv_says(again)


def test_ircv3_register_logs_in(connect: Callable[..., IrcClient]) -> None:
    bob = connect("bob", caps=("draft/account-registration",))
    bob.send("REGISTER * * short")
    assert bob.expect("FAIL").params[:2] == ("REGISTER", "WEAK_PASSWORD")
    bob.send("REGISTER * * long-enough-passphrase")
    assert bob.expect("REGISTER").params[:2] == ("SUCCESS", "bob")
    bob.send("REGISTER * * another-passphrase")
    assert bob.expect("FAIL").params[:2] == ("REGISTER", "ALREADY_AUTHENTICATED")


def test_unidentified_holder_of_a_registered_nick_is_renamed(
    connect: Callable[..., IrcClient],
) -> None:
    owner = connect("owner")
    owner.send("PRIVMSG NickServ :REGISTER ownerpass")
    nickserv_says(owner)
    owner.send("QUIT")
    owner.wait_closed()
    squatter = connect("owner")
    renamed = squatter.expect("NICK", timeout=6)
    assert renamed.source.startswith("owner!") and renamed.params[0].startswith("Guest")


def test_ghost_frees_ones_nick(connect: Callable[..., IrcClient]) -> None:
    first = connect("carol")
    first.send("PRIVMSG NickServ :REGISTER carolpass")
    nickserv_says(first)
    second = connect("carol2")
    second.send("PRIVMSG NickServ :IDENTIFY carol carolpass")
    assert "logged in" in nickserv_says(second)  # it joins carol (several devices)...
    second.send("PRIVMSG NickServ :GHOST carol")  # ... and sends the old one away
    assert first.wait_closed()[-1].command == "ERROR"
    assert nickserv_says(second) == "carol has been disconnected."
    second.send("WHOIS carol")
    assert [m.params[2] for m in second.collect_until("318") if m.command == "320"] == []


def test_ghost_frees_ones_nick_with_multiclient_off(connect: Callable[..., IrcClient]) -> None:
    first = connect("carol")
    first.send("PRIVMSG NickServ :REGISTER carolpass")
    nickserv_says(first)
    first.send("PRIVMSG NickServ :SET MULTICLIENT OFF")
    nickserv_says(first)
    second = connect("carol2")
    second.send("PRIVMSG NickServ :IDENTIFY carol carolpass")
    assert "allows one connection" in nickserv_says(second)
    assert "logged in" in nickserv_says(second)  # as carol2
    second.send("PRIVMSG NickServ :GHOST carol")
    assert first.wait_closed()[-1].command == "ERROR"
    second.send("NICK carol")
    assert second.expect("NICK").params == ("carol",)


def test_guessing_passwords_is_throttled(connect: Callable[..., IrcClient]) -> None:
    dave = connect("dave")
    dave.send("PRIVMSG NickServ :REGISTER davepass1")
    nickserv_says(dave)
    guesser = connect("guesser")
    for attempt in range(5):
        guesser.send(f"PRIVMSG NickServ :IDENTIFY dave guess{attempt}")
        assert "Invalid" in nickserv_says(guesser)
    guesser.send("PRIVMSG NickServ :IDENTIFY dave davepass1")  # right, but too late
    assert "too many tries" in nickserv_says(guesser)


def test_nobody_can_be_called_nickserv(connect: Callable[..., IrcClient]) -> None:
    eve = connect("eve")
    eve.send("NICK NickServ")
    assert eve.expect("433").params[1] == "NickServ"


def test_history_opt_out_stops_storing_ones_messages(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    frank = connect("frank")
    frank.send("PRIVMSG NickServ :REGISTER frankpass")
    nickserv_says(frank)
    frank.send("JOIN #quiet")
    frank.expect("366")
    frank.send("PRIVMSG #quiet :kept")
    frank.send("PRIVMSG NickServ :SET HISTORY OFF")
    assert "no longer" in nickserv_says(frank)
    frank.send("PRIVMSG #quiet :not kept")
    reader = connect("reader", caps=("batch", "server-time", "draft/chathistory"))
    reader.send("JOIN #quiet")
    reader.expect("366")
    reader.send("CHATHISTORY LATEST #quiet * 10")
    reader.expect("BATCH")  # the batch opens
    lines = reader.collect_until_match(lambda m: m.command == "BATCH" and m.params[0][0] == "-")
    texts = [m.params[-1] for m in lines if m.command == "PRIVMSG"]
    assert texts == ["kept"]
