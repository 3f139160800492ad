"""/nick: the status bar and title follow the user's new nick, private tabs the other's."""

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
def window(server: ThreadServer, make_root: Callable[[], tk.Tk]) -> Iterator[ChatWindow]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("me"))
    chat = ChatWindow(make_root(), connection)
    connection.start()
    pump([chat.root], lambda: chat.current == "#lobby")
    yield chat
    connection.close()


def type_line(window: ChatWindow, text: str) -> None:
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def test_own_nick_change_reaches_the_title_and_status_bar(window: ChatWindow) -> None:
    assert window.status.get().endswith("as me")
    type_line(window, "/nick Me2")
    pump([window.root], lambda: window.status.get().endswith("as Me2"))
    assert window.root.title() == "Parley: Me2"
    assert any(
        "You are now known as Me2" in line for line in window.conversations["#lobby"].history
    )


def test_a_private_conversation_follows_the_other_persons_new_nick(
    server: ThreadServer, window: ChatWindow
) -> None:
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("PRIVMSG me :psst")
    pump([window.root], lambda: "bob" in window.conversations)
    window.select("bob")
    tabs_before = len(window.tab_labels())
    bob.send("NICK Robert")
    pump([window.root], lambda: "robert" in window.conversations)
    assert "bob" not in window.conversations
    assert len(window.tab_labels()) == tabs_before
    assert window.current == "Robert"
    history = window.conversations["robert"].history
    assert any("psst" in line for line in history)  # the same conversation, renamed
    assert any("bob is now known as Robert" in line for line in history)
    type_line(window, "still there?")
    assert bob.expect("PRIVMSG").params == ("Robert", "still there?")
    bob.send("PRIVMSG me :yes")
    pump(
        [window.root],
        lambda: any("<Robert> yes" in x for x in window.conversations["robert"].history),
    )
    assert "bob" not in window.conversations
