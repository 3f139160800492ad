"""A second device joins its account's nick by PASS account:password or NickServ
IDENTIFY too, over real sockets; NickServ SET MULTICLIENT OFF turns it off."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from support import servers
from support.accounts import logged_in, sasl_started
from support.client import IrcClient
from support.privacy import make_channel, register_account
from support.servers import ThreadServer

PASSWORD = "looking-glass"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "sessions_per_account": 3})


def guest(server: ThreadServer, nick: str) -> IrcClient:
    client = IrcClient(server.port)
    client.register(nick, lobby=False)
    return client


def owner(server: ThreadServer) -> IrcClient:
    """alice, registered and logged in, in #tea with bob."""
    alice = guest(server, "alice")
    register_account(alice, PASSWORD)
    make_channel(alice, "#tea")
    return alice


def by_pass(port: int, nick: str, password: str) -> IrcClient:
    """A client that logs in as its IRC client's server password field does."""
    client = IrcClient(port)
    client.send(f"PASS {password}")
    client.send(f"NICK {nick}")
    client.send(f"USER {nick} 0 * :{nick}")
    return client


def nick_of(message: Message) -> str:
    return (message.source or "").split("!")[0]


def texts(messages: list[Message], command: str = "PRIVMSG") -> list[tuple[str, ...]]:
    return [m.params for m in messages if m.command == command]


def ns(client: IrcClient, line: str) -> str:
    """A NickServ command; its first notice."""
    client.send(f"PRIVMSG NickServ :{line}")
    return client.expect(lambda m: m.command == "NOTICE" and nick_of(m) == "NickServ").params[1]


