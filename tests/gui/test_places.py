"""The user is never moved: /join switches, /part goes back, a reconnect keeps the view."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from parley.server.config import Address
from support.servers import ThreadServer
from support.servers import test_config as server_config
from support.tkpump import pump


def type_line(window: ChatWindow, text: str) -> None:
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def test_join_switches_part_goes_back_and_a_reconnect_keeps_the_conversation(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    first = ThreadServer(server_config(tmp_path / "a")).start()
    port = first.port
    connection = Connection("127.0.0.1", port, False, lambda: cs.ClientState("stayer"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    second: ThreadServer | None = None
    try:
        pump([window.root], lambda: window.current == "#lobby")
        type_line(window, "/join #a")
        pump([window.root], lambda: window.current == "#a" and window.user_list() == ["@stayer"])
        type_line(window, "/join #b")
        pump([window.root], lambda: window.current == "#b" and window.user_list() == ["@stayer"])
        type_line(window, "/join #A")  # in it already: shown at once
        assert window.current == "#a"
        assert not any("#A" in line for line in window.conversations["#a"].history)
        type_line(window, "/part")
        pump([window.root], lambda: "#a" not in window.conversations)
        assert window.current == "#b"  # where the user was before, not the server tab
        type_line(window, "/join #c")
        pump([window.root], lambda: window.current == "#c")
        window.select("#b")
        first.stop()
        pump([window.root], lambda: "reconnecting" in window.status.get())
        config = replace(server_config(tmp_path / "b"), listen=(Address("127.0.0.1", port),))
        second = ThreadServer(config).start()
        pump([window.root], lambda: window.status.get().startswith("connected"), timeout=20)
        pump([window.root], lambda: window.channel_users.get("#c") == ("@stayer",))
        pump([window.root], lambda: window.channel_users.get("#lobby") == ("@stayer",))
        assert window.current == "#b"  # the rejoins did not take the screen
    finally:
        connection.close()
        first.stop()
        if second is not None:
            second.stop()
