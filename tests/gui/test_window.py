"""The desktop client's window on a virtual display, against a real server."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from dataclasses import replace
from pathlib import Path
from tkinter import ttk

import pytest

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import SERVER_TAB, ChatWindow
from parley.client.pins import PinStore
from parley.server.config import Address
from support.client import IrcClient
from support.servers import ThreadServer
from support.servers import test_config as server_config
from support.tkpump import pump


@pytest.fixture
def open_on(make_root: Callable[[], tk.Tk]) -> Iterator[Callable[[ThreadServer, str], ChatWindow]]:
    """Open a chat window on a server, as `nick`, once it is in the lobby."""
    windows: list[ChatWindow] = []

    def open_(server: ThreadServer, nick: str) -> ChatWindow:
        connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState(nick))
        window = ChatWindow(make_root(), connection)
        connection.start()
        windows.append(window)
        pump([window.root], lambda: "#lobby" in [c.name for c in window.conversations.values()])
        return window

    yield open_
    for window in windows:
        window.connection.close()


@pytest.fixture
def open_window(
    server: ThreadServer, open_on: Callable[[ThreadServer, str], ChatWindow]
) -> Callable[[str], ChatWindow]:
    return lambda nick: open_on(server, nick)


def type_line(window: ChatWindow, text: str) -> None:
    """Type into the input box and press Enter, as a user would."""
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    window.entry.focus_force()
    window.root.update()
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def lines(window: ChatWindow, name: str) -> list[str]:
    conversation = window.conversations.get(name.lower())
    return conversation.history if conversation else []


def test_two_windows_chat_in_the_lobby_and_see_each_other(
    open_window: Callable[[str], ChatWindow],
) -> None:
    alice = open_window("alice")
    bob = open_window("bob")
    roots = [alice.root, bob.root]
    pump(roots, lambda: "bob" in alice.user_list())
    assert alice.user_list() == ["@alice", "bob"]
    assert any("bob joined" in line for line in lines(alice, "#lobby"))
    type_line(alice, "hello from the window")
    pump(roots, lambda: any("<alice> hello from the window" in x for x in lines(bob, "#lobby")))
    # the echo reaches alice's window on its own way: wait for it too, do not race it
    pump(roots, lambda: any("<alice> hello from the window" in x for x in lines(alice, "#lobby")))
    bob.connection.close("bye")
    pump([alice.root], lambda: any("bob quit" in line for line in lines(alice, "#lobby")))
    assert alice.user_list() == ["@alice"]


def test_unread_counts_and_mentions_on_other_tabs(
    open_window: Callable[[str], ChatWindow], server: ThreadServer
) -> None:
    alice = open_window("alice")
    alice.select(SERVER_TAB)
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("PRIVMSG #lobby :just chatting")
    bob.send("PRIVMSG #lobby :alice, look at this https://example.org/x")
    pump([alice.root], lambda: "#lobby (2) @" in alice.tab_labels())
    url_text = alice.conversations["#lobby"].text
    assert url_text.tag_ranges("url")  # the link is clickable
    alice.select("#lobby")
    assert "#lobby" in alice.tab_labels()
    bob.send("PRIVMSG alice :a private word")
    pump([alice.root], lambda: "bob (1) @" in alice.tab_labels())  # a private word is a mention
    assert on_screen(alice) is alice.conversations["#lobby"].text  # not covered by the new tab


def on_screen(window: ChatWindow) -> tk.Misc | None:
    """The widget the user sees in the middle of the message area."""
    window.root.update()
    stack = window.stack
    x = stack.winfo_rootx() + stack.winfo_width() // 2
    y = stack.winfo_rooty() + stack.winfo_height() // 2
    return window.root.winfo_containing(x, y)


def test_input_refused_while_disconnected_is_said(
    open_window: Callable[[str], ChatWindow], server: ThreadServer
) -> None:
    alice = open_window("alice")
    alice.connection.close()
    type_line(alice, "anyone?")
    pump([alice.root], lambda: any("Not connected" in x for x in lines(alice, "#lobby")))


def test_unknown_command_shows_help_and_themes_switch(
    open_window: Callable[[str], ChatWindow],
) -> None:
    alice = open_window("alice")
    type_line(alice, "/frobnicate")
    pump([alice.root], lambda: any("Unknown command" in x for x in lines(alice, "#lobby")))
    alice.apply_theme("dark")
    assert alice.conversations["#lobby"].text.cget("background") == "#0d1117"


def test_nick_taken_while_reconnecting_asks_for_another_in_a_dialog(
    server: ThreadServer, make_root: Callable[[], tk.Tk]
) -> None:
    holder = IrcClient(server.port)  # has the nick when the window (re)connects
    holder.register("taken")
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("taken"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    try:
        pump([window.root], lambda: "nick" in window.dialogs)
        dialog = window.dialogs["nick"]
        assert "The nickname taken is taken" in dialog_text(dialog)
        (entry,) = [
            w for w in dialog.winfo_children()[0].winfo_children() if isinstance(w, ttk.Entry)
        ]
        assert entry.get() == "taken_"  # a suggestion, filled in
        entry.delete(0, "end")
        entry.insert(0, "9 lives")
        dialog_buttons(dialog)["Use this nickname"].invoke()
        assert "starts with a letter" in dialog_text(dialog)  # refused in place, still open
        entry.delete(0, "end")
        entry.insert(0, "fresh")
        dialog_buttons(dialog)["Use this nickname"].invoke()
        pump([window.root], lambda: "#lobby" in window.conversations)
        assert window.nick == "fresh" and "nick" not in window.dialogs
    finally:
        connection.close()
        holder.close()


def test_pasting_more_lines_than_a_message_holds_asks_first(
    open_on: Callable[[ThreadServer, str], ChatWindow], make_server: Callable[..., ThreadServer]
) -> None:
    """Past the server's draft/multiline limits (here one line) the lines go one by one."""
    server = make_server(limits={"multiline_max_lines": 1})
    alice = open_on(server, "alice")
    bob = IrcClient(server.port)
    bob.register("bob")
    type_line(alice, "first line\nsecond line")
    pump([alice.root], lambda: "paste" in alice.dialogs)
    dialog_buttons(alice.dialogs["paste"])["Send 2 lines"].invoke()  # the user clicks it
    assert bob.expect("PRIVMSG").params[1] == "first line"
    assert bob.expect("PRIVMSG").params[1] == "second line"


