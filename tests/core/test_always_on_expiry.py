"""Always-on in the core, on a settable clock: unused for too long, a kept user goes;
its own away message and its watchers' view stay as they were."""

from __future__ import annotations

from core.fake import Harness
from core.test_slow_work import plain
from parley.irc.message import Message
from parley.server.passwords import credentials

DAY = 86400.0


def kept_alice(harness: Harness) -> None:
    """alice, always-on, in #tea, her only device gone."""
    harness.server.accounts.create("alice", *credentials("rabbit-hole"))
    session, conn = harness.user("alice", "#tea")
    harness.say(session, "PRIVMSG NickServ :IDENTIFY rabbit-hole")
    harness.say(session, "PRIVMSG NickServ :SET ALWAYS-ON ON")
    assert "stay online" in conn.take()[-1].params[-1]
    harness.say(session, "QUIT")


def test_a_kept_user_unused_for_the_expiry_days_goes_offline_in_the_sweep() -> None:
    harness = Harness(lobby=None, limits={"always_on_expiry_days": 30.0})
    _, bob = harness.user("bob", "#tea")
    kept_alice(harness)
    harness.clock.advance(29 * DAY)
    harness.server.sweep()
    assert harness.server.state.client("alice") is not None
    harness.clock.advance(2 * DAY)
    harness.server.sweep()
    assert harness.server.state.client("alice") is None
    quits = [m for m in bob.take() if m.command == "QUIT"]
    assert [m.params[0] for m in quits] == ["Quit: Always-on expired (no device for 30 days)"]
    assert harness.server.always_on.kept == {}


def test_no_expiry_when_it_is_zero_and_a_deleted_account_goes() -> None:
    harness = Harness(lobby=None, limits={"always_on_expiry_days": 0.0})
    _, bob = harness.user("bob", "#tea")
    kept_alice(harness)
    harness.clock.advance(400 * DAY)
    harness.server.sweep()
    assert harness.server.state.client("alice") is not None
    harness.server.accounts.delete("alice")
    harness.clock.advance(61)
    harness.server.sweep()
    assert harness.server.state.client("alice") is None
    assert [m.params[0] for m in bob.take() if m.command == "QUIT"] == ["Quit: Account deleted"]


def test_the_check_runs_once_a_minute_not_every_sweep() -> None:
    harness = Harness(lobby=None, limits={"always_on_expiry_days": 1.0})
    kept_alice(harness)
    harness.server.sweep()  # (checked now: due since start)
    harness.clock.advance(1 * DAY + 1)
    harness.server.always_on._next_check = harness.clock.now() + 30
    harness.server.sweep()
    assert harness.server.state.client("alice") is not None  # not yet looked at
    harness.clock.advance(31)
    harness.server.sweep()
    assert harness.server.state.client("alice") is None


def attach(harness: Harness) -> list[Message]:
    """A device logs in as alice with SASL and asks for her nick: what it is shown."""
    session, conn = harness.connect()
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
    harness.say(session, f"AUTHENTICATE {plain('alice', 'rabbit-hole')}")
    harness.say(session, "NICK alice", "USER alice 0 * :alice", "CAP END")
    return conn.take()


def test_an_away_message_of_ones_own_stays_and_watchers_see_no_one_leave() -> None:
    harness = Harness(lobby=None)
    watcher, seen = harness.user("bob")
    harness.say(watcher, "CAP REQ away-notify", "MONITOR + alice")
    seen.take()
    harness.server.accounts.create("alice", *credentials("rabbit-hole"))
    session, _ = harness.user("alice", "#tea")
    harness.say(session, "PRIVMSG NickServ :IDENTIFY rabbit-hole")
    harness.say(session, "PRIVMSG NickServ :SET ALWAYS-ON ON", "AWAY :gone fishing", "QUIT")
    assert "731" not in [m.command for m in seen.take()]
    shown = attach(harness)
    assert "305" not in [m.command for m in shown]  # still away, with her own words
    assert harness.server.state.client("alice").away == "gone fishing"  # type: ignore[union-attr]
    assert harness.server.always_on.kept == {}
