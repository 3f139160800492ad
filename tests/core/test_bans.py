"""Server bans in force until they expire: K-lines at registration, D-lines at connect."""

from __future__ import annotations

from fake import FakeConnection, Harness, commands_of

from parley.server.core import operations as op


def register(h: Harness, host: str, nick: str) -> FakeConnection:
    session, conn = h.connect(host)
    h.say(session, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    return conn


def test_bans_refuse_until_they_expire_then_are_forgotten() -> None:
    h = Harness(lobby=None)
    server = h.server
    op.add_ban(server, op.new_ban(server, "*!*@192.0.2.9", 1, "spam", "boss"))
    op.add_ban(server, op.new_ban(server, "198.51.100.7", 2, "flood", "boss", address=True))
    assert commands_of(register(h, "192.0.2.9", "kay").take()) == ["465"]
    assert commands_of(register(h, "198.51.100.7", "dee").take()) == ["465"]
    h.clock.advance(61)  # the K-line's minute is over, the D-line's two are not
    assert commands_of(register(h, "192.0.2.9", "kay").take())[0] == "001"
    assert commands_of(register(h, "198.51.100.7", "dee").take()) == ["465"]
    h.clock.advance(60)
    assert commands_of(register(h, "198.51.100.7", "dee").take())[0] == "001"
    assert len(server.bans) == 0 and server.bans.store.all() == []
