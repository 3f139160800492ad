"""The console's admin API without a window: a real server thread, real IRC clients."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.server.admin import Admin, AdminError
from parley.server.admin.feed import EventFeed, LogEntry
from parley.server.admin.thread import ServerThread
from parley.server.core import events as ev
from parley.server.tls import certificate_fingerprint
from support.client import IrcClient
from support.servers import test_config as server_config

TIMEOUT = 10.0
OTHER = "127.0.0.2"  # a second loopback address, to ban without banning the test itself


def wait_for(condition: Callable[[], Any], timeout: float = TIMEOUT) -> Any:
    deadline = time.monotonic() + timeout
    while not (result := condition()):
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {condition}")
        time.sleep(0.02)
    return result


class Running:
    """A server thread and its admin, with the plain and TLS ports it got."""

    def __init__(self, data: Path) -> None:
        self.thread = ServerThread(server_config(data, tls=True))
        self.admin: Admin = self.thread.start()
        listeners = self.admin.info().result(TIMEOUT).listeners
        self.port = next(int(x.address.rsplit(":", 1)[1]) for x in listeners if not x.tls)
        self.tls_port = next(int(x.address.rsplit(":", 1)[1]) for x in listeners if x.tls)
        self.log: list[LogEntry] = []

    def client(self, nick: str, **kwargs: Any) -> IrcClient:
        client = IrcClient(self.port, **kwargs)
        client.register(nick)
        return client

    def logged(self, text: str) -> bool:
        self.log += self.admin.feed.take()
        return any(text in entry.text for entry in self.log)

    def stop(self) -> None:
        if not self.admin.stopped.is_set():
            self.admin.shutdown().result(TIMEOUT)
        assert self.thread.join(TIMEOUT)


@pytest.fixture
def running(tmp_path: Path) -> Iterator[Running]:
    server = Running(tmp_path)
    yield server
    server.stop()


def test_info_shows_listeners_fingerprint_and_version(running: Running) -> None:
    info = running.admin.info().result(TIMEOUT)
    assert [x.tls for x in info.listeners] == [False, True]
    assert info.fingerprint == certificate_fingerprint(Path(info_cert(running)))
    assert info.name == "test.parley" and info.version
    assert time.time() - info.started < 60


def info_cert(running: Running) -> Path:
    return Path(running.thread.config.data_dir) / "tls" / "cert.pem"


def test_users_and_channels_are_listed_with_tls_and_membership(running: Running) -> None:
    alice = running.client("alice")
    bob = IrcClient(running.tls_port, tls=True)
    bob.register("bob")
    bob.send("JOIN #side")
    bob.expect("366")
    users = {u.nick: u for u in running.admin.users().result(TIMEOUT)}
    assert users["alice"].tls is False and users["bob"].tls is True
    assert users["bob"].channels == ("#lobby", "#side")
    assert users["alice"].host == "127.0.0.1" and users["alice"].idle < 60
    channels = {c.name: c for c in running.admin.channels().result(TIMEOUT)}
    assert channels["#lobby"].members == 2 and channels["#side"].members == 1
    assert channels["#lobby"].modes == "+nt" and channels["#lobby"].topic
    alice.close()


def test_kick_from_the_admin_is_a_kick_by_the_server(running: Running) -> None:
    alice = running.client("alice")
    bob = running.client("bob")
    done = running.admin.kick("#lobby", "bob", "calm down").result(TIMEOUT)
    assert done == "Kicked bob from #lobby"
    kick = bob.expect("KICK")
    assert kick.source == "test.parley" and kick.params == ("#lobby", "bob", "calm down")
    assert alice.expect("KICK").params[1] == "bob"
    with pytest.raises(AdminError, match="bob is not in #lobby"):
        running.admin.kick("#lobby", "bob", "again").result(TIMEOUT)
    wait_for(lambda: running.logged("test.parley kicked bob from #lobby: calm down"))


def test_kill_disconnects_and_says_who(running: Running) -> None:
    alice = running.client("alice")
    spammer = running.client("spammer")
    running.admin.kill("spammer", "spam").result(TIMEOUT)
    assert spammer.wait_closed()[-1].params[0] == "Closing link: (Killed (test.parley (spam)))"
    assert "Killed" in alice.expect("QUIT").params[0]
    with pytest.raises(AdminError, match="Nobody is called spammer"):
        running.admin.kill("spammer", "again").result(TIMEOUT)


def test_address_ban_refuses_reconnects_at_connect_and_is_kept(
    running: Running, tmp_path: Path
) -> None:
    visitor = running.client("visitor", source=OTHER)
    done = running.admin.ban(OTHER, 30, "go away", address=True).result(TIMEOUT)
    assert done == f"Banned {OTHER} for 30 minutes; 1 connection closed"
    assert visitor.wait_closed()[-1].params[0] == "Banned (go away)"
    assert [m.command for m in IrcClient(running.port, source=OTHER).wait_closed()] == [
        "465",
        "ERROR",
    ]
    (ban,) = running.admin.bans().result(TIMEOUT)
    assert ban.mask == OTHER and ban.address and ban.expires is not None
    running.stop()  # the ban is in the data dir: a new run refuses too
    again = Running(tmp_path)
    try:
        assert IrcClient(again.port, source=OTHER).wait_closed()[0].command == "465"
        assert again.admin.unban(OTHER, address=True).result(TIMEOUT).endswith(OTHER)
        again.client("visitor", source=OTHER)  # welcome back
        assert again.admin.bans().result(TIMEOUT) == ()
    finally:
        again.stop()


def test_bad_bans_are_refused_with_a_reason_and_not_kept(running: Running) -> None:
    admin = running.admin
    with pytest.raises(AdminError, match="not an IP address"):
        admin.ban("not an ip", 0, "x", address=True).result(TIMEOUT)
    with pytest.raises(AdminError, match="would ban everyone"):
        admin.ban("*@*", 0, "x").result(TIMEOUT)
    with pytest.raises(AdminError, match="A ban lasts"):
        admin.ban("troll", -5, "x").result(TIMEOUT)
    with pytest.raises(AdminError, match="No ban on"):
        admin.unban("nobody").result(TIMEOUT)
    assert admin.bans().result(TIMEOUT) == ()


def test_notice_motd_and_lobby_topic_reach_users(running: Running) -> None:
    alice = running.client("alice")
    assert running.admin.notice_all("restart at noon").result(TIMEOUT).startswith("Notice sent")
    notice = alice.expect("NOTICE")
    assert notice.source == "test.parley" and notice.params == ("$*", "restart at noon")
    running.admin.set_lobby_topic("Maintenance at noon").result(TIMEOUT)
    assert alice.expect("TOPIC").params == ("#lobby", "Maintenance at noon")
    running.admin.set_motd("First line\nSecond line").result(TIMEOUT)
    alice.send("MOTD")
    assert [m.params[-1] for m in alice.collect_until("376") if m.command == "372"] == [
        "- First line",
        "- Second line",
    ]
    with pytest.raises(AdminError, match="one line"):
        running.admin.notice_all("two\nlines").result(TIMEOUT)


def test_lobby_topic_set_while_nobody_is_there_greets_the_next_one(running: Running) -> None:
    result = running.admin.set_lobby_topic("Back on Monday").result(TIMEOUT)
    assert result == "Topic of #lobby set, for when someone joins"
    first = running.client("first")
    assert topic_shown(first) == ("#lobby", "Back on Monday")
    first.send("TOPIC #lobby :Changed by a member")
    assert first.expect("TOPIC").params == ("#lobby", "Changed by a member")
    first.send("QUIT")
    wait_for(lambda: not running.admin.channels().result(TIMEOUT))  # the lobby is gone
    later = running.client("later")
    assert topic_shown(later) == ("#lobby", "Changed by a member")


def topic_shown(client: IrcClient) -> tuple[str, ...]:
    """The channel and topic of the 332 in the join burst that registering read."""
    return next(m.params[1:] for m in client.received if m.command == "332")


def test_event_log_has_joins_and_quits_but_no_messages(running: Running) -> None:
    alice = running.client("alice")
    alice.send("PRIVMSG #lobby :a secret thought")
    alice.send("QUIT :bye")
    alice.wait_closed()
    wait_for(lambda: running.logged("alice quit: Quit: bye"))
    kinds = [e.kind for e in running.log]
    assert kinds[:4] == ["connect", "register", "join", "topic"]
    assert not any("secret" in e.text for e in running.log)
    assert [e.seq for e in running.log] == list(range(1, len(running.log) + 1))


def test_event_feed_keeps_only_the_newest_entries() -> None:
    feed = EventFeed(capacity=3)
    for n in range(5):
        feed.observe(ev.Joined(f"user{n}", "#lobby"))
    feed.observe(ev.Messaged("user1", "PRIVMSG", "#lobby", "hi", "id", 0.0))  # not logged
    taken = feed.take()
    assert [e.seq for e in taken] == [3, 4, 5]
    assert taken[-1].text == "user4 joined #lobby"
    assert feed.take() == []


def test_charts_get_a_sample_a_second_with_message_rates(running: Running) -> None:
    alice = running.client("alice")
    bob = running.client("bob")

    def busy_sample() -> bool:
        alice.send("PRIVMSG #lobby :tick")
        snapshot = running.admin.snapshot().result(TIMEOUT)
        return any(s.messages_per_s > 0 and s.bytes_out_per_s > 0 for s in snapshot.samples)

    wait_for(busy_sample)
    snapshot = running.admin.snapshot().result(TIMEOUT)
    assert snapshot.samples[-1].users == 2 and snapshot.counters.connections == 2
    assert snapshot.counters.messages >= 1
    bob.close()


def test_shutdown_tells_clients_and_later_actions_say_it_stopped(running: Running) -> None:
    alice = running.client("alice")
    running.admin.shutdown("Closing for the night").result(TIMEOUT)
    assert alice.wait_closed()[-1].params[0] == "Closing for the night"
    assert running.thread.join(TIMEOUT)
    assert running.admin.stopped.is_set()
    with pytest.raises(AdminError, match="The server has stopped"):
        running.admin.kick("#lobby", "alice", "x").result(TIMEOUT)
