"""History: messages come back through CHATHISTORY, and survive the server being killed."""

from __future__ import annotations

import signal
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.server.config import HistoryPolicy
from support.client import IrcClient
from support.servers import ProcessServer, ThreadServer

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def history_batch(client: IrcClient, query: str) -> list[tuple[str, str]]:
    """Send a CHATHISTORY query; the (msgid, text) of what its batch holds."""
    client.send(query)
    start = client.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [(m.tags["msgid"], m.params[-1]) for m in lines if m.command == "PRIVMSG"]


def test_channel_history_comes_back_in_pages(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("echo-message", *HISTORY_CAPS))
    alice.send("JOIN #log")
    alice.expect("366")
    sent = []
    for i in range(12):
        alice.send(f"PRIVMSG #log :line {i}")
        sent.append((alice.expect("PRIVMSG").tags["msgid"], f"line {i}"))
    assert history_batch(alice, "CHATHISTORY LATEST #log * 5") == sent[-5:]
    before = history_batch(alice, f"CHATHISTORY BEFORE #log msgid={sent[7][0]} 3")
    assert before == sent[4:7]
    after = history_batch(alice, f"CHATHISTORY AFTER #log msgid={sent[7][0]} 2")
    assert after == sent[8:10]
    around = history_batch(alice, f"CHATHISTORY AROUND #log msgid={sent[5][0]} 3")
    assert around == sent[4:7]


def test_history_of_a_channel_needs_membership(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    alice.send("JOIN #private")
    alice.expect("366")
    alice.send("PRIVMSG #private :secret")
    outsider = connect("outsider", caps=HISTORY_CAPS)
    outsider.send("CHATHISTORY LATEST #private * 10")
    fail = outsider.expect("FAIL")
    assert fail.params[:3] == ("CHATHISTORY", "INVALID_TARGET", "LATEST")


def test_private_history_shows_only_ones_own_conversation(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    bob = connect("bob", caps=HISTORY_CAPS)
    carol = connect("carol", caps=HISTORY_CAPS)
    alice.send("PRIVMSG bob :hi bob")
    bob.expect("PRIVMSG")
    bob.send("PRIVMSG alice :hi alice")
    alice.expect("PRIVMSG")
    texts = [t for _, t in history_batch(alice, "CHATHISTORY LATEST bob * 10")]
    assert texts == ["hi bob", "hi alice"]
    assert history_batch(carol, "CHATHISTORY LATEST bob * 10") == []


def stored_texts(db_path: Path) -> list[str]:
    db = sqlite3.connect(db_path)
    try:
        query = "SELECT text FROM history WHERE command = 'PRIVMSG' ORDER BY id"  # (not events)
        return [row[0] for row in db.execute(query)]
    finally:
        db.close()


def test_sigkill_loses_nothing_older_than_the_commit_bound(tmp_path: Path) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--no-flood-limit"]
    )
    try:
        talker = IrcClient(server.port())
        talker.register("talker", caps=("echo-message",))
        echoed_at: list[float] = []
        start = time.monotonic()
        i = 0
        while time.monotonic() - start < 1.5 and i < 200_000:  # bounded in time and count
            talker.send(b"".join(f"PRIVMSG #lobby :m{i + k}\r\n".encode() for k in range(20)))
            for _ in range(20):
                talker.expect("PRIVMSG")
                echoed_at.append(time.monotonic())
            i += 20
        # mid-traffic: more is on its way when the server dies
        talker.send(b"".join(f"PRIVMSG #lobby :m{i + k}\r\n".encode() for k in range(200)))
        server.signal(signal.SIGKILL)
        killed_at = time.monotonic()
        server.wait()
    finally:
        server.stop()
    texts = stored_texts(tmp_path / "parley.db")
    assert texts == [f"m{k}" for k in range(len(texts))]  # a prefix: no gaps, no reordering
    settled = sum(1 for t in echoed_at if killed_at - t > 1.0)
    assert settled > 0
    assert len(texts) >= settled  # everything echoed a second before the kill was stored


def test_joiner_without_chathistory_sees_recent_lines_marked_as_past(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(lobby=None, limits={"flood_enabled": False})
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    alice.send("JOIN #cafe")
    alice.expect("366")
    for i in range(25):
        alice.send(f"PRIVMSG #cafe :old news {i}")
    alice.sync()
    plain = IrcClient(server.port)
    plain.register("plain", lobby=False)
    plain.send("JOIN #cafe")
    plain.expect("366")
    replayed = [m for m in plain.sync() if m.command == "PRIVMSG"]
    assert len(replayed) == 20  # the default replay_lines
    assert replayed[-1].params[1].endswith("] old news 24")
    assert replayed[0].params[1].startswith("[")
    modern = IrcClient(server.port)
    modern.register("modern", lobby=False, caps=("batch", "server-time", "draft/chathistory"))
    modern.send("JOIN #cafe")
    modern.expect("366")
    assert not [m for m in modern.sync() if m.command == "PRIVMSG"]  # it asks instead


def test_history_keeps_at_most_max_per_target(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(
        lobby=None, limits={"flood_enabled": False}, history=HistoryPolicy(max_per_target=5)
    )
    assert server.process is not None
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    alice.send("JOIN #small")
    alice.expect("366")
    for i in range(12):
        alice.send(f"PRIVMSG #small :n{i}")
    alice.sync()
    server.process.history.flush()
    db = sqlite3.connect(server.config.data_dir / "parley.db")
    try:
        texts = [r[0] for r in db.execute("SELECT text FROM history ORDER BY id")]
    finally:
        db.close()
    assert texts == [f"n{i}" for i in range(7, 12)]
