"""Channels over real sockets: joining, modes, operators' powers, queries."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """No lobby and no flood limit: these tests make their own channels, quickly."""
    return make_server(lobby=None, limits={"flood_enabled": False})


def numeric(client: IrcClient, code: str) -> list[str]:
    return list(client.expect(code).params)


def join(channel: str, *clients: IrcClient) -> None:
    """Each client joins `channel`, in order, and has seen the names list."""
    for client in clients:
        client.send(f"JOIN {channel}")
        client.expect(lambda m, c=channel: m.command == "366" and m.params[1] == c)


def test_first_joiner_gets_op_and_names_list_ops_first(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("JOIN #room")
    assert "@alice" in numeric(alice, "353")[-1].split()
    bob.send("JOIN #room")
    names = numeric(bob, "353")[-1].split()
    assert names[0] == "@alice" and "bob" in names
    assert alice.expect("JOIN").source.startswith("bob!")


def test_join_several_with_keys_and_join_zero(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("JOIN #a,#b")
    alice.expect(lambda m: m.command == "366" and m.params[1] == "#b")
    alice.send("MODE #b +k sesame")
    alice.expect("MODE")
    bob.send("JOIN #a,#b x,wrong")
    assert numeric(bob, "475")[1] == "#b"
    bob.send("JOIN #b sesame")
    assert bob.expect("JOIN").params == ("#b",)
    bob.send("JOIN 0")
    parts = {bob.expect("PART").params[0] for _ in range(2)}
    assert parts == {"#a", "#b"}


def test_part_with_reason_and_empty_channel_goes_away(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#gone", alice)
    bob.send("JOIN #gone")
    alice.expect("JOIN")
    bob.send("PART #gone :off now")
    assert alice.expect("PART").params == ("#gone", "off now")
    alice.send("PART #gone")
    alice.expect("PART")
    alice.send("LIST")
    listed = [m.params[1] for m in alice.collect_until("323") if m.command == "322"]
    assert "#gone" not in listed


def test_topic_needs_op_under_t(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#t", alice, bob)
    bob.send("TOPIC #t :mine")
    assert numeric(bob, "482")[1] == "#t"
    alice.send("TOPIC #t :the plan")
    assert bob.expect("TOPIC").params == ("#t", "the plan")
    bob.send("TOPIC #t")
    assert numeric(bob, "332")[-1] == "the plan"


def test_list_shows_counts_and_topics_but_not_secret_channels(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("JOIN #open,#hidden")
    alice.expect(lambda m: m.command == "366" and m.params[1] == "#hidden")
    alice.send("TOPIC #open :hello")
    alice.send("MODE #hidden +s")
    alice.expect("MODE")
    bob.send("LIST")
    rows = {m.params[1]: m.params[2:] for m in bob.collect_until("323") if m.command == "322"}
    assert rows == {"#open": ("1", "hello")}


def test_kick_needs_op_and_the_victim_sees_it(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#k", alice, bob)
    bob.send("KICK #k alice")
    assert numeric(bob, "482")[1] == "#k"
    alice.send("KICK #k bob :behave")
    kick = bob.expect("KICK")
    assert kick.params == ("#k", "bob", "behave") and kick.source.startswith("alice!")
    alice.send("KICK #k nobody")
    assert numeric(alice, "441")[1] == "nobody"


def test_invite_only_channel_admits_the_invited(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#club", alice)
    alice.send("MODE #club +i")
    alice.expect("MODE")
    bob.send("JOIN #club")
    assert numeric(bob, "473")[1] == "#club"
    alice.send("INVITE bob #club")
    assert numeric(alice, "341")[1:3] == ["bob", "#club"]
    assert bob.expect("INVITE").params == ("bob", "#club")
    bob.send("JOIN #club")
    assert bob.expect("JOIN").params == ("#club",)


def test_ban_blocks_joining_and_speaking(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#b", alice, bob)
    alice.send("MODE #b +b bob")
    assert bob.expect("MODE").params == ("#b", "+b", "bob!*@*")
    bob.send("PRIVMSG #b :can I?")
    assert numeric(bob, "404")[1] == "#b"
    bob.send("PART #b")
    bob.send("JOIN #b")
    assert numeric(bob, "474")[1] == "#b"
    alice.send("MODE #b +b")
    bans = [m for m in alice.collect_until("368") if m.command == "367"]
    assert [m.params[2] for m in bans] == ["bob!*@*"]


def test_limit_moderated_and_no_outside_messages(connect: Callable[..., IrcClient]) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#m", alice)
    alice.send("MODE #m +l 2")
    alice.expect("MODE")
    join("#m", bob)
    carol.send("JOIN #m")
    assert numeric(carol, "471")[1] == "#m"
    carol.send("PRIVMSG #m :from outside")
    assert numeric(carol, "404")[1] == "#m"  # +n is on by default
    alice.send("MODE #m +m")
    bob.expect("MODE")
    bob.send("PRIVMSG #m :quiet?")
    assert numeric(bob, "404")[1] == "#m"
    alice.send("MODE #m +v bob")
    bob.expect("MODE")
    bob.send("PRIVMSG #m :voiced")
    assert alice.expect("PRIVMSG").params == ("#m", "voiced")


def test_multi_prefix_and_userhost_in_names(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("multi-prefix", "userhost-in-names"))
    join("#p", alice)
    alice.send("MODE #p +v alice")
    alice.expect("MODE")
    alice.send("NAMES #p")
    (entry,) = numeric(alice, "353")[-1].split()
    assert entry.startswith("@+alice!alice@")


def test_away_is_told_to_senders_and_away_notify_peers(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("away-notify",))
    bob = connect("bob")
    join("#aw", alice, bob)
    bob.send("AWAY :lunch")
    numeric(bob, "306")
    assert alice.expect("AWAY").params == ("lunch",)
    alice.send("PRIVMSG bob :there?")
    assert numeric(alice, "301")[1:] == ["bob", "lunch"]
    bob.send("AWAY")
    numeric(bob, "305")
    assert alice.expect("AWAY").params == ()


def test_who_whois_whowas_ison_userhost(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#q", alice, bob)
    alice.send("WHO #q")
    who = [m for m in alice.collect_until("315") if m.command == "352"]
    assert {m.params[5] for m in who} == {"alice", "bob"}
    alice.send("WHOIS bob")
    whois = alice.collect_until("318")
    codes = [m.command for m in whois]
    assert "311" in codes and "319" in codes and "312" in codes and "317" in codes
    assert whois[codes.index("319")].params[-1] == "#q"
    alice.send("ISON bob nobody alice")
    assert numeric(alice, "303")[-1] == "bob alice"
    alice.send("USERHOST bob")
    assert numeric(alice, "302")[-1].startswith("bob=+bob@")
    bob.send("QUIT")
    alice.expect("QUIT")
    alice.send("WHOWAS bob")
    assert numeric(alice, "314")[1] == "bob"


def test_server_queries_answer(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    alice.send("VERSION")
    assert numeric(alice, "351")[1].startswith("parley-")
    alice.send("TIME")
    assert numeric(alice, "391")[1] == "test.parley"
    alice.send("LUSERS")
    assert numeric(alice, "251")[-1] == "There are 1 users and 0 invisible on 1 servers"
    alice.send("MOTD")
    assert numeric(alice, "375")
    alice.expect("376")
