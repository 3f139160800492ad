"""Privacy of history, from the attacker's side (docs/privacy.md): a line is read later
only by those who could read it when it was said."""

from __future__ import annotations

import signal
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from support import servers
from support.client import IrcClient
from support.privacy import (
    HISTORY_CAPS,
    history,
    identify,
    join,
    make_channel,
    register_account,
    say,
)
from support.servers import ProcessServer, ThreadServer
from support.waiting import wait_until


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def test_private_history_without_accounts_stays_with_the_connection(
    connect: Callable[..., IrcClient],
) -> None:
    """Whoever takes a nick later (even having connected earlier) reads none of its DMs."""
    mallory = connect("mallory", caps=HISTORY_CAPS)  # signed on before the talk
    alice = connect("alice", caps=HISTORY_CAPS)
    bob = connect("bob", caps=HISTORY_CAPS)
    alice.send("PRIVMSG bob :my secret")
    bob.expect("PRIVMSG")
    bob.send("PRIVMSG alice :your secret")
    alice.expect("PRIVMSG")
    assert history(alice, "bob") == ["my secret", "your secret"]
    alice.send("NICK alice_away")  # the nick is free, its holder still online
    alice.expect("NICK")
    mallory.send("NICK alice")
    mallory.expect("NICK")
    assert history(mallory, "bob") == []
    alice.send("QUIT")
    alice.wait_closed()
    assert history(mallory, "bob") == []
    assert history(bob, "alice") == ["my secret", "your secret"]  # bob's own side stays his


