"""Timeouts driven by `Server.sweep()` and a clock the test moves: no waiting."""

from __future__ import annotations

from fake import Harness, commands_of

LIMITS = {"registration_timeout": 10.0, "ping_interval": 30.0, "ping_timeout": 10.0}


def test_registration_timeout_closes_the_session() -> None:
    h = Harness(limits=LIMITS)
    session, conn = h.connect()
    h.say(session, "NICK slow")
    h.clock.advance(9)
    h.server.sweep()
    assert conn.closed_with == []
    h.clock.advance(2)
    h.server.sweep()
    assert conn.closed_with == ["Registration timed out"]
    assert session.id not in h.server.state.sessions
    h.say(session, "USER slow 0 * :S")  # too late: ignored
    assert h.server.state.client("slow") is None


def test_held_cap_negotiation_also_times_out() -> None:
    h = Harness(limits=LIMITS)
    session, conn = h.connect()
    h.say(session, "CAP LS 302", "NICK slow", "USER slow 0 * :S")
    h.clock.advance(11)
    h.server.sweep()
    assert conn.closed_with == ["Registration timed out"]


def test_registered_client_is_not_held_to_the_registration_timeout() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    _session, conn = h.user("alice")
    h.server.sweep()
    h.clock.advance(11)
    h.server.sweep()
    assert conn.closed_with == []


def test_silent_client_is_pinged_then_dropped_and_peers_see_why() -> None:
    h = Harness(limits=LIMITS)
    _quiet, quiet_conn = h.user("quiet")
    peer, peer_conn = h.user("peer")
    h.server.sweep()  # the net layer sweeps every second; this one sees registration
    quiet_conn.take()  # peer's lobby JOIN
    h.clock.advance(29)
    h.say(peer, "PONG :x")  # the peer stays alive throughout
    h.server.sweep()
    assert quiet_conn.take() == []  # not idle long enough to be pinged
    h.clock.advance(2)
    h.say(peer, "PONG :x")
    h.server.sweep()
    (ping,) = quiet_conn.take()
    assert ping.command == "PING" and ping.params == ("test.parley",)
    h.clock.advance(11)
    h.say(peer, "PONG :x")
    h.server.sweep()
    assert quiet_conn.closed_with == ["Ping timeout: 42 seconds"]
    quits = [m for m in peer_conn.take() if m.command == "QUIT"]
    assert [q.params for q in quits] == [("Ping timeout: 42 seconds",)]
    assert quits[0].source is not None and quits[0].source.startswith("quiet!")
    assert peer_conn.closed_with == []
    assert h.server.state.client("quiet") is None


def test_pong_keeps_an_idle_client() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    session, conn = h.user("alice")
    h.server.sweep()
    h.clock.advance(31)
    h.server.sweep()
    assert commands_of(conn.take()) == ["PING"]
    h.say(session, "PONG :test.parley")
    h.clock.advance(11)
    h.server.sweep()
    assert conn.closed_with == []
    h.clock.advance(25)  # idle again, but the interval starts over from the PONG
    h.server.sweep()
    assert conn.take() == []


def test_any_line_counts_as_a_sign_of_life() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    session, conn = h.user("alice")
    h.server.sweep()
    h.clock.advance(31)
    h.server.sweep()
    assert commands_of(conn.take()) == ["PING"]
    h.say(session, "LUSERS")  # not a PONG, but the client is there
    conn.take()
    h.clock.advance(11)
    h.server.sweep()
    assert conn.closed_with == []
