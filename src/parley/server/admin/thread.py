"""The server on its own event loop in a background thread, for the console.

The console's window needs the main thread (Tk), so the server runs beside it:
`ServerThread.start` returns an Admin once the server listens, or raises
StartError with the reason it could not (a port in use, a bad database...).
"""

from __future__ import annotations

import asyncio
import logging
import threading

from parley.server.admin.api import Admin
from parley.server.app import Process, Reload, run_loop, serve
from parley.server.config import Config

log = logging.getLogger("parley.admin")

START_TIMEOUT = 60.0  # seconds; making a certificate on a slow machine takes a few


class StartError(Exception):
    """The server could not start; the text says why."""


class ServerThread:
    """Runs `serve` in a daemon thread; its Admin is how the window talks to it."""

    def __init__(self, config: Config, reload: Reload | None = None) -> None:
        self.config = config
        self.reload = reload
        self.admin: Admin | None = None
        self.error: str | None = None
        self._ready = threading.Event()
        self._thread = threading.Thread(target=self._run, name="parley-server", daemon=True)

    def _started(self, process: Process) -> None:
        self.admin = Admin(process, asyncio.get_running_loop())
        self._ready.set()

    def _run(self) -> None:
        try:
            self.error = run_loop(serve(self.config, self.reload, self._started))
        except Exception as exc:  # our own bug: say it, and let the window close
            log.exception("the server stopped with an error")
            self.error = f"{type(exc).__name__}: {exc}"
        finally:
            if self.admin is not None:
                self.admin.stopped.set()
            self._ready.set()

    def start(self, timeout: float = START_TIMEOUT) -> Admin:
        self._thread.start()
        if not self._ready.wait(timeout):
            raise StartError("the server did not start in time")
        if self.admin is None:
            raise StartError(self.error or "the server did not start")
        return self.admin

    def join(self, timeout: float | None = None) -> bool:
        """Wait for the server to finish; True once it has."""
        self._thread.join(timeout)
        return not self._thread.is_alive()
