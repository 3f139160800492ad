"""The account commands run as separate processes against a live server under load.

A second process on the database must never take the server down, and an
account it creates is known to the server at once.
"""

from __future__ import annotations

import contextlib
import socket
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.client import IrcClient
from support.servers import ProcessServer, run_cli
from support.waiting import wait_until

TALKERS = 4
LINES_PER_BURST = 40
MAX_BURSTS = 50_000  # each talker stops after this many (far more than a run takes)
ROUNDS = 6
PONG_TIMEOUT = 30.0
STOP_TIMEOUT = 30.0  # create, look up, list, delete, look up again


class Talker(threading.Thread):
    """One client saying lines to the lobby in bursts; a thread of its own reads what comes.

    Each burst ends with a PING, and the next waits for its PONG: the talker is
    never so far behind in reading that the server drops it for its send queue.
    """

    def __init__(self, port: int, nick: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = IrcClient(port)
        self.client.register(nick)
        self.client.sock.settimeout(None)  # blocking: a paused sender waits, it does not give up
        self.stop = stop
        self.sent = 0
        self.nick = nick
        self.error: OSError | None = None  # what ended the sending early
        self.tail = b""  # the last bytes the server sent
        self.reader = threading.Thread(target=self._read, daemon=True)
        self.pongs = threading.Semaphore(0)

    def _read(self) -> None:
        """Take everything the server sends, so this client is never a slow reader."""
        pending = b""
        with contextlib.suppress(OSError):
            while data := self.client.sock.recv(1 << 16):
                self.tail = (self.tail + data)[-300:]
                *lines, pending = (pending + data).split(b"\r\n")
                for line in lines:
                    if b" PONG " in line:
                        self.pongs.release()
        self.pongs.release()  # the connection is over: a sender waiting for a PONG goes on

    def run(self) -> None:
        self.reader.start()
        burst = (
            b"".join(
                f"PRIVMSG #lobby :{self.nick} line {n}\r\n".encode() for n in range(LINES_PER_BURST)
            )
            + b"PING burst\r\n"
        )
        try:
            for _ in range(MAX_BURSTS):
                if self.stop.is_set():
                    break
                self.client.sock.sendall(burst)
                self.sent += LINES_PER_BURST
                if not self.pongs.acquire(timeout=PONG_TIMEOUT):
                    raise TimeoutError("no PONG")
        except OSError as exc:
            self.error = exc
        self.reader.join(timeout=10)


def _reserved(server: ProcessServer, nick: str) -> bool:
    """Whether the server says `nick` belongs to an account, to a newcomer taking it."""
    try:
        client = IrcClient(server.port())
    except OSError:
        code = server.proc.wait(STOP_TIMEOUT)
        raise AssertionError(f"the server died (exit code {code})") from None
    try:
        client.register(nick)
        return any("registered account" in m.params[-1] for m in client.sync() + client.received)
    finally:
        client.close()


@pytest.fixture
def loaded_server(tmp_path: Path) -> Iterator[tuple[ProcessServer, Path, list[Talker]]]:
    data_dir = tmp_path / "data"
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--no-tls", "--no-flood-limit", "--data-dir", str(data_dir)]
    )
    stop = threading.Event()
    talkers = [Talker(server.port(), f"talker{i}", stop) for i in range(TALKERS)]
    try:
        for talker in talkers:
            talker.start()
        yield server, data_dir, talkers
    finally:
        stop.set()
        for talker in talkers:
            with contextlib.suppress(OSError):
                talker.client.sock.shutdown(socket.SHUT_RDWR)  # ends a blocked send or read
            talker.join(timeout=30)
            talker.client.close()
        server.stop()


def test_account_commands_beside_a_loaded_server_leave_it_up(
    loaded_server: tuple[ProcessServer, Path, list[Talker]],
) -> None:
    server, data_dir, talkers = loaded_server
    wait_until(lambda: all(t.sent > 0 for t in talkers), what="every talker talking")
    for round_ in range(ROUNDS):
        name = f"cli{round_}"
        listed = run_cli(data_dir, "list-accounts")
        assert listed.returncode == 0, listed.stderr
        created = run_cli(data_dir, "create-account", name, "a long password")
        assert created.returncode == 0, created.stderr
        assert server.proc.poll() is None, "".join(server.output)
        assert _reserved(server, name), f"{name} created but unknown to the server"
        listed = run_cli(data_dir, "list-accounts")
        assert name in listed.stdout.split(), listed.stderr
        deleted = run_cli(data_dir, "delete-account", name)
        assert deleted.returncode == 0, deleted.stderr
        assert not _reserved(server, name), f"{name} deleted but still known"
        assert server.proc.poll() is None, "".join(server.output)
    probe = IrcClient(server.port())
    probe.register("probe")
    probe.sync()
    probe.close()
    assert server.proc.poll() is None
    for talker in talkers:  # the load went on throughout
        assert talker.is_alive() and talker.sent > 0, (talker.error, talker.tail, server.output)
