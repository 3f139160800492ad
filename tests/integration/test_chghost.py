"""CHGHOST: an operator sets a user's vhost; clients with IRCv3 chghost see CHGHOST, the
others a reconnection (QUIT, JOIN, MODE); WHO, WHOIS and bans see the new host."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from test_ircv3 import authenticate, create_account

from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer, run_cli
from support.servers import test_config as server_config

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


def login(server: ThreadServer, nick: str, password: str) -> IrcClient:
    """A client that logs into the existing account `nick` with SASL as it registers."""
    client = IrcClient(server.port)
    client.send("CAP REQ :sasl")
    client.expect("CAP")
    authenticate(client, nick, password)
    client.send("CAP END")
    client.register(nick, lobby=False)
    return client


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
    assert boss.expect("FAIL").params[1] == "INVALID_UTF8"  # refused before it is read
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


def test_an_accounts_host_is_shown_at_each_login(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    create_account(server, "alice", "pw")
    boss = operator(connect)
    alice = login(server, "alice", "pw")
    boss.send("CHGHOST alice cloak.example")
    notices = [m.params[-1] for m in boss.sync() if m.command == "NOTICE"]
    assert notices[-1] == "Account alice has this host whenever it logs in"
    alice.send("QUIT")
    alice.wait_closed()
    again = login(server, "alice", "pw")  # SASL at connect: the host from the start
    assert again.received[-1].command in ("376", "422")
    welcome = next(m for m in again.received if m.command == "001")
    assert welcome.params[-1].endswith("alice!alice@cloak.example")
    bob = connect("bob", caps=("chghost",))
    old = connect("old")
    late = connect("late", caps=("chghost",))  # logs in after registering
    join("#r", late, bob, old)
    authenticate(late, "alice", "pw")
    assert (f"late!late@{HOST}", "CHGHOST", ("late", "cloak.example")) in lines(bob)
    assert [c for _, c, _ in lines(old)][:2] == ["QUIT", "JOIN"]
    mine = [(m.command, m.params) for m in late.received]  # (before 900, as it happened)
    assert ("CHGHOST", ("late", "cloak.example")) in mine
    assert ("396", ("late", "cloak.example", "is now your displayed host")) in mine
    boss.send(f"CHGHOST late {HOST}")  # the real host again: the account's is forgotten
    notices = [m.params[-1] for m in boss.sync() if m.command == "NOTICE"]
    assert notices[-1] == "Account alice has its real host again when it logs in"
    fresh = connect("fresh")
    authenticate(fresh, "alice", "pw")
    fresh.send("WHO fresh")
    assert fresh.expect("352").params[3] == HOST


def test_an_accounts_host_outlives_a_restart_not_the_account(tmp_path: Path) -> None:
    opers = (Oper("boss", hash_password("hunter2")),)
    config = server_config(tmp_path / "kept", lobby=None, opers=opers)
    first = ThreadServer(config).start()
    try:
        create_account(first, "alice", "pw")
        boss = IrcClient(first.port)
        boss.register("boss", lobby=False)
        boss.send("OPER boss hunter2")
        boss.expect("381")
        alice = login(first, "alice", "pw")
        boss.send("CHGHOST alice kept.example")
        boss.expect(lambda m: m.command == "NOTICE" and "whenever" in m.params[-1])
        alice.close()
        boss.close()
    finally:
        first.stop()
    second = ThreadServer(config).start()
    try:
        alice = login(second, "alice", "pw")
        alice.send("WHO alice")
        assert alice.expect("352").params[3] == "kept.example"
        alice.send("QUIT")
        alice.wait_closed()
        run_cli(config.data_dir, "delete-account", "alice")
        create_account(second, "alice", "other-pw")  # someone else's account of that name
        newcomer = login(second, "alice", "other-pw")
        newcomer.send("WHO alice")
        assert newcomer.expect("352").params[3] == HOST
    finally:
        second.stop()
