"""Kicked from a channel: its conversation stays, greyed, with who, why and Rejoin."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.rejoin_bar import GONE_TAG
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump


@pytest.fixture
def window(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> Iterator[ChatWindow]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("kid"))
    chat = ChatWindow(make_root(), connection)
    connection.start()
    pump([chat.root], lambda: "#lobby" in chat.conversations)
    yield chat
    connection.close()


def test_the_kicked_user_sees_who_and_why_and_rejoins(
    server: ThreadServer, window: ChatWindow
) -> None:
    op = IrcClient(server.port)
    op.register("op")
    op.send("JOIN #den")
    op.expect("366")
    window.entry.insert(0, "/join #den")
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: "#den" in window.conversations and window.current == "#den")
    pump([window.root], lambda: "kid" in window.user_list())
    op.send("KICK #den kid :too loud")
    pump([window.root], lambda: "#den" in window.rejoin_bar.kicked)
    assert "#den" in window.conversations  # still open, on screen
    assert window.current == "#den"
    history = window.conversations["#den"].history
    assert any("kid was kicked (by op: too loud)" in line for line in history)
    assert window.rejoin_bar.frame.winfo_ismapped()
    assert window.rejoin_bar.text.get() == "You were kicked from #den by op: too loud"
    assert window.conversations["#den"].text.tag_ranges(GONE_TAG)  # greyed
    assert window.user_list() == []
    window.select("#lobby")  # the bar is the kicked channel's only
    pump([window.root], lambda: not window.rejoin_bar.frame.winfo_ismapped())
    window.select("#den")
    pump([window.root], lambda: window.rejoin_bar.frame.winfo_ismapped())
    window.rejoin_bar.button.invoke()
    pump([window.root], lambda: "kid" in window.user_list())
    assert not window.rejoin_bar.frame.winfo_ismapped()
    assert not window.conversations["#den"].text.tag_ranges(GONE_TAG)
    assert window.current == "#den"
