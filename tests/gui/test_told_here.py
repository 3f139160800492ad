"""Replies to what the user did are said where they are looking; the server tab counts them."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import SERVER_TAB, ChatWindow
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import pump


@pytest.fixture
def window(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> Iterator[ChatWindow]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("asker"))
    chat = ChatWindow(make_root(), connection)
    connection.start()
    pump([chat.root], lambda: "#lobby" in chat.conversations and chat.current == "#lobby")
    yield chat
    connection.close()


def type_line(window: ChatWindow, text: str) -> None:
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def said(window: ChatWindow, name: str, words: str) -> bool:
    conversation = window.conversations.get(name)
    return conversation is not None and any(words in line for line in conversation.history)


def test_whois_list_errors_and_away_replies_come_to_the_conversation_on_screen(
    server: ThreadServer, window: ChatWindow
) -> None:
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("AWAY :at lunch")
    bob.expect("306")
    welcome_lines = len(window.conversations[SERVER_TAB].history)
    assert window.conversations[SERVER_TAB].unread == 0  # the welcome is not news
    type_line(window, "/whois bob")
    pump([window.root], lambda: said(window, "#lobby", "End of WHOIS for bob"))
    assert said(window, "#lobby", "bob is bob@")
    assert said(window, "#lobby", "bob is away: at lunch")
    type_line(window, "/list")
    pump([window.root], lambda: said(window, "#lobby", "End of the channel list"))
    assert said(window, "#lobby", "#lobby (2 users)")
    type_line(window, "/msg nobody-here hello")
    pump([window.root], lambda: said(window, "#lobby", "nobody-here"))
    type_line(window, "/topic")
    pump([window.root], lambda: window.conversations[SERVER_TAB].unread > 0)
    server_tab = window.conversations[SERVER_TAB]
    assert len(server_tab.history) > welcome_lines  # kept in the server tab as well
    assert said(window, SERVER_TAB, "End of WHOIS for bob")
    assert any(label.endswith(f"({server_tab.unread})") for label in window.tab_labels())
    assert not any(
        line.split(" ", 1)[-1][:3].isdigit() for line in server_tab.history[welcome_lines:]
    )


def test_a_notice_to_everyone_naming_the_user_counts_as_a_mention_on_the_server_tab(
    make_server: Callable[..., ThreadServer], make_root: Callable[[], tk.Tk]
) -> None:
    server = make_server(opers=(Oper("boss", hash_password("hunter2")),))
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("asker"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    try:
        pump([window.root], lambda: window.current == "#lobby")
        boss = IrcClient(server.port)
        boss.register("boss")
        boss.send("OPER boss hunter2")
        boss.expect("381")
        boss.send("NOTICE $* :asker, the server restarts in five minutes")
        boss.send("NOTICE $* :the server restarts in ten minutes")
        pump([window.root], lambda: said(window, "#lobby", "restarts in ten minutes"))
        assert said(window, "#lobby", "boss to everyone: asker, the server restarts in five")
        assert "boss" not in window.conversations  # not a private conversation
        server_tab = window.conversations[SERVER_TAB]
        assert (server_tab.unread, server_tab.mentions) == (2, 1)
        assert window.tab_labels()[0].endswith("(2) @")
    finally:
        connection.close()
