"""Mentions and private messages while the window is unfocused: the desktop is told."""

from __future__ import annotations

import os
import tkinter as tk
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump

STUB = """#!/bin/sh
for word in "$@"; do printf '%s|' "$word" >> "{out}"; done
echo >> "{out}"
"""


def open_unfocused(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> ChatWindow:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("ann"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    pump([window.root], lambda: window.current == "#lobby")
    window._set_focus(False)  # as the window manager's FocusOut does
    return window


def test_mentions_and_private_messages_go_to_notify_send_while_unfocused(
    server: ThreadServer,
    make_root: Callable[[], tk.Tk],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    out = tmp_path / "told"
    stub = tmp_path / "bin" / "notify-send"
    stub.parent.mkdir()
    stub.write_text(STUB.format(out=out))
    stub.chmod(0o755)
    monkeypatch.setenv("PATH", f"{stub.parent}{os.pathsep}{os.environ.get('PATH', '')}")
    window = open_unfocused(server, make_root)
    try:
        bob = IrcClient(server.port)
        bob.register("bob")
        bob.send("PRIVMSG #lobby :annual report is out")  # not her nick as a word
        bob.send("PRIVMSG #lobby :ann: the report")
        bob.send("PRIVMSG ann :a private word")
        pump([window.root], lambda: out.exists() and out.read_text().count("\n") == 2)
        told = sorted(out.read_text().splitlines())  # each told from its own thread
        assert "|Parley: #lobby|" in told[0] and "ann: the report" in told[0]
        assert "|Parley: bob|" in told[1] and "a private word" in told[1]
        assert "annual" not in out.read_text()
        assert window.root.title().startswith("* Parley: ")
        window._set_focus(True)
        assert window.root.title() == "Parley: ann"
    finally:
        window.connection.close()


def test_without_notify_send_the_title_says_where(
    server: ThreadServer,
    make_root: Callable[[], tk.Tk],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # no notify-send here
    window = open_unfocused(server, make_root)
    try:
        assert window.notifier.program is None
        bob = IrcClient(server.port)
        bob.register("bob")
        bob.send("PRIVMSG ann :are you there?")
        pump([window.root], lambda: window.root.title() == "* Parley: bob")
    finally:
        window.connection.close()
