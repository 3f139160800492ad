"""The core without sockets: registration, errors, liveness, fan-out counts."""

from __future__ import annotations

import pytest
from fake import Harness

from parley.irc.message import Message
from parley.server.core import commands


def commands_of(messages: list[Message]) -> list[str]:
    return [m.command for m in messages]


def test_registration_waits_for_cap_end() -> None:
    h = Harness(lobby=None)
    session, conn = h.connect()
    h.say(session, "CAP LS 302", "NICK alice", "USER a 0 * :A")
    replies = conn.take()
    assert commands_of(replies) == ["CAP"]
    assert "server-time" in replies[0].params[-1].split()
    h.say(session, "CAP REQ :server-time", "CAP END")
    replies = conn.take()
    assert replies[0].params[1] == "ACK"
    assert "001" in commands_of(replies)


def test_unknown_capability_request_is_refused_whole() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "CAP REQ :server-time no-such-cap")
    (reply,) = conn.take()
    assert reply.params[1:] == ("NAK", "server-time no-such-cap")
    h.say(session, "CAP LIST")
    assert conn.take()[0].params[-1] == ""


def test_wrong_server_password_gets_464_and_is_closed() -> None:
    h = Harness(password="secret")
    session, conn = h.connect()
    h.say(session, "PASS wrong", "NICK alice", "USER a 0 * :A")
    assert "464" in commands_of(conn.take())
    assert conn.closed_with == ["Bad password"]


def test_right_server_password_registers() -> None:
    h = Harness(password="secret", lobby=None)
    session, conn = h.connect()
    h.say(session, "PASS secret", "NICK alice", "USER a 0 * :A")
    assert "001" in commands_of(conn.take())


def test_commands_before_registration_get_451() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "JOIN #x")
    assert commands_of(conn.take()) == ["451"]


def test_unknown_command_gets_421_and_missing_params_461() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "FROBNICATE", "KICK #x")
    replies = conn.take()
    assert commands_of(replies) == ["421", "461"]
    assert replies[1].params[1] == "KICK"


def test_failing_handler_costs_only_that_command(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object, msg: object) -> None:
        raise RuntimeError("bug")

    monkeypatch.setitem(commands.COMMANDS, "TIME", commands.COMMANDS["TIME"].__class__(broken, 0))
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "TIME", "PING :still-there")
    replies = conn.take()
    assert commands_of(replies) == ["400", "PONG"]
    assert replies[1].params[-1] == "still-there"


def test_registration_timeout_closes_the_session() -> None:
    h = Harness(limits={"registration_timeout": 10.0})
    session, conn = h.connect()
    h.say(session, "NICK slow")
    h.clock.advance(5)
    h.server.sweep()
    assert conn.closed_with == []
    h.clock.advance(6)
    h.server.sweep()
    assert conn.closed_with == ["Registration timed out"]


def test_silent_client_is_pinged_then_dropped_and_peers_see_why() -> None:
    h = Harness(limits={"ping_interval": 30.0, "ping_timeout": 10.0})
    _quiet, quiet_conn = h.user("quiet")
    peer, peer_conn = h.user("peer")
    h.server.sweep()  # the net layer sweeps every second; this one sees registration
    quiet_conn.take()  # peer's lobby JOIN
    h.clock.advance(31)
    h.say(peer, "PONG :x")  # the peer is alive
    h.server.sweep()
    assert commands_of(quiet_conn.take()) == ["PING"]
    h.clock.advance(11)
    h.say(peer, "PONG :x")
    h.server.sweep()
    assert quiet_conn.closed_with and "Ping timeout" in str(quiet_conn.closed_with[0])
    quits = [m for m in peer_conn.take() if m.command == "QUIT"]
    assert len(quits) == 1 and "Ping timeout" in quits[0].params[0]


def test_pong_keeps_an_idle_client() -> None:
    h = Harness(limits={"ping_interval": 30.0, "ping_timeout": 10.0})
    session, conn = h.user("alice")
    h.server.sweep()
    h.clock.advance(31)
    h.server.sweep()
    assert commands_of(conn.take()) == ["PING"]
    h.say(session, "PONG :test.parley")
    h.clock.advance(11)
    h.server.sweep()
    assert conn.closed_with == []


def test_quit_and_nick_reach_each_peer_once() -> None:
    h = Harness()
    alice, _alice_conn = h.user("alice")
    bob, bob_conn = h.user("bob")
    h.say(alice, "JOIN #two")
    h.say(bob, "JOIN #two")
    bob_conn.take()
    h.say(alice, "NICK alicia")
    assert commands_of(bob_conn.take()) == ["NICK"]
    h.say(alice, "QUIT :bye")
    assert commands_of(bob_conn.take()) == ["QUIT"]
    assert h.server.state.client("alicia") is None


def test_nick_change_to_another_case_of_itself_is_allowed() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "NICK Alice")
    (reply,) = conn.take()
    assert reply.command == "NICK" and reply.params == ("Alice",)
