"""The account commands run as separate processes against a live server under load.

A second process on the database must never take the server down, and an
account it creates is known to the server at once.
"""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.client import IrcClient
from support.servers import ProcessServer

TALKERS = 4
LINES_PER_BURST = 40
MAX_BURSTS = 2000  # each talker stops after this many, whatever happens
ROUNDS = 6  # create, look up, list, delete, look up again


class Talker(threading.Thread):
    """One client saying lines to the lobby in bursts and reading what comes back."""

    def __init__(self, port: int, nick: str, stop: threading.Event) -> None:
        super().__init__(daemon=True)
        self.client = IrcClient(port)
        self.client.register(nick)
        self.stop = stop
        self.sent = 0
        self.nick = nick

    def run(self) -> None:
        sock = self.client.sock
        burst = b"".join(
            f"PRIVMSG #lobby :{self.nick} line {n}\r\n".encode() for n in range(LINES_PER_BURST)
        )
        with contextlib.suppress(OSError):
            for _ in range(MAX_BURSTS):
                if self.stop.is_set():
                    break
                sock.sendall(burst)
                self.sent += LINES_PER_BURST
                sock.settimeout(0.01)
                with contextlib.suppress(TimeoutError, socket.timeout):
                    while sock.recv(1 << 16):
                        pass


def _cli(data_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir), *args],
        capture_output=True,
        text=True,
        timeout=60,
    )


def _reserved(port: int, nick: str) -> bool:
    """Whether the server says `nick` belongs to an account, to a newcomer taking it."""
    client = IrcClient(port)
    try:
        client.register(nick)
        return any("registered account" in m.params[-1] for m in client.sync() + client.received)
    finally:
        client.close()


@pytest.fixture
def loaded_server(tmp_path: Path) -> Iterator[tuple[ProcessServer, Path]]:
    data_dir = tmp_path / "data"
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--no-tls", "--no-flood-limit", "--data-dir", str(data_dir)]
    )
    stop = threading.Event()
    talkers = [Talker(server.port(), f"talker{i}", stop) for i in range(TALKERS)]
    try:
        for talker in talkers:
            talker.start()
        yield server, data_dir
    finally:
        stop.set()
        for talker in talkers:
            talker.join(timeout=30)
            talker.client.close()
        server.stop()


def test_account_commands_beside_a_loaded_server_leave_it_up(
    loaded_server: tuple[ProcessServer, Path],
) -> None:
    server, data_dir = loaded_server
    for round_ in range(ROUNDS):
        name = f"cli{round_}"
        listed = _cli(data_dir, "list-accounts")
        assert listed.returncode == 0, listed.stderr
        created = _cli(data_dir, "create-account", name, "a long password")
        assert created.returncode == 0, created.stderr
        assert server.proc.poll() is None, "".join(server.output)
        assert _reserved(server.port(), name), f"{name} created but unknown to the server"
        listed = _cli(data_dir, "list-accounts")
        assert name in listed.stdout.split(), listed.stderr
        deleted = _cli(data_dir, "delete-account", name)
        assert deleted.returncode == 0, deleted.stderr
        assert not _reserved(server.port(), name), f"{name} deleted but still known"
        assert server.proc.poll() is None, "".join(server.output)
    probe = IrcClient(server.port())
    probe.register("probe")
    probe.sync()
    probe.close()
    assert server.proc.poll() is None
