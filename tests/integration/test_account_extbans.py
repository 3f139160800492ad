"""IRCv3 account-extban: `a:account` masks in bans, ban exceptions and invite exceptions."""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer

PASSWORD = "a long enough passphrase"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "list_modes_per_channel": 5})


def account(connect: Callable[..., IrcClient], nick: str) -> IrcClient:
    """A client that registers the account of its nick (and so is logged into it)."""
    client = connect(nick)
    client.send(f"REGISTER * * :{PASSWORD}")
    success = client.expect("REGISTER")
    assert success.params[:2] == ("SUCCESS", nick)
    return client


def sasl(connect: Callable[..., IrcClient], nick: str, name: str) -> IrcClient:
    """A client logged into the existing account `name` under the nick `nick`."""
    client = connect()
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{name}\0{PASSWORD}".encode()).decode())
    client.expect("903")
    client.send("CAP END")
    client.register(nick, lobby=False)
    return client


def channel_with(op: IrcClient, channel: str, *modes: str) -> None:
    op.send(f"JOIN {channel}")
    op.expect("366")
    for mode in modes:
        op.send(f"MODE {channel} {mode}")
        assert op.expect("MODE").params[1:] == tuple(mode.split())


def joins(client: IrcClient, channel: str) -> str:
    """JOIN, answered by the JOIN itself or the numeric that refused it."""
    client.send(f"JOIN {channel}")
    return client.expect(lambda m: m.command in ("JOIN", "471", "473", "474", "475")).command


def test_tokens_are_advertised(connect: Callable[..., IrcClient]) -> None:
    client = connect()
    client.send("NICK tokens")
    client.send("USER tokens 0 * :t")
    tokens = [p for m in client.collect_until("376") if m.command == "005" for p in m.params]
    assert "EXTBAN=,am" in tokens and "ACCOUNTEXTBAN=a" in tokens


