"""A history writer that falls behind pauses the senders of messages, not the server.

The writer is a real SqliteHistory whose commits wait at a gate the test opens:
how slow the disk is does not matter, only that the backlog stays bounded.
"""

from __future__ import annotations

import contextlib
import signal
import sqlite3
import threading
from collections.abc import Callable, Iterable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.server.config import HistoryPolicy
from parley.server.net.connection import ClientConnection, stored_message
from parley.server.store.history import HistoryItem
from parley.server.store.sqlite_history import SqliteHistory
from support.client import IrcClient
from support.servers import ProcessServer, ThreadServer
from support.waiting import wait_until

POLICY = HistoryPolicy(queue_high=50, queue_low=10, queue_max=200)
SENT = 300
GATE_TIMEOUT = 30.0  # a broken test must not leave the writer waiting forever


class Gate:
    """Holds every history commit until opened (closed again at will)."""

    def __init__(self) -> None:
        self.open = threading.Event()

    def install(self, monkeypatch: pytest.MonkeyPatch) -> None:
        real = SqliteHistory._commit

        def held(db: sqlite3.Connection, batch: Iterable[HistoryItem], changes: list[Any]) -> None:
            self.open.wait(GATE_TIMEOUT)
            real(db, batch, changes)

        monkeypatch.setattr(SqliteHistory, "_commit", staticmethod(held))


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Iterator[Gate]:
    gate = Gate()
    gate.install(monkeypatch)
    yield gate
    gate.open.set()


def _item(n: int) -> HistoryItem:
    return HistoryItem(f"m{n}", float(n), "#c", "#c", "a!a@h", None, "PRIVMSG", f"line {n}")


def test_past_the_cap_messages_are_counted_not_held(tmp_path: Path, gate: Gate) -> None:
    history = SqliteHistory(tmp_path / "parley.db", POLICY)
    try:
        for n in range(SENT):
            history.append(_item(n))
        status = history.status()
        assert status.queued == POLICY.queue_max
        assert status.dropped == SENT - POLICY.queue_max
        assert history.lagging() and status.state == "lagging"
        called = threading.Event()
        assert history.wait_drained(called.set)
        gate.open.set()
        assert called.wait(GATE_TIMEOUT)
        history.flush()
        assert history.status().queued == 0 and not history.lagging()
        assert not history.wait_drained(called.set)  # nothing to wait for now
    finally:
        history.close()


def _connection(server: ThreadServer, nick: str) -> ClientConnection:
    assert server.process is not None
    for conn in server.process.hub.connections:
        if conn.session is not None and conn.session.nick == nick:
            return conn
    raise LookupError(nick)


def _held(server: ThreadServer, nick: str) -> int:
    """Lines of `nick` read and held back, on the server's loop."""
    return int(server.call(lambda: len(_connection(server, nick)._pending or ())))


def test_a_slow_writer_pauses_senders_until_it_drains(
    make_server: Callable[..., ThreadServer], gate: Gate
) -> None:
    server = make_server(history=POLICY, limits={"flood_enabled": False})
    assert server.process is not None
    history = server.process.history
    listener, sender, other = (IrcClient(server.port) for _ in range(3))
    listener.register("listener")
    sender.register("sender")
    other.register("other")
    events = history.status().queued  # their JOINs (event-playback), held at the gate too
    sender.send("".join(f"PRIVMSG #lobby :said {n}\r\n" for n in range(SENT)))
    wait_until(history.lagging, what="the writer to lag")
    wait_until(lambda: _held(server, "sender") > 0, what="the sender's lines held")

    seen = [m for m in listener.sync() if m.command == "PRIVMSG"]  # not a sender: answered
    assert 0 < len(seen) <= POLICY.queue_high
    # nothing held beyond the high-water mark
    assert history.status().queued == events + len(seen)
    assert server.call(lambda: _connection(server, "sender")._paused)

    other.send("WHO #lobby")  # a command that stores nothing goes through
    other.expect("315")
    other.send("PRIVMSG #lobby :from other")  # a message waits like the rest
    wait_until(lambda: _held(server, "other") == 1, what="the other sender held")
    assert not [m for m in listener.sync() if m.command == "PRIVMSG"]
    assert history.status().queued == events + len(seen)

    gate.open.set()  # the disk catches up
    texts = [m.params[1] for m in seen]
    while len(texts) < SENT + 1:
        texts.append(listener.expect("PRIVMSG").params[1])
    assert [t for t in texts if t.startswith("said")] == [f"said {n}" for n in range(SENT)]
    assert "from other" in texts
    sender.sync()
    other.sync()
    history.flush()
    status = history.status()
    assert status.state == "ok" and status.queued == 0 and status.dropped == 0
    for client in (listener, sender, other):
        client.close()


