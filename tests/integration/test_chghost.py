"""CHGHOST: an operator sets a user's vhost; clients with IRCv3 chghost see CHGHOST, the
others a reconnection (QUIT, JOIN, MODE); WHO, WHOIS and bans see the new host."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer

HOST = "127.0.0.1"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        opers=(Oper("boss", hash_password("hunter2")),),
        limits={"flood_enabled": False},
    )


def operator(connect: Callable[..., IrcClient]) -> IrcClient:
    boss = connect("boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    return boss


def join(channel: str, *clients: IrcClient) -> None:
    for client in clients:
        client.send(f"JOIN {channel}")
        client.expect("366")


def lines(client: IrcClient) -> list[tuple[str | None, str, tuple[str, ...]]]:
    return [(m.source, m.command, m.params) for m in client.sync()]


def test_peers_see_chghost_or_a_reconnection(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("chghost",))
    modern = connect("modern", caps=("chghost",))
    old = connect("old", caps=("away-notify",))
    extended = connect("ext", caps=("extended-join",))
    join("#a", alice, modern, old, extended)  # alice is the channel's op
    join("#b", alice, old)
    alice.send("AWAY :busy")
    alice.expect("306")
    boss = operator(connect)
    boss.send("CHGHOST alice cloak.example")
    assert boss.expect("NOTICE").params[-1] == "The host of alice is now cloak.example"
    old_mask, new_mask = f"alice!alice@{HOST}", "alice!alice@cloak.example"
    assert (old_mask, "CHGHOST", ("alice", "cloak.example")) in lines(modern)
    own = lines(alice)
    assert (old_mask, "CHGHOST", ("alice", "cloak.example")) in own
    assert [p for _, c, p in own if c == "396"] == [
        ("alice", "cloak.example", "is now your displayed host")
    ]
    seen = [x for x in lines(old) if x[1] != "AWAY" or x[0] == new_mask]
    assert seen == [
        (old_mask, "QUIT", ("Changing hostname",)),
        (new_mask, "JOIN", ("#a",)),
        ("test.parley", "MODE", ("#a", "+o", "alice")),
        (new_mask, "JOIN", ("#b",)),
        ("test.parley", "MODE", ("#b", "+o", "alice")),
        (new_mask, "AWAY", ("busy",)),
    ]
    assert lines(extended)[:2] == [
        (old_mask, "QUIT", ("Changing hostname",)),
        (new_mask, "JOIN", ("#a", "*", "alice's real name")),
    ]
    assert lines(boss) == []  # shares no channel with alice


def test_who_whois_and_messages_show_the_new_host(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    bob = connect("bob")
    boss = operator(connect)
    boss.send("CHGHOST alice vhost/alice")
    boss.expect("NOTICE")
    alice.send("PRIVMSG bob :hi")
    assert bob.expect("PRIVMSG").source == "alice!alice@vhost/alice"
    bob.send("WHOIS alice")
    whois = bob.collect_until("318")
    assert [m.params[2:4] for m in whois if m.command == "311"] == [("alice", "vhost/alice")]
    assert not [m for m in whois if m.command == "378"]  # the real host is not shown to others
    for asker in (alice, boss):
        asker.send("WHOIS alice")
        real = [m for m in asker.collect_until("318") if m.command == "378"]
        assert real[0].params[-1] == f"is connecting from *@{HOST}"
    bob.send("WHO alice")
    assert bob.expect("352").params[3] == "vhost/alice"
    bob.send("WHO *vhost/alice*")
    assert bob.expect("352").params[5] == "alice"
    bob.send("USERHOST alice")
    assert bob.expect("302").params[-1].endswith("alice@vhost/alice")


@pytest.mark.parametrize("mask", ["*!*@vhost.example", f"*!*@{HOST}"])
def test_channel_bans_match_the_vhost_and_the_real_host(
    connect: Callable[..., IrcClient], mask: str
) -> None:
    op = connect("op")
    join("#c", op)
    op.send(f"MODE #c +b {mask}")
    op.expect("MODE")
    boss = operator(connect)
    alice = connect("alice")
    boss.send("CHGHOST alice vhost.example")
    boss.expect("NOTICE")
    alice.send("JOIN #c")
    assert alice.expect("474").params[1] == "#c"


def test_a_kline_on_the_real_host_still_drops_a_user_with_a_vhost(
    connect: Callable[..., IrcClient],
) -> None:
    boss = operator(connect)
    troll = connect("troll")
    boss.send("CHGHOST troll innocent.example")
    boss.expect("NOTICE")
    boss.send("KLINE troll!*@127.0.0.1 :go away")
    assert troll.wait_closed()[-1].command == "ERROR"


def test_only_operators_may_change_hosts(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    mallory = connect("mallory")
    mallory.send("CHGHOST alice evil.example")
    assert mallory.expect("481").params[0] == "mallory"
    mallory.send("CHGHOST mallory admin.example")
    mallory.expect("481")
    mallory.send("WHO alice")
    assert mallory.expect("352").params[3] == HOST
    assert [m for m in alice.sync() if m.command in ("CHGHOST", "396", "QUIT")] == []


@pytest.mark.parametrize(
    "host",
    [
        "x" * 64,
        "h" * 5000,
        "h" * 400,
        "a b",
        "user@host",
        "nick!host",
        "*.example",
        ":colon",
        "-dash",
        "dot.",
        "h\u00f4st",
        "a,b",
        "",
    ],
)
def test_bad_hosts_are_refused(connect: Callable[..., IrcClient], host: str) -> None:
    alice = connect("alice")
    boss = operator(connect)
    boss.send(f"CHGHOST alice :{host}")
    if host == "":
        boss.expect(lambda m: m.command in ("FAIL", "461"))
    elif len(host) > 512:
        boss.expect("417")  # the line itself is too long
    else:
        fail = boss.expect("FAIL")
        assert fail.params[:2] == ("CHGHOST", "INVALID_HOST")
        assert len(fail.params) == 4
    boss.send("WHO alice")
    assert boss.expect("352").params[3] == HOST
    assert [m for m in alice.sync() if m.command in ("CHGHOST", "396")] == []


def test_raw_bad_bytes_and_unknown_nicks(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    boss = operator(connect)
    boss.send(b"CHGHOST alice h\xff\xfe.example")
    assert boss.expect("FAIL").params[1] == "INVALID_HOST"
    boss.send("CHGHOST nobody some.host")
    assert boss.expect("401").params[1] == "nobody"
    boss.send("CHGHOST alice")
    assert boss.expect("461").params[1] == "CHGHOST"
    boss.send("CHGHOST alice 127.0.0.1")  # the host it has: nothing to tell
    boss.expect("NOTICE")
    assert [m for m in alice.sync() if m.command in ("CHGHOST", "396")] == []


def test_extended_monitor_watchers_with_chghost_are_told(
    connect: Callable[..., IrcClient],
) -> None:
    with_cap = connect("w1", caps=("extended-monitor", "chghost"))
    without = connect("w2", caps=("extended-monitor",))
    for watcher in (with_cap, without):
        watcher.send("MONITOR + alice")
        watcher.expect("731")
    alice = connect("alice")
    boss = operator(connect)
    boss.send("CHGHOST alice new.example")
    boss.expect("NOTICE")
    seen = with_cap.expect("CHGHOST")
    assert seen.params == ("alice", "new.example")
    assert [m for m in without.sync() if m.command in ("CHGHOST", "QUIT", "JOIN")] == []
    alice.send("QUIT")
    assert with_cap.expect("731").params[-1] == "alice"