def dialog_text(dialog: tk.Toplevel) -> str:
    """Everything the dialog's labels say."""
    return " ".join(
        str(widget.cget("text"))
        for frame in dialog.winfo_children()
        for widget in frame.winfo_children()
        if isinstance(widget, ttk.Label)
    )


def dialog_buttons(dialog: tk.Toplevel) -> dict[str, ttk.Button]:
    """The dialog's buttons by their text."""
    return {
        str(widget.cget("text")): widget
        for frame in dialog.winfo_children()
        for widget in frame.winfo_children()
        if isinstance(widget, ttk.Button)
    }


def test_changed_certificate_warns_with_both_fingerprints(
    make_server: Callable[..., ThreadServer], make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    server = make_server(tls=True)
    pins = PinStore(tmp_path / "pins.json")
    pins.pin("127.0.0.1", server.tls_port, "AA:BB:CC")
    connection = Connection(
        "127.0.0.1", server.tls_port, True, lambda: cs.ClientState("careful"), pins
    )
    window = ChatWindow(make_root(), connection)
    connection.start()
    try:
        pump([window.root], lambda: "certificate" in window.dialogs)
        dialog = window.dialogs["certificate"]
        text = dialog_text(dialog)
        assert "AA:BB:CC" in text and "WARNING" in text
        assert "disconnected" in window.status.get()
        dialog_buttons(dialog)["Trust the new certificate"].invoke()
        pump([window.root], lambda: "#lobby" in window.conversations)
        assert "TLS" in window.status.get()
    finally:
        connection.close()


def test_window_reconnects_after_the_server_restarts(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    first = ThreadServer(server_config(tmp_path / "a")).start()
    port = first.port
    connection = Connection("127.0.0.1", port, False, lambda: cs.ClientState("steady"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    second: ThreadServer | None = None
    try:
        pump([window.root], lambda: "#lobby" in window.conversations)
        type_line(window, "/join #room")
        pump([window.root], lambda: "#room" in window.conversations)
        first.stop()
        pump([window.root], lambda: "reconnecting" in window.status.get())
        config = replace(server_config(tmp_path / "b"), listen=(Address("127.0.0.1", port),))
        second = ThreadServer(config).start()
        pump([window.root], lambda: window.status.get().startswith("connected"), timeout=20)
        pump([window.root], lambda: window.user_list() == ["@steady"])
        assert "#room" in window.conversations
    finally:
        connection.close()
        if second is not None:
            second.stop()
