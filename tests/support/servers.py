"""Real Parley servers for tests: in a thread of this process, or as a subprocess.

Both listen on 127.0.0.1 port 0 and report the ports they got.
"""

from __future__ import annotations

import asyncio
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from parley.server.app import Process
from parley.server.config import Address, Config, Limits, Web

STARTUP_TIMEOUT = 20.0


def new_event_loop() -> asyncio.AbstractEventLoop:
    """The loop the server runs on in production: uvloop when installed."""
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def test_config(data_dir: Path, tls: bool = False, **changes: Any) -> Config:
    """A config for tests: loopback, port 0, fast timeouts unless told otherwise; no web
    listener unless `web` is given (`web_config` makes one)."""
    limit_changes = changes.pop("limits", {})
    changes.setdefault("web", Web(listen=()))
    limits = replace(Limits(), **limit_changes)
    return Config(
        data_dir=data_dir,
        server_name="test.parley",
        listen=(Address("127.0.0.1", 0),),
        tls_listen=(Address("127.0.0.1", 0),) if tls else (),
        limits=limits,
        **changes,
    )


def web_config(tls: bool = False, origins: tuple[str, ...] = ()) -> Web:
    """A web listener for tests: loopback, port 0."""
    return Web(listen=(Address("127.0.0.1", 0),), tls=tls, allowed_origins=origins)


class ThreadServer:
    """A server running on its own event loop in a background thread."""

    def __init__(self, config: Config) -> None:
        self.config = config
        self.loop = new_event_loop()
        self.process: Process | None = None
        self._ready = threading.Event()
        self._error: BaseException | None = None
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        asyncio.set_event_loop(self.loop)

        async def start() -> None:
            self.process = Process(self.config, None)
            await self.process.start()

        try:
            self.loop.run_until_complete(start())
        except BaseException as exc:
            self._error = exc
            self._ready.set()
            return
        self._ready.set()
        self.loop.run_forever()

    def start(self) -> ThreadServer:
        self._thread.start()
        if not self._ready.wait(STARTUP_TIMEOUT):
            raise TimeoutError("server did not start")
        if self._error is not None:
            raise self._error
        return self

    def _port(self, tls: bool) -> int:
        assert self.process is not None
        for address, is_tls in self.process.bound:
            if is_tls == tls:
                return int(address.rsplit(":", 1)[1])
        raise LookupError("no such listener")

    @property
    def port(self) -> int:
        return self._port(False)

    @property
    def tls_port(self) -> int:
        return self._port(True)

    @property
    def web_port(self) -> int:
        assert self.process is not None
        return int(self.process.web_bound[0][0].rsplit(":", 1)[1])

    def call(self, fn: Any, *args: Any) -> Any:
        """Run fn(*args) on the server's loop and return its result."""
        result: dict[str, Any] = {}
        done = threading.Event()

        def run() -> None:
            try:
                result["value"] = fn(*args)
            except BaseException as exc:  # pragma: no cover - re-raised below
                result["error"] = exc
            done.set()

        self.loop.call_soon_threadsafe(run)
        if not done.wait(STARTUP_TIMEOUT):
            raise TimeoutError("server loop did not answer")
        if "error" in result:
            raise result["error"]
        return result.get("value")

    def stop(self) -> None:
        if self.process is None or not self._thread.is_alive():
            return
        future = asyncio.run_coroutine_threadsafe(self.process.stop(), self.loop)
        future.result(timeout=STARTUP_TIMEOUT)
        self.loop.call_soon_threadsafe(self.loop.stop)
        self._thread.join(timeout=STARTUP_TIMEOUT)


class ProcessServer:
    """`python -m parley.server` as a child process, for signals and the CLI.

    A thread reads its output, so waiting for it to be ready keeps to `timeout` even
    when the child goes quiet.
    """

    def __init__(
        self,
        args: list[str],
        env: dict[str, str] | None = None,
        timeout: float = STARTUP_TIMEOUT,
    ) -> None:
        self.args = [sys.executable, "-m", "parley.server", *args]
        self.proc = subprocess.Popen(
            self.args,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            env={**os.environ, **(env or {})},
        )
        self.output: list[str] = []
        self.ports: list[tuple[int, bool]] = []
        self.web_urls: list[str] = []  # as printed: scheme://host:port/
        self.fingerprint: str | None = None
        self._lines: queue.Queue[str | None] = queue.Queue()
        self._ready = threading.Event()
        threading.Thread(target=self._read, daemon=True).start()
        try:
            self._wait_ready(timeout)
        except BaseException:
            self.stop()
            raise

    def _read(self) -> None:
        """Keep the child's output; hand lines over until it is ready, then only keep."""
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.output.append(line)
            if not self._ready.is_set():
                self._lines.put(line)
        self._lines.put(None)

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while True:
            try:
                line = self._lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                raise TimeoutError(
                    "server did not become ready:\n" + "".join(self.output)
                ) from None
            if line is None:
                raise RuntimeError("server exited:\n" + "".join(self.output))
            found = re.search(r"listening on .*:(\d+)( \(TLS\))?", line)
            if found:
                self.ports.append((int(found.group(1)), bool(found.group(2))))
            web = re.search(r"web on (\S+)", line)
            if web:
                self.web_urls.append(web.group(1))
            fp = re.search(r"SHA-256 ([0-9A-F:]+)", line)
            if fp:
                self.fingerprint = fp.group(1)
            if "ready" in line:
                self._ready.set()
                return

    def port(self, tls: bool = False) -> int:
        return next(p for p, t in self.ports if t == tls)

    def signal(self, signum: int = signal.SIGTERM) -> None:
        self.proc.send_signal(signum)

    def wait(self, timeout: float = STARTUP_TIMEOUT) -> int:
        return self.proc.wait(timeout)

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run_cli(data_dir: Path, *words: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
    """`parley-server --data-dir DIR WORDS...` as a real process: the shell's commands."""
    return subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir), *words],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
    )


def use_loop(kind: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """Run the test's servers on `kind` ("uvloop" when installed, or "asyncio"): the
    two event loops the server runs on."""
    if kind == "asyncio":
        monkeypatch.setattr(sys.modules[__name__], "new_event_loop", asyncio.new_event_loop)
    else:
        pytest.importorskip("uvloop")
    return kind