def test_account_ban_keeps_out_the_account_not_the_nick(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    channel_with(op, "#b", "+b a:bob")
    guest = connect("bob")  # a guest who took the nick: not the account
    assert joins(guest, "#b") == "JOIN"
    guest.send("QUIT")
    guest.wait_closed()
    bob = account(connect, "bob")
    assert joins(bob, "#b") == "474"
    bob.send("NICK robert")  # a new nick does not shed the account
    bob.expect("NICK")
    assert joins(bob, "#b") == "474"
    second = sasl(connect, "bobby", "bob")  # another connection of the same account
    assert joins(second, "#b") == "474"
    op.send("MODE #b -b a:BOB")  # folded as nicks are
    assert op.expect("MODE").params[1:] == ("-b", "a:BOB")
    assert joins(bob, "#b") == "JOIN"


def test_account_masks_fold_by_the_casemapping_and_take_wildcards(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    channel_with(op, "#f", "+b a:DAN{X}", "+b a:e?e*")
    assert joins(account(connect, "dan[x]"), "#f") == "474"  # rfc1459: [ is { folded
    assert joins(account(connect, "Eve"), "#f") == "474"
    assert joins(connect("erve"), "#f") == "JOIN"  # a guest matches no account mask


def test_account_ban_silences_a_member(connect: Callable[..., IrcClient]) -> None:
    op = connect("op")
    carol = account(connect, "carol")
    channel_with(op, "#s")
    assert joins(carol, "#s") == "JOIN"
    op.sync()
    op.send("MODE #s +b a:carol")
    op.expect("MODE")
    carol.send("PRIVMSG #s :hi")
    assert carol.expect("404").params[1] == "#s"
    op.send("MODE #s +e a:carol")
    op.expect("MODE")
    carol.send("PRIVMSG #s :hi")
    assert op.expect("PRIVMSG").params == ("#s", "hi")


def test_account_exception_lets_the_account_through_a_wide_ban(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    channel_with(op, "#e", "+b *!*@*", "+e a:bob")
    assert joins(account(connect, "bob"), "#e") == "JOIN"
    assert joins(connect("guest"), "#e") == "474"


def test_account_invite_exceptions_open_invite_only_channels(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    channel_with(op, "#i", "+i", "+I a:bob")
    channel_with(op, "#members", "+i", "+I a:*")  # anyone logged in
    bob = account(connect, "bob")
    assert joins(bob, "#i") == "JOIN"
    assert joins(bob, "#members") == "JOIN"
    guest = connect("eve")
    assert joins(guest, "#i") == "473"
    assert joins(guest, "#members") == "473"
    other = account(connect, "carol")
    assert joins(other, "#i") == "473"
    assert joins(other, "#members") == "JOIN"


def test_bad_account_masks_are_refused(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    op = connect("op")
    channel_with(op, "#x")
    for mask in ("a:", "a:9lives", "a:bob!*@*", "a:bo,b", "a:\u00e9t\u00e9"):
        op.send(f"MODE #x +b {mask}")
        refusal = op.expect("696")
        assert refusal.params[1:3] == ("#x", "b")
    op.send(b"MODE #x +I a:\xff\xfe")  # not UTF-8: refused before it is read (UTF8ONLY)
    assert op.expect("FAIL").params[:2] == ("MODE", "INVALID_UTF8")
    huge = "a:" + "b" * 400  # over the mask limit, within a line
    op.send(f"MODE #x +e {huge}")
    too_long = op.expect("696")
    assert too_long.params[-1] == "Mask too long"
    assert len(too_long.params[3]) == server.config.limits.mask_length
    op.send("MODE #x +b")
    assert [m.command for m in op.collect_until("368")] == ["368"]  # nothing was listed


def test_account_masks_share_the_list_limit(connect: Callable[..., IrcClient]) -> None:
    op = connect("op")
    channel_with(op, "#l", "+b a:one", "+b two!*@*", "+b a:three", "+b a:four", "+b a:*")
    op.send("MODE #l +b a:six")
    assert op.expect("478").params[1:3] == ("#l", "b")
    op.send("MODE #l +b a:ONE")  # already there, whatever the case: no change
    assert not [m for m in op.sync() if m.command in ("MODE", "478")]
    op.send("MODE #l +e a:six")  # each list has its own room
    assert op.expect("MODE").params[1:] == ("+e", "a:six")
    op.send("MODE #l b")
    listed = [m.params[2] for m in op.collect_until("368") if m.command == "367"]
    assert listed == ["a:one", "two!*@*", "a:three", "a:four", "a:*"]


def test_a_mute_lets_one_in_to_read_but_not_speak(connect: Callable[..., IrcClient]) -> None:
    """`m:mask` in +b (ISUPPORT EXTBAN=,am): joined and reading, refused when speaking,
    until voiced, excepted (+e) or unmuted; `m:a:account` mutes an account."""
    op = connect("op")
    channel_with(op, "#m", "+b m:loud!*@*", "+b m:a:shouty")
    loud = connect("loud")
    assert joins(loud, "#m") == "JOIN"
    loud.send("PRIVMSG #m :hello?")
    assert loud.expect("404").params[1] == "#m"
    loud.send("TAGMSG #m")  # no typing notices either
    assert loud.expect("404").params[1] == "#m"
    op.send("PRIVMSG #m :you are muted")
    assert loud.expect("PRIVMSG").params[1] == "you are muted"  # still reads
    shouty = account(connect, "shouty")
    assert joins(shouty, "#m") == "JOIN"
    shouty.send("PRIVMSG #m :me too?")
    assert shouty.expect("404").params[1] == "#m"
    op.send("MODE #m +e m:loud!*@*")
    op.expect("MODE")
    loud.send("PRIVMSG #m :thanks")
    assert op.expect("PRIVMSG").params == ("#m", "thanks")
    op.send("MODE #m -b m:a:shouty")
    op.expect("MODE")
    shouty.send("PRIVMSG #m :free")
    assert op.expect("PRIVMSG").params == ("#m", "free")
    for mask in ("m:", "m:m:x", "m:a:"):
        op.send(f"MODE #m +b {mask}")
        assert op.expect("696").params[1:3] == ("#m", "b")
