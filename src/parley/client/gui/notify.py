"""Desktop notifications for mentions and private messages while the window is unfocused.

Freedesktop notifications through `notify-send` where it is installed (it speaks to
whatever notification daemon the desktop runs); otherwise the window title says
where, and the bell rings. Notifying never blocks the Tk thread.
"""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import threading
import tkinter as tk

MAX_BODY = 200  # characters of the message in a notification
TIMEOUT = 10.0  # seconds notify-send may take before it is left alone


class Notifier:
    """Tells the desktop, or the title bar and the bell."""

    def __init__(self, root: tk.Tk) -> None:
        self.root = root
        self.program = shutil.which("notify-send")

    def tell(self, conversation: str, text: str) -> None:
        self.root.title(f"* Parley: {conversation}")
        if self.program is None:
            self.root.bell()
            return
        body = text if len(text) <= MAX_BODY else text[: MAX_BODY - 1] + "…"
        command = [self.program, "--app-name=Parley", f"Parley: {conversation}", body]
        threading.Thread(target=_run, args=(command,), daemon=True).start()


def _run(command: list[str]) -> None:
    with contextlib.suppress(OSError, subprocess.TimeoutExpired):  # the title still says it
        subprocess.run(command, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL, timeout=TIMEOUT, check=False)  # fmt: skip
