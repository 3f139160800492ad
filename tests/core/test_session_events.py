"""Sessions, registration, MONITOR watches and per-user facts change through events.

Each test watches what observers (the console's feed) are told and checks that
the state kept beside it (the unregistered count, the sessions, the watch
lists) stays consistent with it.
"""

from __future__ import annotations

import base64

import pytest

from core.fake import FakeConnection, Harness
from parley.irc.numerics import RPL_WHOISHOST
from parley.server.admin.feed import describe
from parley.server.core import events as ev
from parley.server.core import observed as obs
from parley.server.core import operations as op
from parley.server.core.session import Phase, Session
from parley.server.passwords import credentials

PASSWORD = "lantern-fjord-9"


class Seen(list[object]):
    """An observer: every event and happening it is told of, in order."""

    def of(self, kind: type) -> list[object]:
        return [x for x in self if type(x) is kind]


def watched(harness: Harness) -> Seen:
    seen = Seen()
    harness.server.state.observers.append(seen.append)
    return seen


def with_account(name: str, **changes: object) -> Harness:
    harness = Harness(**changes)
    harness.server.accounts.create(name, *credentials(PASSWORD))
    return harness


def device(
    harness: Harness, account: str, nick: str | None = None, host: str = "192.0.2.1"
) -> tuple[Session, FakeConnection]:
    """A connection that logs into `account` with SASL PLAIN, then registers as `nick`."""
    session, conn = harness.connect(host)
    plain = base64.b64encode(f"\0{account}\0{PASSWORD}".encode()).decode()
    nick = nick or account
    harness.say(session, "CAP LS 302", "CAP REQ :sasl", "AUTHENTICATE PLAIN")
    harness.say(session, f"AUTHENTICATE {plain}", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    harness.say(session, "CAP END")
    assert session.phase is Phase.REGISTERED, conn.take()
    conn.take()
    return session, conn


def consistent(harness: Harness) -> None:
    """The counts and links State keeps agree with the sessions themselves."""
    state = harness.server.state
    sessions = list(state.sessions.values())
    assert state.unregistered == sum(s.phase is Phase.UNREGISTERED for s in sessions)
    assert all(s.phase is not Phase.CLOSED for s in sessions)
    for client in state.clients.values():
        assert client.sessions, f"{client.nick} has no session"
        for session in client.sessions:
            assert session.client is client and state.sessions[session.id] is session
    registered = [s for s in sessions if s.phase is Phase.REGISTERED]
    assert sum(len(c.sessions) for c in state.clients.values()) == len(registered)
    for key, watchers in state.monitors.items():
        assert watchers, f"an empty watch list for {key}"
        for watcher in watchers:
            assert key in watcher.monitoring and state.clients[watcher.folded] is watcher
    for client in state.clients.values():
        for key in client.monitoring:
            assert client in state.monitors[key]


def test_a_registration_is_two_events_and_the_unregistered_count_follows() -> None:
    harness = Harness()
    seen = watched(harness)
    state = harness.server.state
    session, _ = harness.connect()
    assert seen.of(ev.SessionStarted) == [ev.SessionStarted(session.id, "192.0.2.1", False)]
    assert state.unregistered == 1 and state.sessions == {session.id: session}
    harness.say(session, "NICK ann", "USER ann 0 * :Ann Example")
    (reg,) = seen.of(ev.Registered)
    assert isinstance(reg, ev.Registered)
    assert (reg.session, reg.nick, reg.user, reg.host, reg.realname) == (
        session.id, "ann", "ann", "192.0.2.1", "Ann Example",
    )  # fmt: skip
    assert reg.account is None and not reg.no_history
    client = state.clients["ann"]
    assert client.uid == reg.uid and client.sessions == [session] and session.client is client
    assert state.unregistered == 0
    consistent(harness)


def test_the_console_feed_words_connections_as_before() -> None:
    harness = Harness()
    seen = watched(harness)
    harness.user("ann")
    early, _ = harness.connect("198.51.100.7")
    harness.say(early, "QUIT :not now")
    words = [d[1] for d in map(describe, seen) if d is not None]
    assert words == [
        "connection from 192.0.2.1",
        "ann (ann@192.0.2.1) registered",
        "ann joined #lobby",
        "test.parley set the topic of #lobby: Welcome! Everyone here reads what you say.",
        "connection from 198.51.100.7",
        "198.51.100.7 left before registering: Quit: not now",
    ]
    assert len(seen.of(obs.Connected)) == len(seen.of(ev.SessionStarted)) == 2


def test_an_unregistered_session_that_closes_is_no_longer_counted() -> None:
    harness = Harness()
    seen = watched(harness)
    state = harness.server.state
    quitter, _ = harness.connect()
    silent, conn = harness.connect()
    harness.say(quitter, "NICK half")
    harness.say(quitter, "QUIT")
    assert state.unregistered == 1 and quitter.id not in state.sessions
    assert seen.of(ev.SessionEnded) == [ev.SessionEnded(quitter.id, "Quit")]
    harness.clock.advance(harness.server.config.limits.registration_timeout + 1)
    harness.server.sweep()
    assert state.unregistered == 0 and state.sessions == {}
    assert seen.of(ev.SessionEnded)[-1] == ev.SessionEnded(silent.id, "Registration timed out")
    assert conn.closed_with == ["Registration timed out"]
    assert not seen.of(ev.Quit)  # nobody knew them
    consistent(harness)


def test_a_registered_session_that_ends_quits_once() -> None:
    harness = Harness()
    seen = watched(harness)
    ann, _ = harness.user("ann", "#tea")
    _, bob = harness.user("bob", "#tea")
    harness.say(ann, "QUIT :bye")
    assert [type(x) for x in seen[-2:]] == [ev.Quit, ev.SessionEnded]
    assert seen.of(ev.Quit) == [ev.Quit("ann", "Quit: bye")]
    assert [m.command for m in bob.take()] == ["QUIT"]
    assert "ann" not in harness.server.state.clients
    consistent(harness)


def test_a_ping_timeout_ends_the_session_through_the_same_event() -> None:
    harness = Harness()
    seen = watched(harness)
    session, conn = harness.user("ann")
    limits = harness.server.config.limits
    harness.server.sweep()  # it said something since the last: active
    harness.clock.advance(limits.ping_interval + 1)
    harness.server.sweep()  # idle: PING
    assert any(m.command == "PING" for m in conn.take())
    harness.clock.advance(limits.ping_timeout + 1)
    harness.server.sweep()
    (ended,) = seen.of(ev.SessionEnded)
    assert isinstance(ended, ev.SessionEnded) and ended.session == session.id
    assert ended.reason.startswith("Ping timeout")
    assert seen.of(ev.Quit) == [ev.Quit("ann", ended.reason)]
    assert harness.server.state.sessions == {} and harness.server.state.unregistered == 0
    consistent(harness)


def test_a_second_device_attaches_and_only_the_last_to_leave_quits() -> None:
    harness = with_account("dora")
    seen = watched(harness)
    state = harness.server.state
    phone, _ = device(harness, "dora")
    _, bob = harness.user("bob", "#lobby")
    laptop, _ = device(harness, "dora", host="203.0.113.5")
    assert seen.of(ev.SessionAttached) == [ev.SessionAttached(laptop.id, "dora")]
    assert len(seen.of(ev.Registered)) == 2  # dora's first session, and bob
    client = state.clients["dora"]
    assert client.sessions == [phone, laptop] and laptop.client is client
    assert state.unregistered == 0
    consistent(harness)
    harness.say(phone, "QUIT :phone off")
    assert seen.of(ev.SessionEnded)[-1] == ev.SessionEnded(phone.id, "Quit: phone off")
    assert not seen.of(ev.Quit) and client.sessions == [laptop]
    assert [m.command for m in bob.take()] == []  # the rest of the network sees one user
    consistent(harness)
    harness.server.disconnect(laptop, "Connection reset")
    assert seen.of(ev.Quit) == [ev.Quit("dora", "Connection reset")]
    assert [m.command for m in bob.take()] == ["QUIT"]
    assert "dora" not in state.clients and state.by_account.clients("dora") == []
    saved = harness.server.accounts.presence("dora")
    assert saved is not None and "#lobby" in saved.channels  # kept as it quit
    consistent(harness)


def test_a_session_over_the_limit_stays_unregistered_and_counted() -> None:
    harness = with_account("dora", limits={"sessions_per_account": 1})
    device(harness, "dora")
    extra, conn = harness.connect()
    plain = base64.b64encode(f"\0dora\0{PASSWORD}".encode()).decode()
    harness.say(extra, "CAP LS 302", "CAP REQ :sasl", "AUTHENTICATE PLAIN")
    harness.say(extra, f"AUTHENTICATE {plain}", "NICK dora", "USER d 0 * :d", "CAP END")
    assert "433" in [m.command for m in conn.take()]
    assert extra.phase is Phase.UNREGISTERED and harness.server.state.unregistered == 1
    harness.say(extra, "QUIT")
    assert harness.server.state.unregistered == 0
    consistent(harness)


def test_a_login_on_one_device_logs_in_every_device_of_the_user() -> None:
    harness = with_account("dora")
    harness.server.accounts.create("explorer", *credentials(PASSWORD))
    phone, _ = device(harness, "dora")
    laptop, _ = device(harness, "dora")
    plain = base64.b64encode(f"\0explorer\0{PASSWORD}".encode()).decode()
    harness.say(laptop, "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain}")  # SASL again
    client = harness.server.state.clients["dora"]
    assert client.account == "explorer"
    assert phone.account == laptop.account == "explorer"  # NickServ SET asks the session
    harness.say(phone, "PRIVMSG NickServ :SET HISTORY OFF")
    stored = harness.server.accounts.get("dora")
    assert client.no_history and stored is not None and not stored.history_opt_out


def test_monitor_watches_are_events_and_leave_nothing_behind() -> None:
    harness = Harness(limits={"monitor_entries": 3})
    seen = watched(harness)
    state = harness.server.state
    ann, conn = harness.user("ann")
    harness.user("bob")
    harness.say(ann, "MONITOR + Bob,carol,bad*nick,dave,erin")
    assert seen.of(ev.Watched) == [ev.Watched("ann", ("Bob", "carol", "dave"))]
    replies = [m.command for m in conn.take()]
    assert "432" in replies and "734" in replies  # erin is past the limit
    assert set(state.monitors) == {"bob", "carol", "dave"}
    consistent(harness)
    harness.say(ann, "MONITOR - CAROL,nobody")
    assert seen.of(ev.Unwatched) == [ev.Unwatched("ann", ("CAROL",))]
    assert set(state.monitors) == {"bob", "dave"}
    harness.say(ann, "MONITOR + erin")  # room again
    harness.say(ann, "MONITOR C")
    assert seen.of(ev.Unwatched)[-1] == ev.Unwatched("ann", ("Bob", "dave", "erin"))
    assert state.monitors == {} and state.clients["ann"].monitoring == {}
    harness.say(ann, "MONITOR C", "MONITOR - bob")  # nothing to undo: no event
    assert len(seen.of(ev.Unwatched)) == 2
    consistent(harness)


def test_a_watcher_that_quits_leaves_no_watch_entries() -> None:
    harness = Harness()
    state = harness.server.state
    ann, _ = harness.user("ann")
    zed, _ = harness.user("zed")
    harness.user("bob")
    harness.say(ann, "MONITOR + bob,carol")
    harness.say(zed, "MONITOR + bob")
    harness.say(ann, "QUIT")
    assert state.monitors == {"bob": {state.clients["zed"]}}
    harness.say(zed, "QUIT")
    assert state.monitors == {}
    consistent(harness)


def test_history_opt_out_is_an_event_for_every_client_of_the_account() -> None:
    harness = with_account("dora")
    seen = watched(harness)
    phone, _ = device(harness, "dora")
    other, _ = device(harness, "dora", nick="dora_away")  # another nick: another client
    harness.say(phone, "PRIVMSG NickServ :SET HISTORY OFF")
    assert set(seen.of(ev.HistoryOptOut)) == {
        ev.HistoryOptOut("dora", True), ev.HistoryOptOut("dora_away", True),
    }  # fmt: skip
    state = harness.server.state
    assert state.clients["dora"].no_history and state.clients["dora_away"].no_history
    late, _ = device(harness, "dora", nick="dora_late")  # the stored choice, at registration
    assert state.clients["dora_late"].no_history and late.client is state.clients["dora_late"]
    assert other.client is state.clients["dora_away"]


def test_idle_time_starts_again_with_every_message_and_costs_no_event_of_its_own() -> None:
    harness = Harness()
    seen = watched(harness)
    ann, conn = harness.user("ann", "#tea")
    harness.user("bob", "#tea")
    client = harness.server.state.clients["ann"]
    harness.clock.advance(100)
    harness.say(ann, "PRIVMSG #tea :hi", "PRIVMSG bob :psst")
    assert client.last_spoke == pytest.approx(harness.clock.now() + 0.001)  # the second's time
    assert not seen.of(ev.Spoke)  # the messages' own events did it
    harness.clock.advance(100)
    harness.say(ann, "PRIVMSG nobody :hello?")  # refused: idle ends all the same
    assert seen.of(ev.Spoke) == [ev.Spoke("ann", harness.clock.now())]
    assert client.last_spoke == harness.clock.now()
    harness.clock.advance(30)
    conn.take()
    harness.say(ann, "WHOIS ann")
    (idle,) = [m for m in conn.take() if m.command == "317"]
    assert idle.params[2] == "30"


def test_whois_shows_each_address_a_user_connects_from_and_a_kline_ends_that_session() -> None:
    harness = with_account("dora")
    phone, conn = device(harness, "dora", host="192.0.2.1")
    laptop, _ = device(harness, "dora", host="203.0.113.5")
    harness.say(phone, "WHOIS dora")
    hosts = [m.params[-1] for m in conn.take() if m.command == RPL_WHOISHOST.code]
    assert hosts == ["is connecting from *@192.0.2.1", "is connecting from *@203.0.113.5"]
    ban = harness.server.bans.new("*!*@203.0.113.5", 0, "elsewhere", "op")
    assert op.add_ban(harness.server, ban) == 1  # the laptop's session, not the phone's
    assert harness.server.state.clients["dora"].sessions == [phone]
    assert laptop.phase is Phase.CLOSED


def test_metadata_set_before_registering_comes_with_the_registered_event() -> None:
    harness = Harness()
    seen = watched(harness)
    session, _ = harness.connect()
    harness.say(session, "CAP LS 302", "CAP REQ :draft/metadata-3")
    harness.say(session, "METADATA * SET avatar :https://example.org/a.png")
    harness.say(session, "NICK dora", "USER dora 0 * :dora", "CAP END")
    (registered,) = seen.of(ev.Registered)
    assert isinstance(registered, ev.Registered)
    assert registered.metadata == (("avatar", "https://example.org/a.png"),)
    assert session.client is not None
    assert session.client.metadata == {"avatar": "https://example.org/a.png"}
    assert session.metadata is None  # the connection's own went to the user
