"""Server bans in force until they expire: K-lines at registration, D-lines at connect."""

from __future__ import annotations

from pathlib import Path

import pytest
from fake import FakeClock, FakeConnection, Harness, commands_of

from parley.server.core import operations as op
from parley.server.core.bans import Bans, stored_key
from parley.server.store.bans import MemoryBanStore, SqliteBanStore


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


def test_bans_are_kept_in_sqlite_across_restarts_and_expire_there_too(tmp_path: Path) -> None:
    clock = FakeClock()
    store = SqliteBanStore(tmp_path / "parley.db")
    bans = Bans(store, clock)
    bans.add(bans.new("Troll", 0, "", "boss"))  # completed to troll!*@*, until removed
    bans.add(bans.new("198.51.100.7/32", 1, "flood", "boss", address=True))
    bans.add(bans.new("2001:db8::/48", 0, "net", "boss", address=True))
    store.close()

    store = SqliteBanStore(tmp_path / "parley.db")  # the next run
    bans = Bans(store, clock)
    # (kept under the folded mask, as before)
    assert {b.mask for b in bans.active()} == {"troll!*@*", "198.51.100.7", "2001:db8::/48"}
    assert bans.on_hostmask("guest!u@h", "TROLL!u@real.example") is not None
    assert bans.on_hostmask("guest!u@h") is None
    assert bans.on_address("2001:db8::1") is not None and bans.on_address("2001:db9::1") is None
    clock.advance(61)  # the D-line's minute is over: gone from the table and the disk
    assert bans.on_address("198.51.100.7") is None
    assert len(bans) == 2 and len(store.all()) == 2
    assert bans.remove(stored_key(" 2001:db8::/48 ", address=True))
    assert not bans.remove(stored_key("nobody", address=False))
    store.close()
    again = SqliteBanStore(tmp_path / "parley.db")
    assert [b.mask for b in Bans(again, clock).active()] == ["troll!*@*"]
    again.close()


def test_a_bad_ban_is_explained_and_nothing_is_kept() -> None:
    bans = Bans(MemoryBanStore(), FakeClock())
    for mask, minutes, address in [
        ("*!*@*", 0, False),
        ("a b", 0, False),
        ("x" * 300, 0, False),
        ("10.0.0.0/8", 0, True),
        ("not-an-address", 0, True),
        ("troll", -1, False),
        ("troll", 10**9, False),
    ]:
        with pytest.raises(ValueError):
            bans.new(mask, minutes, "", "boss", address)
    assert len(bans) == 0
