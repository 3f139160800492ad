"""IRCv3 extensions as clients that asked for them see them, and others do not."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def create_account(server: ThreadServer, name: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(server.config.data_dir),
         "create-account", name, password],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def authenticate(client: IrcClient, name: str, password: str) -> None:
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{name}\0{password}".encode()).decode())
    client.expect("903")


def login(server: ThreadServer, nick: str, password: str) -> IrcClient:
    """Create an account from the CLI and register a client logged into it."""
    create_account(server, nick, password)
    client = IrcClient(server.port)
    client.send("CAP REQ :sasl")
    client.expect("CAP")
    authenticate(client, nick, password)
    client.send("CAP END")
    client.register(nick, lobby=False)
    return client


def test_extended_join_carries_account_and_realname(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    plain = connect("plain")
    fancy = connect("fancy", caps=("extended-join",))
    for client in (plain, fancy):
        client.send("JOIN #x")
        client.expect("366")
    member = login(server, "member", "pw")
    member.send("JOIN #x")
    assert fancy.expect("JOIN").params == ("#x", "member", "member's real name")
    assert plain.expect("JOIN").params == ("#x",)


def test_account_tag_marks_messages_of_logged_in_users(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    reader = connect("reader", caps=("account-tag",))
    other = connect("other")
    writer = login(server, "writer", "pw")
    writer.send("PRIVMSG reader :signed")
    assert reader.expect("PRIVMSG").tags.get("account") == "writer"
    writer.send("PRIVMSG other :signed")
    assert other.expect("PRIVMSG").tags == {}


def test_account_notify_tells_peers_of_a_login(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    create_account(server, "late", "pw")
    watcher = connect("watcher", caps=("account-notify",))
    late = connect("late")
    for client in (watcher, late):
        client.send("JOIN #n")
        client.expect("366")
    authenticate(late, "late", "pw")
    notice = watcher.expect("ACCOUNT")
    assert notice.params == ("late",) and notice.source.startswith("late!")


def test_setname_changes_the_real_name(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("setname",))
    bob = connect("bob", caps=("setname",))
    for client in (alice, bob):
        client.send("JOIN #s")
        client.expect("366")
    alice.send("SETNAME :Alice Liddell")
    assert alice.expect("SETNAME").params == ("Alice Liddell",)
    assert bob.expect("SETNAME").params == ("Alice Liddell",)
    bob.send("WHOIS alice")
    assert bob.expect("311").params[-1] == "Alice Liddell"


def test_invite_notify_tells_channel_members(connect: Callable[..., IrcClient]) -> None:
    op = connect("op")
    member = connect("member", caps=("invite-notify",))
    guest = connect("guest")
    for client in (op, member):
        client.send("JOIN #i")
        client.expect("366")
    op.send("INVITE guest #i")
    assert guest.expect("INVITE").params == ("guest", "#i")
    seen = member.expect("INVITE")
    assert seen.params == ("guest", "#i") and seen.source.startswith("op!")


def test_monitor_tells_when_a_nick_comes_and_goes(connect: Callable[..., IrcClient]) -> None:
    watcher = connect("watcher")
    watcher.send("MONITOR + friend,*!*@*")
    assert watcher.expect("432").params[1] == "*!*@*"  # masks are refused
    assert watcher.expect("731").params[-1] == "friend"
    friend = connect("friend")
    assert watcher.expect("730").params[-1].startswith("friend!")
    friend.send("NICK Friend")  # a change of case is still the same nick
    friend.expect("NICK")
    assert not [m for m in watcher.sync() if m.command in ("730", "731")]
    friend.send("QUIT")
    assert watcher.expect("731").params[-1] == "Friend"
    watcher.send("MONITOR L")
    assert watcher.expect("732").params[-1] == "friend"
