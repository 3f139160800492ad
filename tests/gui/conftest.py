"""Xvfb for the tkinter tests (started and ended by PID), and connect dialogs to drive."""

from __future__ import annotations

import contextlib
import gc
import os
import select
import shutil
import subprocess
import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.settings import ConnectSettings


def _start_xvfb(binary: str) -> tuple[subprocess.Popen[bytes], int]:
    """Xvfb on a display number it picks itself (-displayfd), so parallel runs never share one."""
    read_end, write_end = os.pipe()
    proc = subprocess.Popen(
        [binary, "-displayfd", str(write_end), "-screen", "0", "1280x800x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        pass_fds=(write_end,),
    )
    os.close(write_end)
    with os.fdopen(read_end, "rb") as pipe:
        ready, _, _ = select.select([pipe], [], [], 10)
        answer = pipe.readline().strip() if ready else b""  # written once the display is up
    if not answer.isdigit():
        proc.terminate()
        proc.wait(timeout=10)
        raise RuntimeError("Xvfb did not start")
    return proc, int(answer)


@pytest.fixture(scope="session")
def display() -> Iterator[str]:
    binary = shutil.which("Xvfb")
    if binary is None:
        pytest.fail("Xvfb is not installed: apt-get install xvfb (scripts/test-deps does it)")
    proc, number = _start_xvfb(binary)
    old = os.environ.get("DISPLAY")
    os.environ["DISPLAY"] = f":{number}"
    try:
        yield f":{number}"
    finally:
        if old is None:
            os.environ.pop("DISPLAY", None)
        else:
            os.environ["DISPLAY"] = old
        proc.terminate()
        proc.wait(timeout=10)


@pytest.fixture
def make_root(display: str) -> Iterator[Callable[[], tk.Tk]]:
    roots: list[tk.Tk] = []

    def make() -> tk.Tk:
        root = tk.Tk()
        roots.append(root)
        return root

    yield make
    for root in roots:
        with contextlib.suppress(tk.TclError):  # the window may have closed itself (/quit)
            root.destroy()
    roots.clear()
    gc.collect()  # Tk variables must be freed here, in the Tk thread, not by a later GC elsewhere


@pytest.fixture
def open_dialog(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> Iterator[Callable[..., ConnectDialog]]:
    """A dialog filled in as given, for a plain connection to 127.0.0.1."""
    dialogs: list[ConnectDialog] = []

    def open_(port: int, nick: str, **fields: Any) -> ConnectDialog:
        settings = ConnectSettings(host="127.0.0.1", port=port, tls=False, nick=nick)
        dialog = ConnectDialog(make_root(), settings, tmp_path / "config")
        for name, value in fields.items():
            getattr(dialog, name).set(value)
        dialogs.append(dialog)
        return dialog

    yield open_
    for dialog in dialogs:
        for connection in (dialog.connection, dialog.window and dialog.window.connection):
            if connection is not None:
                connection.close()
