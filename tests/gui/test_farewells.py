"""Why the connection ended, told where the user looks: a kill, a ban, a shutdown."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump

OTHER = "127.0.0.2"  # the operator's address, so that a ban on the user's spares them


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(opers=(Oper("boss", hash_password("hunter2")),))


@pytest.fixture
def window(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> Iterator[ChatWindow]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("victim"))
    chat = ChatWindow(make_root(), connection)
    connection.start()
    pump([chat.root], lambda: "#lobby" in chat.conversations)
    yield chat
    connection.close()


def operator(server: ThreadServer) -> IrcClient:
    boss = IrcClient(server.port, source=OTHER)
    boss.register("boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    return boss


def said_in_lobby(window: ChatWindow, words: str) -> bool:
    return any(words in line for line in window.conversations["#lobby"].history)


def button_offered(window: ChatWindow, label: str) -> bool:
    button = window.reconnect_button
    return bool(button.winfo_ismapped()) and str(button.cget("text")) == label


def test_a_kill_says_who_and_why_and_waits_for_the_user_to_reconnect(
    server: ThreadServer, window: ChatWindow
) -> None:
    boss = operator(server)
    boss.send("KILL victim :stop spamming")
    pump([window.root], lambda: said_in_lobby(window, "stop spamming"))
    assert said_in_lobby(window, "An operator disconnected you")
    assert "stop spamming" in window.status.get()
    assert "boss" in window.status.get()
    pump([window.root], lambda: button_offered(window, "Reconnect"))
    assert "reconnecting in" not in window.status.get()  # no loop on its own
    window.reconnect_button.invoke()
    pump([window.root], lambda: window.status.get().startswith("connected"))
    assert not window.reconnect_button.winfo_ismapped()


def test_a_ban_says_why_and_reconnecting_is_refused_again_without_a_loop(
    server: ThreadServer, window: ChatWindow
) -> None:
    boss = operator(server)
    boss.send("KLINE victim!*@* :no bots here")
    pump([window.root], lambda: said_in_lobby(window, "no bots here"))
    assert said_in_lobby(window, "You are banned from this server")
    assert "no bots here" in window.status.get()
    pump([window.root], lambda: button_offered(window, "Reconnect"))
    before = sum("Disconnected" in line for line in window.conversations["#lobby"].history)
    window.reconnect_button.invoke()  # still banned: refused (465), and waits again
    pump(
        [window.root],
        lambda: (
            sum("Disconnected" in line for line in window.conversations["#lobby"].history) > before
            and button_offered(window, "Reconnect")
        ),
    )
    assert "banned" in window.status.get()


def test_a_shutdown_is_named_and_retried(server: ThreadServer, window: ChatWindow) -> None:
    server.stop()
    pump([window.root], lambda: said_in_lobby(window, "shutting down"))
    assert "reconnecting in" in window.status.get()
    assert "shutting down" in window.status.get()