@pytest.mark.parametrize("modes", ["+s", "+i", "+k sesame"])
def test_a_newcomer_reads_none_of_what_was_said_before_in_a_closed_channel(
    connect: Callable[..., IrcClient], modes: str
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    make_channel(alice, "#vault")
    say(alice, "#vault", "said in the open")
    alice.send(f"MODE #vault {modes}")
    alice.expect("MODE")
    say(alice, "#vault", "behind closed doors")
    key = "sesame" if "k" in modes else ""
    bob = connect("bob", caps=HISTORY_CAPS)
    plain = connect("plain")  # without chathistory: the replay on JOIN
    if "i" in modes:
        alice.send("INVITE bob #vault")
        alice.expect("341")
    join(bob, "#vault", key)
    assert history(bob, "#vault") == ["said in the open"]
    if "i" in modes:
        alice.send("INVITE plain #vault")
        alice.expect("341")
    assert join(plain, "#vault", key) == ["said in the open"]
    say(alice, "#vault", "once they were in")
    assert history(bob, "#vault") == ["said in the open", "once they were in"]
    assert history(alice, "#vault") == [
        "said in the open", "behind closed doors", "once they were in"
    ]  # fmt: skip


def test_whoever_makes_an_emptied_channel_again_reads_nothing_of_its_past(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    make_channel(alice, "#vault", "+sik sesame")
    say(alice, "#vault", "the combination is 12-34-56")
    alice.send("PART #vault")
    alice.expect("PART")
    mallory = connect("mallory", caps=HISTORY_CAPS)
    join(mallory, "#vault")  # empty: made anew, and mallory is its operator
    assert history(mallory, "#vault") == []
    mallory.send("CHATHISTORY AROUND #vault timestamp=2000-01-01T00:00:00.000Z 100")
    assert [m for m in mallory.collect_until("BATCH") if m.command == "PRIVMSG"] == []
    friend = connect("friend")  # the replay on JOIN, for clients without chathistory
    assert join(friend, "#vault") == []


def test_kicked_and_banned_members_read_only_up_to_when_they_left(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    register_account(alice)
    bob = connect("bob", caps=HISTORY_CAPS)
    register_account(bob)
    make_channel(alice, "#vault", "+s")
    join(bob, "#vault")
    say(alice, "#vault", "while bob was here")
    alice.send("MODE #vault +b bob!*@*")
    alice.expect("MODE")
    alice.send("KICK #vault bob :out")
    bob.expect("KICK")
    say(alice, "#vault", "after bob left")
    bob.send("JOIN #vault")
    bob.expect("474")  # banned
    alice.send("MODE #vault -b bob!*@*")
    alice.expect("MODE")
    join(bob, "#vault")
    assert history(bob, "#vault") == ["while bob was here"]
    anon = connect("anon", caps=HISTORY_CAPS)  # no account: only its current stay
    join(anon, "#vault")
    say(alice, "#vault", "to all three")
    alice.send("KICK #vault anon :out")
    anon.expect("KICK")
    join(anon, "#vault")
    assert history(anon, "#vault") == []
    assert history(bob, "#vault") == ["while bob was here", "to all three"]


def test_after_a_restart_the_first_to_join_reads_nothing_closed_and_members_read_theirs(
    tmp_path: Path,
) -> None:
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    first = ThreadServer(config).start()
    try:
        alice = IrcClient(first.port)
        alice.register("alice", caps=HISTORY_CAPS, lobby=False)
        register_account(alice)
        make_channel(alice, "#vault")
        say(alice, "#vault", "open to all")
        alice.send("MODE #vault +s")
        alice.expect("MODE")
        say(alice, "#vault", "for members only")
    finally:
        first.stop()
    second = ThreadServer(config).start()
    try:
        mallory = IrcClient(second.port)
        mallory.register("mallory", caps=HISTORY_CAPS, lobby=False)
        join(mallory, "#vault")  # first in: made anew, operator
        assert history(mallory, "#vault") == ["open to all"]
        friend = IrcClient(second.port)
        friend.register("friend", lobby=False)
        assert join(friend, "#vault") == ["open to all"]  # the replay on JOIN
        alice = IrcClient(second.port)
        alice.register("alice", caps=HISTORY_CAPS, lobby=False)
        identify(alice)  # logging in brings her back into #vault
        assert any(m.command == "366" and m.params[1] == "#vault" for m in alice.received)
        assert history(alice, "#vault") == ["open to all", "for members only"]
        for client in (mallory, friend, alice):
            client.close()
    finally:
        second.stop()


def stored(data_dir: Path, query: str, *args: str) -> bool:
    db = sqlite3.connect(data_dir / "parley.db")
    try:
        return db.execute(query, args).fetchone() is not None
    finally:
        db.close()


def test_after_a_crash_nobody_reads_what_was_said_behind_closed_doors(tmp_path: Path) -> None:
    """kill -9 loses the stays still going: their lines are then read by fewer, never more."""
    args = ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--no-flood-limit"]
    first = ProcessServer([*args, "--no-lobby"])
    try:
        alice = IrcClient(first.port())
        alice.register("alice", caps=HISTORY_CAPS, lobby=False)
        register_account(alice)
        make_channel(alice, "#vault")
        say(alice, "#vault", "open to all")
        alice.send("MODE #vault +s")
        alice.expect("MODE")
        say(alice, "#vault", "for members only")
        line = "SELECT 1 FROM history WHERE text = ?"
        wait_until(lambda: stored(tmp_path, line, "for members only"), what="the line saved")
        presence = "SELECT 1 FROM account_state WHERE folded = ? AND channels LIKE ?"
        wait_until(lambda: stored(tmp_path, presence, "alice", "%#vault%"), what="presence")
        first.signal(signal.SIGKILL)
        first.wait()
    finally:
        first.stop()
    second = ProcessServer([*args, "--no-lobby"])
    try:
        mallory = IrcClient(second.port())
        mallory.register("mallory", caps=HISTORY_CAPS, lobby=False)
        join(mallory, "#vault")
        assert history(mallory, "#vault") == ["open to all"]
        alice = IrcClient(second.port())
        alice.register("alice", caps=HISTORY_CAPS, lobby=False)
        identify(alice)
        assert any(m.command == "366" and m.params[1] == "#vault" for m in alice.received)
        assert history(alice, "#vault") == ["open to all"]  # her stay was not saved
    finally:
        second.stop()
