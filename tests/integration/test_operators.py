"""Operator commands over real sockets: D-lines, bans refused, notices to all, SETMOTD, override.

Clients come from different loopback addresses (127.0.0.1, 127.0.0.2) so one
address can be banned while the operator stays.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message, encode
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer

OTHER = "127.0.0.2"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(opers=(Oper("boss", hash_password("hunter2")),))


def operator(server: ThreadServer) -> IrcClient:
    boss = IrcClient(server.port)
    boss.register("boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    return boss


def notice_text(client: IrcClient) -> str:
    return client.expect("NOTICE").params[-1]


def test_dline_drops_the_address_and_refuses_it_before_registration(
    server: ThreadServer,
) -> None:
    boss = operator(server)
    troll = IrcClient(server.port, source=OTHER)
    troll.register("troll")
    boss.send(f"DLINE 10 {OTHER} :flooding")
    assert notice_text(boss) == f"Banned {OTHER} (10 minutes): flooding"
    assert troll.wait_closed()[-1].params[0] == "Banned (flooding)"
    again = IrcClient(server.port, source=OTHER)  # sends nothing: refused at connect
    replies = again.wait_closed()
    assert [m.command for m in replies] == ["465", "ERROR"]
    assert "flooding" in replies[0].params[-1]
    boss.send("STATS d")
    line = boss.expect("225")
    assert line.params[1:3] == ("D", OTHER)
    assert "flooding" in line.params[-1] and "by boss" in line.params[-1]
    boss.send("UNDLINE 127.0.0.2")
    assert notice_text(boss) == f"Removed the ban on {OTHER}"
    IrcClient(server.port, source=OTHER).register("troll")  # welcome again


def test_dline_on_a_network_and_bad_dlines_are_explained(server: ThreadServer) -> None:
    boss = operator(server)
    boss.send("DLINE 127.0.0.0/8 :all of loopback")
    assert "too wide" in notice_text(boss)
    boss.send("DLINE not-an-address :x")
    assert "is not an IP address or network" in notice_text(boss)
    boss.send("DLINE 127.0.5.0/24 :a small network")
    assert notice_text(boss).startswith("Banned 127.0.5.0/24 (until removed)")
    refused = IrcClient(server.port, source="127.0.5.9")
    assert refused.wait_closed()[0].command == "465"
    boss.send("UNDLINE 192.0.2.1")
    assert notice_text(boss) == "No ban on 192.0.2.1"
    boss.sync()  # the operator was never dropped


def test_kline_that_would_ban_everyone_is_refused_and_not_kept(server: ThreadServer) -> None:
    boss = operator(server)
    boss.send("KLINE * :everyone")
    assert notice_text(boss) == "*!*@* would ban everyone"
    boss.send("KLINE 5 *!*@127.0.0.2 :from there")
    assert notice_text(boss) == "Banned *!*@127.0.0.2 (5 minutes): from there"
    boss.send("STATS k")
    assert boss.expect("216").params[2] == "*!*@127.0.0.2"
    assert boss.expect("219")
    visitor = IrcClient(server.port, source=OTHER)
    visitor.send("NICK visitor")
    visitor.send("USER v 0 * :v")
    assert visitor.expect("465")  # a K-line waits for registration


def test_notice_to_all_reaches_every_user_from_an_operator_only(server: ThreadServer) -> None:
    boss = operator(server)
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    alice.send("NOTICE $* :sneaky")
    alice.send("PRIVMSG $* :sneaky")
    assert alice.expect("481")  # NOTICE gets no error reply, PRIVMSG does
    boss.send("NOTICE $* :maintenance at noon")
    heard = alice.expect("NOTICE")
    assert heard.source is not None and heard.source.startswith("boss!")
    assert heard.params == ("$*", "maintenance at noon")
    assert boss.expect("NOTICE").params[-1] == "maintenance at noon"
    boss.send("PRIVMSG $elsewhere.example :hello")
    assert boss.expect("402").params[1] == "$elsewhere.example"
    assert not [m for m in alice.sync() if "sneaky" in m.params[-1:]]


def test_setmotd_changes_what_newcomers_and_motd_show(server: ThreadServer) -> None:
    boss = operator(server)
    boss.send("SETMOTD :Maintenance tonight.\\nBe kind.")
    assert notice_text(boss) == "MOTD set (2 lines)"
    newcomer = IrcClient(server.port)
    newcomer.register("newcomer")
    motd = [m.params[-1] for m in newcomer.received if m.command == "372"]
    assert motd == ["- Maintenance tonight.", "- Be kind."]
    boss.send("SETMOTD :")
    assert notice_text(boss) == "MOTD cleared"
    boss.send("MOTD")
    assert boss.expect("422")


def test_operators_kick_and_set_topics_in_channels_they_are_not_in(
    server: ThreadServer,
) -> None:
    alice = IrcClient(server.port)
    alice.register("alice")
    alice.send("JOIN #private")
    alice.expect("366")
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("KICK #private alice :no")
    assert bob.expect("442")  # not an operator: the usual rules
    bob.send("JOIN #private")
    bob.expect("366")
    boss = operator(server)
    boss.send("TOPIC #private :set from outside")
    assert alice.expect("TOPIC").params[-1] == "set from outside"
    boss.send("KICK #private alice :out")
    kick = alice.expect("KICK")
    assert kick.params == ("#private", "alice", "out")
    assert kick.source is not None and kick.source.startswith("boss!")
    boss.send("KICK #private alice :again")
    assert boss.expect("441")


def test_a_kill_with_the_longest_reason_ends_with_an_error_line_within_512_bytes(
    server: ThreadServer,
) -> None:
    boss = operator(server)
    victim = IrcClient(server.port)
    victim.register("victim")
    boss.send("KILL victim :" + "r" * 490)  # a whole line's worth of reason
    errors = [m for m in victim.wait_closed() if m.command == "ERROR"]
    assert errors, "the victim is told why"
    assert len(encode(Message("ERROR", errors[0].params))) <= 512
    assert "Killed (boss (rrr" in errors[0].params[0]