def test_pass_account_password_attaches_to_the_nick(server: ThreadServer) -> None:
    desk = owner(server)
    bob = guest(server, "bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    desk.sync()
    phone = by_pass(server.port, "alice", f"alice:{PASSWORD}")
    burst = phone.collect_until("366")
    assert [m.params[2] for m in burst if m.command == "900"] == ["alice"]
    assert [m.params[0] for m in burst if m.command == "001"] == ["alice"]
    assert [m.params for m in burst if m.command == "JOIN"] == [("#tea",)]
    assert [m for m in bob.sync() if m.command in ("JOIN", "QUIT")] == []  # one user still
    bob.send("PRIVMSG #tea :hello both")
    bob.send("PRIVMSG alice :and privately")
    for device in (desk, phone):
        got = device.collect_until_match(lambda m: m.params == ("alice", "and privately"))
        assert texts(got) == [("#tea", "hello both"), ("alice", "and privately")]
    phone.send("PRIVMSG bob :from the phone")
    assert bob.expect("PRIVMSG").params == ("bob", "from the phone")
    assert desk.expect("PRIVMSG").params == ("bob", "from the phone")  # sibling echo


def test_a_wrong_pass_login_does_not_attach_and_is_throttled(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(lobby=None, limits={"flood_enabled": False})
    desk = owner(server)
    tries = server.config.limits.login_tries_per_account_address
    for _ in range(tries):
        mallory = by_pass(server.port, "alice", "alice:not-it")
        assert "Invalid account or password" in mallory.expect("NOTICE").params[1]
        refused = mallory.expect("433")
        assert refused.params[1] == "alice"
        assert [m for m in mallory.sync() if m.command in ("001", "900")] == []
        mallory.close()
    late = by_pass(server.port, "alice", f"alice:{PASSWORD}")  # the window is full now
    late.expect("433")
    assert [m for m in late.sync() if m.command in ("001", "900")] == []
    desk.send("WHOIS alice")  # the owner was never joined by anyone
    assert [m for m in desk.collect_until("318") if m.command == "320"] == []


def test_pass_is_the_servers_password_when_it_has_one(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(lobby=None, password="letmein", limits={"flood_enabled": False})
    desk = IrcClient(server.port)
    desk.send("PASS letmein")
    desk.register("alice", lobby=False)
    register_account(desk, PASSWORD)
    phone = by_pass(server.port, "alice_phone", f"alice:{PASSWORD}")  # not a login here
    phone.expect("464")
    assert [m for m in phone.wait_closed() if m.command in ("001", "900")] == []


def test_pass_without_a_colon_or_a_name_logs_nobody_in(server: ThreadServer) -> None:
    owner(server)
    for odd in ("just-a-password", ":looking-glass", "alice:", ":"):
        client = by_pass(server.port, "carol", odd)
        assert client.expect("001").params[0] == "carol"
        assert [m for m in client.sync() if m.command in ("900", "NOTICE")] == []
        client.close()


def test_identify_after_registering_moves_the_connection_to_the_nick(
    server: ThreadServer,
) -> None:
    desk = owner(server)
    bob = guest(server, "bob")
    for channel in ("#tea", "#lobby"):
        bob.send(f"JOIN {channel}")
        bob.expect("366")
    phone = guest(server, "alice_phone")
    phone.send("JOIN #lobby")  # a channel of its own, which alice is not in
    phone.expect("366")
    desk.sync()
    bob.sync()
    phone.send(f"PRIVMSG NickServ :IDENTIFY alice {PASSWORD}")
    moved = phone.collect_until("366")
    commands = [m.command for m in moved]
    assert commands.index("PART") < commands.index("NICK") < commands.index("JOIN")
    assert [m.params[0] for m in moved if m.command == "PART"] == ["#lobby"]
    nick = next(m for m in moved if m.command == "NICK")
    assert nick_of(nick) == "alice_phone" and nick.params == ("alice",)
    assert [m.params[2] for m in moved if m.command == "900"] == ["alice"]
    assert [m.params for m in moved if m.command == "JOIN"] == [("#tea",)]
    names = next(m for m in moved if m.command == "353")
    assert "alice" in names.params[-1] and "alice_phone" not in names.params[-1]
    quits = [m for m in bob.collect_until("QUIT")]  # the old nick leaves, once
    quit_line = quits[-1]
    assert nick_of(quit_line) == "alice_phone"
    assert quit_line.params == ("Attached to another session of alice",)
    bob.send("PRIVMSG alice :to both")
    assert desk.expect("PRIVMSG").params == ("alice", "to both")
    assert phone.expect("PRIVMSG").params == ("alice", "to both")
    bob.send("WHOIS alice_phone")
    assert bob.expect(lambda m: m.command in ("401", "311")).command == "401"
    desk.send("WHOIS alice")
    assert desk.expect("320").params[2] == "has 2 connections"
    bob.send("LUSERS")  # two users; the moved connection is not counted as registering
    lusers = bob.collect_until("266")
    assert next(m for m in lusers if m.command == "251").params[1].startswith("There are 2 users")
    assert [m for m in lusers if m.command == "253"] == []
    desk.send("QUIT")
    desk.wait_closed()
    phone.send("PRIVMSG #tea :still here")
    assert bob.expect("PRIVMSG").params == ("#tea", "still here")
    assert [m for m in bob.sync() if m.command == "QUIT"] == []


def test_a_wrong_identify_moves_nothing(server: ThreadServer) -> None:
    desk = owner(server)
    phone = guest(server, "alice_phone")
    assert "Invalid account or password" in ns(phone, "IDENTIFY alice wrong-password")
    assert [m for m in phone.sync() if m.command in ("NICK", "900", "JOIN")] == []
    desk.send("WHOIS alice")
    assert [m for m in desk.collect_until("318") if m.command == "320"] == []
    phone.send("WHOIS alice_phone")
    assert phone.expect("311").params[1] == "alice_phone"


def test_identify_without_the_nick_online_logs_in_where_one_is(server: ThreadServer) -> None:
    desk = owner(server)
    desk.send("NICK alice_desk")  # alice's client, but not under the account's nick
    desk.expect("NICK")
    phone = guest(server, "alice_phone")
    assert ns(phone, f"IDENTIFY alice {PASSWORD}") == "You are now logged in as alice."
    assert [m for m in phone.sync() if m.command == "NICK"] == []
    phone.send("WHOIS alice_phone")
    assert phone.expect("330").params[2] == "alice"


def test_multiclient_off_refuses_a_second_login_and_on_allows_it_again(
    server: ThreadServer,
) -> None:
    desk = owner(server)
    assert "will not join your nick" in ns(desk, "SET MULTICLIENT OFF")
    second = sasl_started(server.port, "alice", PASSWORD)
    second.expect("903")
    second.send("NICK alice")
    second.send("USER alice 0 * :alice")
    second.send("CAP END")
    refused = second.expect("433")
    assert refused.params[1] == "alice" and "allows one connection" in refused.params[2]
    assert [m for m in second.sync() if m.command == "001"] == []
    third = by_pass(server.port, "alice", f"alice:{PASSWORD}")
    third.expect("433")
    fourth = guest(server, "alice_phone")
    said = ns(fourth, f"IDENTIFY alice {PASSWORD}")
    assert "allows one connection" in said and "you stay alice_phone" in said
    assert "logged in as alice" in fourth.expect("NOTICE").params[1]  # as itself
    assert [m for m in fourth.sync() if m.command == "NICK"] == []
    desk.send("NS SET MULTICLIENT ON")  # as ergo's users type it
    assert "will join your nick" in desk.expect("NOTICE").params[1]
    phone = logged_in(server.port, "alice", "alice", PASSWORD)
    assert [m.params for m in phone.collect_until("366") if m.command == "JOIN"] == [("#tea",)]


def test_multiclient_is_kept_with_the_account(tmp_path: Path) -> None:
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    first = ThreadServer(config).start()
    try:
        ns(owner(first), "SET MULTICLIENT OFF")
    finally:
        first.stop()
    again = ThreadServer(config).start()  # the same data dir: the setting is read back
    try:
        desk = logged_in(again.port, "alice", "alice", PASSWORD)
        second = sasl_started(again.port, "alice", PASSWORD)
        second.expect("903")
        second.send("NICK alice")
        second.send("USER alice 0 * :alice")
        second.send("CAP END")
        assert "allows one connection" in second.expect("433").params[2]
        desk.send("WHOIS alice")
        assert [m for m in desk.collect_until("318") if m.command == "320"] == []
    finally:
        again.stop()


def test_identify_at_the_session_limit_stays_itself(server: ThreadServer) -> None:
    devices = [owner(server), *(logged_in(server.port, "alice", "alice", PASSWORD) for _ in "ab")]
    phone = guest(server, "alice_phone")
    said = ns(phone, f"IDENTIFY alice {PASSWORD}")
    assert "too many connections (the limit is 3)" in said
    assert [m for m in phone.sync() if m.command == "NICK"] == []
    phone.send("WHOIS alice_phone")
    assert phone.expect("330").params[2] == "alice"
    devices[0].send("WHOIS alice")  # three: the limit here
    assert devices[0].expect("320").params[2] == "has 3 connections"


def test_set_multiclient_takes_on_or_off_only(server: ThreadServer) -> None:
    desk = owner(server)
    assert ns(desk, "SET MULTICLIENT maybe") == "SET MULTICLIENT takes ON or OFF."
    assert "will not join" in ns(desk, "SET MULTICLIENT no")
    stranger = guest(server, "carol")
    assert ns(stranger, "SET MULTICLIENT OFF").startswith("Usage, while logged in")


def test_nick_before_sasl_as_most_clients_send_it_attaches(server: ThreadServer) -> None:
    desk = owner(server)
    phone = IrcClient(server.port)
    phone.send("CAP LS 302")
    phone.send("NICK alice")  # WeeChat, irssi and the desktop client: NICK, then SASL
    phone.send("USER alice 0 * :alice")
    phone.send("CAP REQ :sasl")
    phone.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    assert [m for m in phone.sync() if m.command == "433"] == []  # not yet: SASL may follow
    phone.send("AUTHENTICATE PLAIN")
    phone.expect("AUTHENTICATE")
    phone.send("AUTHENTICATE " + base64.b64encode(f"\0alice\0{PASSWORD}".encode()).decode())
    phone.expect("903")
    phone.send("CAP END")
    assert phone.expect("001").params[0] == "alice"
    desk.send("WHOIS alice")
    assert desk.expect("320").params[2] == "has 2 connections"


def test_nick_before_a_failed_sasl_is_refused_at_cap_end(server: ThreadServer) -> None:
    desk = owner(server)
    mallory = IrcClient(server.port)
    mallory.send("CAP LS 302")
    mallory.send("NICK alice")
    mallory.send("USER mallory 0 * :m")
    mallory.send("CAP REQ :sasl")
    mallory.send("AUTHENTICATE PLAIN")
    mallory.expect("AUTHENTICATE")
    mallory.send("AUTHENTICATE " + base64.b64encode(b"\0alice\0guess-guess").decode())
    mallory.expect("904")
    mallory.send("CAP END")
    assert mallory.expect("433").params[1] == "alice"
    assert [m for m in mallory.sync() if m.command == "001"] == []
    mallory.send("NICK mallory")
    assert mallory.expect("001").params[0] == "mallory"
    plain = IrcClient(server.port)  # without CAP, the nick is refused at once, as ever
    plain.send("NICK alice")
    assert plain.expect("433").params[1] == "alice"
    desk.send("WHOIS alice")
    assert [m for m in desk.collect_until("318") if m.command == "320"] == []
