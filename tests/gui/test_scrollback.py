"""Scrolling to the top loads older lines page by page (CHATHISTORY BEFORE), in order,
without moving what the user is reading."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import attempt, pump

LINES = 130  # more than two pages


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(limits={"flood_enabled": False})


def log_in(open_dialog: Callable[..., ConnectDialog], port: int, **fields: object) -> ChatWindow:
    dialog = open_dialog(port, "carol", password="carol-password", **fields)
    assert attempt(dialog) == ""
    assert dialog.window is not None
    return dialog.window


def test_the_top_of_a_conversation_loads_what_came_before_it(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    first = log_in(open_dialog, server.port, create_account=True)
    bob = IrcClient(server.port)
    bob.register("bob")
    for i in range(LINES):
        bob.send(f"PRIVMSG #lobby :line {i:03}")
    pump([first.root], lambda: f"line {LINES - 1:03}" in first.shown("#lobby"))

    window = log_in(open_dialog, server.port)  # another device: only the latest page
    pump([window.root], lambda: f"line {LINES - 1:03}" in window.shown("#lobby"))
    text = window.conversations["#lobby"].text
    assert "line 000" not in window.shown("#lobby")
    window.root.update()
    requests = 0

    def scrolled_to_the_top() -> bool:
        nonlocal requests
        if "line 000" in window.shown("#lobby"):
            return True
        if text.yview()[0] > 0.0:
            text.yview_moveto(0.0)  # as the user drags the scrollbar to the top
            requests += 1
        return False

    pump([window.root], scrolled_to_the_top, timeout=20)
    shown = window.shown("#lobby")
    positions = [shown.index(f"line {i:03}") for i in range(LINES)]
    assert positions == sorted(positions)  # every line once, in the order said
    assert all(shown.count(f"line {i:03}") == 1 for i in range(LINES))
    assert 2 <= requests <= 4  # a page at a time
    history = window.conversations["#lobby"].history
    said = [line for line in history if "<bob> line" in line]
    assert said == sorted(said) and len(said) == LINES
    top = text.index("@0,0")
    assert top != "1.0"  # the page came in above: the view stayed on what was read
    bob.close()