def test_only_commands_that_store_lines_count_as_stored() -> None:
    for line in (b"PRIVMSG #a :hi", b"@label=1 :me!u@h notice bob :x", b"TAGMSG #a",
                 b"JOIN #a", b"part #a", b"TOPIC #a :t", b"REDACT #a m1"):  # fmt: skip
        assert stored_message(line)
    for line in (b"PING x", b"WHO #a", b"@a=1", b":only.a.prefix", b"", b"WHOIS #privmsg"):
        assert not stored_message(line)


class Blaster(threading.Thread):
    """A client with echo-message saying numbered lines in bursts, counting its own echoes.

    A PING ends each burst, and at most WINDOW bursts go unanswered: the client
    keeps the server busy yet reads what it is sent, so it is never dropped for
    its send queue.
    """

    def __init__(self, port: int, nick: str, bursts: int) -> None:
        super().__init__(daemon=True)
        self.client = IrcClient(port)
        self.client.register(nick, caps=("echo-message",))
        self.client.sock.settimeout(None)
        self.nick = nick
        self.bursts = bursts
        self.echoed = 0  # own messages the server has echoed (so accepted and queued)
        self.pongs = threading.Semaphore(WINDOW - 1)
        self.done = threading.Event()  # the connection is over
        self.reader = threading.Thread(target=self._read, daemon=True)

    def _read(self) -> None:
        mine = f":{self.nick}!".encode()
        pending = b""
        with contextlib.suppress(OSError):
            while data := self.client.sock.recv(1 << 16):
                *lines, pending = (pending + data).split(b"\r\n")
                for line in lines:
                    if line.startswith(mine) and b" PRIVMSG " in line:
                        self.echoed += 1
                    elif b" PONG " in line:
                        self.pongs.release()
        self.done.set()
        self.pongs.release()

    def run(self) -> None:
        self.reader.start()
        with contextlib.suppress(OSError):
            for b in range(self.bursts):
                lines = (f"PRIVMSG #lobby :{self.nick} {b} {n}\r\n" for n in range(BURST))
                self.client.sock.sendall("".join(lines).encode() + b"PING b\r\n")
                if not self.pongs.acquire(timeout=GATE_TIMEOUT) or self.done.is_set():
                    return


BURST = 100
WINDOW = 5
BLASTERS = 3


def test_sigkill_under_saturating_load_loses_at_most_the_high_water_mark(tmp_path: Path) -> None:
    high = 100
    config = tmp_path / "parley.toml"
    config.write_text(f"[history]\nqueue_high = {high}\nqueue_low = 20\nqueue_max = 1000\n")
    data_dir = tmp_path / "data"
    server = ProcessServer(
        ["--config", str(config), "--listen", "127.0.0.1:0", "--no-tls", "--no-flood-limit",
         "--data-dir", str(data_dir)]
    )  # fmt: skip
    blasters = [Blaster(server.port(), f"blaster{i}", bursts=10_000) for i in range(BLASTERS)]
    try:
        for blaster in blasters:
            blaster.start()
        wait_until(lambda: sum(b.echoed for b in blasters) >= 50 * high, timeout=60,
                   what="a good load of messages accepted")  # fmt: skip
        echoed = sum(b.echoed for b in blasters)  # all of these were queued before the kill
        server.signal(signal.SIGKILL)
        server.wait()
    finally:
        server.stop()
        for blaster in blasters:
            blaster.client.close()
            blaster.join(timeout=GATE_TIMEOUT)
    db = sqlite3.connect(data_dir / "parley.db")
    (stored,) = db.execute("SELECT count(*) FROM history WHERE kind = 0").fetchone()
    db.close()
    assert stored >= echoed - high, (stored, echoed)
