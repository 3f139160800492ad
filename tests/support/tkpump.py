"""Driving tkinter windows in tests: run their event loops until something holds, and
press a connect dialog's button and wait for its outcome."""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable

from parley.client.gui.connect_dialog import ConnectDialog


def pump(roots: list[tk.Tk], until: Callable[[], bool], timeout: float = 10.0) -> None:
    """Run the Tk event loops until `until()` holds, failing after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        for root in roots:
            root.update()
        if until():
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {until}")
        time.sleep(0.01)


def attempt(dialog: ConnectDialog) -> str:
    """Press Connect and wait for the outcome: the window opens ("") or the dialog says why."""
    dialog.button.invoke()
    pump([dialog.root], lambda: dialog.window is not None or dialog.connection is None)
    if dialog.window is not None:
        window = dialog.window
        pump([dialog.root], lambda: "#lobby" in window.conversations)
        return ""
    assert str(dialog.button.cget("text")) == "Connect"  # usable again
    assert str(dialog.message_label.cget("style")) == "Error.TLabel"
    return dialog.message.get()
