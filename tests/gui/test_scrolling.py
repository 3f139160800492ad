"""New lines never move a user who scrolled up; a button says how many came and jumps there."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(limits={"flood_enabled": False})  # a screenful of lines at once


@pytest.fixture
def window(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> Iterator[ChatWindow]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("reader"))
    chat = ChatWindow(make_root(), connection)
    connection.start()
    pump([chat.root], lambda: chat.current == "#lobby")
    yield chat
    connection.close()


def test_scrolled_up_the_view_stays_and_the_jump_button_counts(
    server: ThreadServer, window: ChatWindow
) -> None:
    lobby = window.conversations["#lobby"]
    bob = IrcClient(server.port)
    bob.register("bob")
    for i in range(80):
        bob.send(f"PRIVMSG #lobby :line {i}")
    pump([window.root], lambda: any("line 79" in x for x in lobby.history))
    assert float(lobby.text.yview()[1]) == 1.0  # at the bottom, new lines were followed
    assert window.scroller.scrollbar.get()[1] == 1.0
    lobby.text.yview_moveto(0.3)
    window.root.update()
    where = lobby.text.index("@0,0")  # the line at the top of the view
    for i in range(3):
        bob.send(f"PRIVMSG #lobby :later {i}")
    pump([window.root], lambda: any("later 2" in x for x in lobby.history))
    window.root.update()
    assert lobby.text.index("@0,0") == where  # not moved
    jump = window.scroller.jump
    assert jump.winfo_ismapped() and str(jump.cget("text")) == "Jump to newest (3) ↓"
    jump.invoke()
    window.root.update()
    assert float(lobby.text.yview()[1]) == 1.0
    assert not jump.winfo_ismapped()
    bob.send("PRIVMSG #lobby :followed")
    pump([window.root], lambda: any("followed" in x for x in lobby.history))
    window.root.update()
    assert float(lobby.text.yview()[1]) == 1.0 and not jump.winfo_ismapped()
