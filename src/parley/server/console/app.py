"""`parley-server --gui` and `parley-console`: the server with its console window.

The window needs the main thread, so the server runs in a background thread
(admin/thread.py). SIGTERM and SIGINT shut down gracefully without asking,
SIGHUP reloads the configuration, as without the window; closing the window
asks first. The exit code is 0 after a clean shutdown, 1 if the server could
not start or the window could not open.
"""

from __future__ import annotations

import signal
import sys
import tkinter as tk

from parley.server.admin.thread import ServerThread, StartError
from parley.server.app import Reload
from parley.server.config import Config
from parley.server.console.window import ConsoleWindow
from parley.server.logs import setup_logging

STOP_TIMEOUT = 30.0  # seconds the server gets to finish after the window closes


def _error(message: str) -> int:
    print(f"parley-server: error: {message}", file=sys.stderr)
    return 1


def run_console(config: Config, reload: Reload | None = None) -> int:
    """Start the server and its window; returns when both have finished."""
    setup_logging(config.log_level, config.log_format)
    try:
        root = tk.Tk()
    except tk.TclError as exc:
        return _error(f"the console needs a display ({exc}); run without --gui for no window")
    root.withdraw()
    signals = Signals()
    server = ServerThread(config, reload)
    try:
        admin = server.start()
    except StartError as exc:
        root.destroy()
        return _error(str(exc))
    window = signals.window = ConsoleWindow(root, admin)
    if signals.stop_asked:  # a signal came while the server was starting
        window.actions.shut_down_now()
    root.deiconify()
    try:
        root.mainloop()
    finally:
        if not admin.stopped.is_set():  # the window went some other way: stop cleanly
            admin.shutdown()
        stopped = server.join(STOP_TIMEOUT)
    if server.error is not None:
        return _error(server.error)
    return 0 if stopped else _error("the server did not stop in time")


class Signals:
    """SIGTERM and SIGINT stop the server without asking; SIGHUP reloads the configuration.

    Installed before the server starts, so a signal that comes early is not lost.
    """

    def __init__(self) -> None:
        self.window: ConsoleWindow | None = None
        self.stop_asked = False
        signal.signal(signal.SIGTERM, self._stop)
        signal.signal(signal.SIGINT, self._stop)
        if hasattr(signal, "SIGHUP"):
            signal.signal(signal.SIGHUP, self._reload)

    def _stop(self, _signum: int, _frame: object) -> None:
        if self.window is None:
            self.stop_asked = True
        else:
            self.window.actions.shut_down_now()

    def _reload(self, _signum: int, _frame: object) -> None:
        if self.window is not None:
            self.window.actions.rehash()
