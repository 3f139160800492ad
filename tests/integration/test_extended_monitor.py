"""IRCv3 extended-monitor: watchers hear of away, account and real name changes of the
nicks they MONITOR, without sharing a channel, only with the capability of the change."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from test_ircv3 import authenticate, create_account

from support.client import IrcClient
from support.servers import ThreadServer

CHANGES = {"AWAY", "ACCOUNT", "SETNAME", "CHGHOST"}


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "monitor_entries": 3})


def watch(watcher: IrcClient, nick: str) -> None:
    watcher.send(f"MONITOR + {nick}")
    watcher.expect(lambda m: m.command in ("730", "731"))


def changes(client: IrcClient) -> list[tuple[str, tuple[str, ...]]]:
    """The notifications of changes that arrived, as (command, params)."""
    return [(m.command, m.params) for m in client.sync() if m.command in CHANGES]


def test_a_watcher_with_the_caps_hears_of_away_and_real_name(
    connect: Callable[..., IrcClient],
) -> None:
    watcher = connect("watcher", caps=("extended-monitor", "away-notify", "setname"))
    watch(watcher, "friend")
    friend = connect("friend", caps=("setname",))
    watcher.expect("730")
    friend.send("AWAY :lunch")
    friend.expect("306")
    seen = watcher.expect("AWAY")
    assert seen.params == ("lunch",) and seen.source.startswith("friend!")
    friend.send("AWAY")
    friend.expect("305")
    assert watcher.expect("AWAY").params == ()
    friend.send("SETNAME :Friend Person")
    friend.expect("SETNAME")
    assert changes(watcher) == [("SETNAME", ("Friend Person",))]


def test_watchers_without_both_caps_hear_nothing(connect: Callable[..., IrcClient]) -> None:
    no_extension = connect("plain", caps=("away-notify", "setname"))
    no_away = connect("half", caps=("extended-monitor",))
    for watcher in (no_extension, no_away):
        watch(watcher, "friend")
    friend = connect("friend", caps=("setname",))
    friend.send("AWAY :gone")
    friend.send("SETNAME :Someone Else")
    friend.expect("SETNAME")
    for watcher in (no_extension, no_away):
        watcher.expect("730")
        assert changes(watcher) == []


def test_a_watcher_hears_of_a_login_after_registration(
    server: ThreadServer, connect: Callable[..., IrcClient]
) -> None:
    create_account(server, "late", "pw")
    watcher = connect("watcher", caps=("extended-monitor", "account-notify"))
    bare = connect("bare", caps=("account-notify",))
    for client in (watcher, bare):
        watch(client, "late")
    late = connect("late", caps=("sasl",))
    authenticate(late, "late", "pw")
    seen = watcher.expect("ACCOUNT")
    assert seen.params == ("late",) and seen.source.startswith("late!")
    assert changes(bare) == []


def test_a_watcher_who_shares_a_channel_hears_once(connect: Callable[..., IrcClient]) -> None:
    watcher = connect("watcher", caps=("extended-monitor", "away-notify"))
    friend = connect("friend")
    for client in (watcher, friend):
        client.send("JOIN #both")
        client.expect("366")
    watch(watcher, "friend")
    friend.send("AWAY :brb")
    friend.expect("306")
    assert changes(watcher) == [("AWAY", ("brb",))]


def test_unwatching_and_the_watch_limit_end_the_notifications(
    connect: Callable[..., IrcClient],
) -> None:
    watcher = connect("watcher", caps=("extended-monitor", "away-notify"))
    watcher.send("MONITOR + a,b,c,friend")  # one more than monitor_entries
    full = watcher.expect("734")
    assert full.params[1:3] == ("3", "friend")
    watcher.send("MONITOR + ghost")
    assert watcher.expect("734").params[2] == "ghost"
    friend = connect("friend")
    friend.send("AWAY :not watched")
    friend.expect("306")
    a = connect("a")
    a.send("AWAY :watched")
    a.expect("306")
    assert changes(watcher) == [("AWAY", ("watched",))]
    watcher.send("MONITOR - a")
    a.send("AWAY")
    a.expect("305")
    assert changes(watcher) == []


def test_the_watch_limit_is_advertised(connect: Callable[..., IrcClient]) -> None:
    watcher = connect("watcher")
    tokens = [p for m in watcher.received if m.command == "005" for p in m.params]
    assert "MONITOR=3" in tokens
