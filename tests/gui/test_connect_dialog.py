"""The connect dialog: mistakes are told in place; a good form opens the chat window."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from pathlib import Path

from conftest import pump
from parley.client.gui.app import ConnectDialog, ConnectSettings, load_settings
from support.servers import ThreadServer


def test_bad_port_and_nick_are_explained(make_root: Callable[[], tk.Tk], tmp_path: Path) -> None:
    dialog = ConnectDialog(make_root(), ConnectSettings(nick="ok"), tmp_path)
    dialog.port.set("99999")
    dialog.button.invoke()
    assert "port" in dialog.error.get()
    dialog.port.set("6697")
    dialog.nick.set("9 lives")
    dialog.button.invoke()
    assert "nickname" in dialog.error.get().lower()
    assert dialog.window is None


def test_connecting_opens_the_window_and_remembers_the_server(
    server: ThreadServer, make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    root = make_root()
    settings = ConnectSettings(host="127.0.0.1", port=server.port, tls=False, nick="dialog")
    dialog = ConnectDialog(root, settings, tmp_path)
    dialog.button.invoke()
    assert dialog.window is not None
    window = dialog.window
    try:
        pump([root], lambda: "#lobby" in window.conversations)
        remembered = load_settings(tmp_path)
        assert remembered.nick == "dialog" and remembered.recent == [f"127.0.0.1:{server.port}"]
        assert "password" not in (tmp_path / "client.json").read_text()
    finally:
        window.connection.close()
