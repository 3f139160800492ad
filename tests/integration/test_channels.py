"""Channels and queries over real sockets: JOIN, PART, TOPIC, NAMES, LIST, KICK,
INVITE, AWAY, WHO/WHOIS/WHOWAS/ISON/USERHOST and the server's own answers."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.channels import join, numeric
from support.client import IrcClient
from support.servers import ThreadServer

Connect = Callable[..., IrcClient]


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """No lobby and no flood limit: these tests make their own channels, quickly."""
    return make_server(lobby=None, limits={"flood_enabled": False})


def names(client: IrcClient, channel: str) -> list[str]:
    """The entries of a NAMES reply for `channel`."""
    client.send(f"NAMES {channel}")
    return [
        e for m in client.collect_until("366") if m.command == "353" for e in m.params[-1].split()
    ]


def listed(client: IrcClient) -> dict[str, tuple[str, ...]]:
    """LIST as {channel: (count, topic)}."""
    client.send("LIST")
    return {m.params[1]: m.params[2:] for m in client.collect_until("323") if m.command == "322"}


def test_first_joiner_gets_op_and_later_joiners_do_not(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("JOIN #room")
    assert alice.expect("JOIN").params == ("#room",)
    assert numeric(alice, "353")[1:] == ["=", "#room", "@alice"]
    bob.send("JOIN #room")
    assert numeric(bob, "353")[-1].split() == ["@alice", "bob"]
    assert alice.expect("JOIN").source.startswith("bob!")


def test_join_several_channels_with_keys(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send("JOIN #a,#b")
    alice.expect(lambda m: m.command == "366" and m.params[1] == "#b")
    alice.send("MODE #b +k sesame")
    alice.expect("MODE")
    bob.send("JOIN #a,#b x,wrong")
    assert bob.expect("JOIN").params == ("#a",)
    assert numeric(bob, "475")[1] == "#b"
    bob.send("JOIN #c,#b ,sesame")
    joined = [
        m.params[0]
        for m in bob.collect_until_match(lambda m: m.command == "366" and m.params[1] == "#b")
        if m.command == "JOIN"
    ]
    assert joined == ["#c", "#b"]


def test_join_zero_parts_every_channel(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#a", alice, bob)
    join("#b", alice, bob)
    bob.send("JOIN 0")
    assert {bob.expect("PART").params[0] for _ in range(2)} == {"#a", "#b"}
    parts = [
        m
        for m in alice.collect_until_match(lambda m: m.command == "PART" and m.params[0] == "#b")
        if m.command == "PART"
    ]
    assert [(m.source.split("!")[0], m.params) for m in parts] == [
        ("bob", ("#a",)),
        ("bob", ("#b",)),
    ]
    assert names(alice, "#a") == ["@alice"]


def test_part_with_reason_is_seen_by_the_channel(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#p", alice, bob)
    bob.send("PART #p :off now")
    part = alice.expect("PART")
    assert part.params == ("#p", "off now") and part.source.startswith("bob!")
    bob.send("PART #p")
    assert numeric(bob, "442")[1] == "#p"


def test_empty_channel_disappears(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#gone", alice, bob)
    assert listed(alice)["#gone"][0] == "2"
    bob.send("PART #gone")
    alice.expect("PART")
    assert listed(alice)["#gone"][0] == "1"
    alice.send("PART #gone")
    alice.expect("PART")
    assert "#gone" not in listed(alice)
    alice.send("TOPIC #gone")
    assert numeric(alice, "403")[1] == "#gone"


def test_topic_is_set_by_ops_seen_by_members_and_shown_on_join(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#t", alice, bob)
    bob.send("TOPIC #t")
    assert numeric(bob, "331")[1] == "#t"
    bob.send("TOPIC #t :mine")
    assert numeric(bob, "482")[1] == "#t"  # +t by default
    alice.send("TOPIC #t :the plan")
    topic = bob.expect("TOPIC")
    assert topic.params == ("#t", "the plan") and topic.source.startswith("alice!")
    carol.send("JOIN #t")
    assert numeric(carol, "332")[1:] == ["#t", "the plan"]
    assert numeric(carol, "333")[2].startswith("alice!")


def test_names_marks_ops_and_voices(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#n", alice, bob, carol)
    alice.send("MODE #n +v carol")
    carol.expect("MODE")
    assert names(bob, "#n") == ["@alice", "bob", "+carol"]
    bob.send("NAMES #nowhere")
    assert numeric(bob, "366")[1] == "#nowhere"


def test_multi_prefix_and_userhost_in_names(connect: Connect) -> None:
    alice = connect("alice", caps=("multi-prefix", "userhost-in-names"))
    bob = connect("bob")
    join("#p", alice, bob)
    alice.send("MODE #p +v alice")
    alice.expect("MODE")
    assert names(alice, "#p") == ["@+alice!alice@127.0.0.1", "bob!bob@127.0.0.1"]
    assert names(bob, "#p") == ["@alice", "bob"]  # only for those who asked


def test_list_shows_counts_and_topics(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#one", alice, bob)
    join("#two", alice)
    alice.send("TOPIC #one :hello there")
    alice.expect("TOPIC")
    assert listed(bob) == {"#one": ("2", "hello there"), "#two": ("1", "")}
    bob.send("LIST >1")
    assert [m.params[1] for m in bob.collect_until("323") if m.command == "322"] == ["#one"]


def test_kick_needs_op_and_everyone_sees_the_victim_go(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#k", alice, bob, carol)
    bob.send("KICK #k carol")
    assert numeric(bob, "482")[1] == "#k"
    alice.send("KICK #k bob :behave")
    for watcher in (bob, carol):
        kick = watcher.expect("KICK")
        assert kick.params == ("#k", "bob", "behave") and kick.source.startswith("alice!")
    assert names(carol, "#k") == ["@alice", "carol"]
    bob.send("PRIVMSG #k :still here?")
    assert numeric(bob, "404")[1] == "#k"
    alice.send("KICK #k nobody")
    assert numeric(alice, "441")[1] == "nobody"


def test_invite_only_channel_admits_the_invited(connect: Connect) -> None:
    alice, bob, carol = connect("alice"), connect("bob"), connect("carol")
    join("#club", alice, carol)
    alice.send("MODE #club +i")
    carol.expect("MODE")
    bob.send("JOIN #club")
    assert numeric(bob, "473")[1] == "#club"
    carol.send("INVITE bob #club")
    assert numeric(carol, "482")[1] == "#club"  # only ops invite into +i
    alice.send("INVITE bob #club")
    assert numeric(alice, "341")[1:3] == ["bob", "#club"]
    invite = bob.expect("INVITE")
    assert invite.params == ("bob", "#club") and invite.source.startswith("alice!")
    bob.send("JOIN #club")
    assert bob.expect("JOIN").params == ("#club",)
    alice.send("INVITE bob #club")
    assert numeric(alice, "443")[1:3] == ["bob", "#club"]


def test_away_is_told_to_senders_and_to_peers_with_away_notify(connect: Connect) -> None:
    alice = connect("alice", caps=("away-notify",))
    bob, carol = connect("bob"), connect("carol")
    join("#aw", alice, bob, carol)
    bob.send("AWAY :lunch")
    numeric(bob, "306")
    away = alice.expect("AWAY")
    assert away.params == ("lunch",) and away.source.startswith("bob!")
    assert not [m for m in carol.sync() if m.command == "AWAY"]  # carol did not ask
    alice.send("PRIVMSG bob :there?")
    assert numeric(alice, "301")[1:] == ["bob", "lunch"]
    assert bob.expect("PRIVMSG").params == ("bob", "there?")  # delivered all the same
    bob.send("AWAY")
    numeric(bob, "305")
    assert alice.expect("AWAY").params == ()
    alice.send("PRIVMSG bob :back?")
    assert not [m for m in alice.sync() if m.command == "301"]


def test_who_lists_members_with_their_flags(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#q", alice, bob)
    bob.send("AWAY :out")
    bob.expect("306")
    alice.send("WHO #q")
    who = {m.params[5]: m.params for m in alice.collect_until("315") if m.command == "352"}
    assert who["alice"][1:7] == ("#q", "alice", "127.0.0.1", "test.parley", "alice", "H@")
    assert who["bob"][6] == "G"
    assert who["bob"][-1] == "0 bob's real name"


def test_whois_describes_a_user(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#q", alice, bob)
    alice.send("WHOIS bob")
    whois = {m.command: m.params for m in alice.collect_until("318")}
    assert whois["311"][1:] == ("bob", "bob", "127.0.0.1", "*", "bob's real name")
    assert whois["319"][-1] == "#q"
    assert whois["312"][2] == "test.parley"
    assert "317" in whois
    alice.send("WHOIS ghost")
    assert numeric(alice, "401")[1] == "ghost"
    assert numeric(alice, "318")[1] == "ghost"


def test_whowas_remembers_who_left(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    join("#q", alice, bob)
    bob.send("QUIT :done")
    assert alice.expect("QUIT").params == ("Quit: done",)
    alice.send("WHOWAS bob")
    assert numeric(alice, "314")[1:6] == ["bob", "bob", "127.0.0.1", "*", "bob's real name"]
    assert numeric(alice, "369")[1] == "bob"
    alice.send("WHOWAS never")
    assert numeric(alice, "406")[1] == "never"


def test_ison_and_userhost(connect: Connect) -> None:
    alice, bob = connect("alice"), connect("bob")
    bob.send("AWAY :brb")
    bob.expect("306")
    alice.send("ISON BOB nobody alice")
    assert numeric(alice, "303")[-1] == "bob alice"
    alice.send("USERHOST bob alice")
    assert numeric(alice, "302")[-1] == "bob=-bob@127.0.0.1 alice=+alice@127.0.0.1"


def test_server_queries_answer(connect: Connect) -> None:
    alice, _bob = connect("alice"), connect("bob")
    alice.send("VERSION")
    version = numeric(alice, "351")
    assert version[1].startswith("parley-") and version[2] == "test.parley"
    alice.send("TIME")
    assert numeric(alice, "391")[1] == "test.parley"
    alice.send("LUSERS")
    lusers = {m.command: m.params for m in alice.collect_until("266")}
    assert lusers["251"][-1] == "There are 2 users and 0 invisible on 1 servers"
    assert lusers["255"][-1] == "I have 2 clients and 0 servers"
    alice.send("MOTD")
    motd = alice.collect_until("376")
    assert motd[0].command == "375"
    assert any("test.parley" in m.params[-1] for m in motd if m.command == "372")
    alice.send("VERSION other.server")
    assert numeric(alice, "402")[1] == "other.server"
