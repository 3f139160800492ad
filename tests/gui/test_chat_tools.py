"""What chat users expect of the window, against a real server: moderation commands,
history search, the nick list, Tab that cycles and shortcuts between conversations."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from tkinter import font as tkfont
from tkinter import ttk

import pytest

from parley.client import state as cs
from parley.client.connection import Connection, Disconnected
from parley.client.gui.layout import MIN_SIZE
from parley.client.gui.theme import PALETTES
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.scripted import ScriptedServer
from support.servers import ThreadServer
from support.tkpump import pump


@pytest.fixture
def open_as(
    server: ThreadServer, make_root: Callable[[], tk.Tk]
) -> Iterator[Callable[[str], ChatWindow]]:
    """A chat window on the server, as `nick`, once it is in the lobby."""
    windows: list[ChatWindow] = []

    def open_(nick: str) -> ChatWindow:
        connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState(nick))
        window = ChatWindow(make_root(), connection)
        connection.start()
        windows.append(window)
        pump([window.root], lambda: "#lobby" in window.conversations)
        return window

    yield open_
    for window in windows:
        window.connection.close()


@pytest.fixture
def raw(server: ThreadServer) -> Iterator[Callable[[str], IrcClient]]:
    """Another user on a plain connection, in the lobby."""
    clients: list[IrcClient] = []

    def make(nick: str) -> IrcClient:
        client = IrcClient(server.port)
        client.register(nick)
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.close()


def type_line(window: ChatWindow, text: str) -> None:
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    press(window, "<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def press(window: ChatWindow, key: str, widget: tk.Misc | None = None) -> None:
    """A key pressed where the focus is (the input box unless told)."""
    target = widget or window.entry
    target.focus_force()
    window.root.update()
    target.event_generate(key)
    window.root.update()


def said(window: ChatWindow, name: str, part: str) -> Callable[[], bool]:
    return lambda: part in window.shown(name)


def test_moderation_commands_reach_the_server_and_unknown_ones_point_to_help(
    open_as: Callable[[str], ChatWindow], raw: Callable[[str], IrcClient]
) -> None:
    alice = open_as("alice")
    bob = raw("bob")
    pump([alice.root], lambda: "bob" in alice.user_list())
    type_line(alice, "/op bob")
    pump([alice.root], lambda: "@bob" in alice.user_list())
    type_line(alice, "/deop bob")
    pump([alice.root], lambda: "bob" in alice.user_list())
    type_line(alice, "/notice bob psst")
    assert bob.expect("NOTICE").params == ("bob", "psst")
    type_line(alice, "/invite bob #elsewhere")  # refused (alice is not there), said where typed
    pump([alice.root], said(alice, "#lobby", "#elsewhere"))
    type_line(alice, "/quote PRIVMSG bob :raw and whole")
    assert bob.expect("PRIVMSG").params == ("bob", "raw and whole")
    type_line(alice, "/ban bob")
    assert bob.expect("MODE").params == ("#lobby", "+b", "bob!*@*")
    type_line(alice, "/kick bob that will do")
    assert bob.expect("KICK").params == ("#lobby", "bob", "that will do")
    pump([alice.root], lambda: alice.user_list() == ["@alice"])
    before = len(alice.conversations["#lobby"].history)
    type_line(alice, "/frobnicate")
    pump([alice.root], lambda: len(alice.conversations["#lobby"].history) > before)
    (answer,) = alice.conversations["#lobby"].history[before:]  # one line
    assert "Unknown command /frobnicate" in answer and "/help" in answer
    type_line(alice, "/help")
    pump([alice.root], said(alice, "#lobby", "/quote RAW LINE"))
    type_line(alice, "/query carol")
    assert alice.current == "carol"
    type_line(alice, "/close")
    assert "carol" not in alice.conversations and alice.current != "carol"
    type_line(alice, "/close *server*")
    assert "*server*" in alice.conversations
    pump([alice.root], said(alice, alice.current, "tab stays open"))


def result_rows(window: ChatWindow) -> tuple[ttk.Treeview, list[tuple[str, ...]]]:
    dialog = window.dialogs["search"]
    (tree,) = [w for w in dialog.winfo_children()[0].winfo_children()
               if isinstance(w, ttk.Treeview)]  # fmt: skip
    return tree, [tuple(tree.item(i, "values")) for i in tree.get_children()]


def test_search_lists_what_was_said_and_opens_its_conversation(
    open_as: Callable[[str], ChatWindow], raw: Callable[[str], IrcClient]
) -> None:
    alice = open_as("alice")
    type_line(alice, "/join #room")
    pump([alice.root], lambda: "#room" in alice.conversations)
    bob = raw("bob")
    bob.send("JOIN #room")
    bob.expect("366")
    bob.send("PRIVMSG #room :the kettle is on")
    bob.send("PRIVMSG #room :and the cups are out")
    bob.send("PRIVMSG alice :a kettle of fish, privately")
    pump([alice.root], said(alice, "bob", "kettle of fish"))
    pump([alice.root], said(alice, "#room", "cups are out"))
    alice.select("#lobby")
    type_line(alice, "/search kettle")
    pump([alice.root], lambda: "search" in alice.dialogs)
    tree, rows = result_rows(alice)
    assert [row[1:] for row in rows] == [
        ("bob", "bob", "a kettle of fish, privately"),  # newest first
        ("#room", "bob", "the kettle is on"),
    ]
    assert all(row[0] for row in rows)  # each has its time
    assert "2 found" in alice.shown("#lobby")
    tree.selection_set(tree.get_children()[1])
    press(alice, "<Return>", tree)
    assert alice.current == "#room"
    found = alice.conversations["#room"].text.tag_ranges("found")
    assert found and "the kettle is on" in alice.conversations["#room"].text.get(*found)
    type_line(alice, "/search nothing-like-it")
    pump([alice.root], lambda: result_rows(alice)[1] == [])
    assert "nothing found" in alice.shown("#room")


def test_nick_list_shows_away_users_and_offers_what_each_may_do(
    open_as: Callable[[str], ChatWindow], raw: Callable[[str], IrcClient]
) -> None:
    alice = open_as("alice")  # the lobby's operator
    bob = raw("bob")
    bob.send("JOIN #room")
    bob.send("AWAY :lunch")
    bob.expect("306")
    type_line(alice, "/join #room")  # bob was away before: WHO tells
    pump([alice.root], lambda: "@bob  (away)" in alice.users.get(0, "end"))
    assert alice.users.itemcget(0, "foreground") == alice.palette.quiet
    assert alice.users.itemcget(1, "foreground") != alice.palette.quiet  # alice
    assert not any("End of WHO" in line for line in alice.conversations["*server*"].history)
    alice.select("#lobby")
    carol = raw("carol")
    pump([alice.root], lambda: "carol" in alice.users.get(0, "end"))
    carol.send("AWAY :gone fishing")
    pump([alice.root], lambda: "carol  (away)" in alice.users.get(0, "end"))  # away-notify
    carol.send("AWAY")
    pump([alice.root], lambda: "carol" in alice.users.get(0, "end"))
    bob.send("AWAY")
    pump([alice.root], lambda: "bob" in alice.users.get(0, "end"))

    dave = open_as("dave")
    pump([alice.root, dave.root], lambda: "dave" in alice.user_list())
    labels = menu_labels(dave.nick_menu("bob"))
    assert labels == ["Private conversation", "Who is this?"]  # dave is no operator
    mine = alice.nick_menu("dave")
    assert set(menu_labels(mine)) >= {"Kick", "Ban and kick", "Make operator"}
    mine.invoke(mine.index("Make operator"))
    pump([alice.root, dave.root], lambda: "@dave" in dave.user_list())
    assert "Kick" in menu_labels(dave.nick_menu("bob"))  # now he may

    alice.root.update()
    row = alice.user_list().index("carol")
    _x, y, _w, h = alice.users.bbox(row)  # type: ignore[misc]
    for _ in range(2):  # a double click
        alice.users.event_generate("<ButtonPress-1>", x=5, y=y + h // 2)
        alice.users.event_generate("<ButtonRelease-1>", x=5, y=y + h // 2)
    pump([alice.root], lambda: alice.current == "carol")


def menu_labels(menu: tk.Menu) -> list[str]:
    end = menu.index("end")
    return [str(menu.entrycget(i, "label")) for i in range(int(end) + 1 if end is not None else 0)
            if menu.type(i) == "command"]  # fmt: skip


def test_tab_cycles_and_keys_move_between_conversations(
    open_as: Callable[[str], ChatWindow], raw: Callable[[str], IrcClient]
) -> None:
    alice = open_as("alice")
    raw("bob")
    raw("bobby")
    pump([alice.root], lambda: {"bob", "bobby"} <= set(alice.user_list()))
    alice.entry.delete(0, "end")
    alice.entry.insert(0, "bo")
    press(alice, "<Tab>")
    assert alice.entry.get() == "bob: "
    press(alice, "<Tab>")
    assert alice.entry.get() == "bobby: "
    press(alice, "<Tab>")
    assert alice.entry.get() == "bob: "
    for channel in ("#room", "#cake"):
        type_line(alice, f"/join {channel}")
        pump([alice.root], lambda c=channel: alice.current == c)  # type: ignore[misc]
    names = [c.name for c in alice.conversations.values()]  # the server tab first
    assert names[1:] == ["#lobby", "#room", "#cake"]
    press(alice, "<Control-Next>")
    assert alice.current == names[0]  # round from the last
    press(alice, "<Control-Prior>")
    assert alice.current == "#cake"
    press(alice, "<Alt-Key-2>")
    assert alice.current == "#lobby"
    press(alice, "<Alt-Key-9>")  # no ninth: stays
    assert alice.current == "#lobby"
    alice.entry.insert(0, "half a thought")
    alice.entry.icursor(0)
    press(alice, "<Control-k>")
    pump([alice.root], lambda: "switch" in alice.dialogs)
    assert alice.entry.get() == "half a thought"  # Ctrl+K did not cut it
    dialog = alice.dialogs["switch"]
    (field,) = [w for w in dialog.winfo_children()[0].winfo_children()
                if isinstance(w, ttk.Entry)]  # fmt: skip
    field.insert(0, "CAK")
    press(alice, "<Return>", field)
    assert alice.current == "#cake" and "switch" not in alice.dialogs
    assert int(alice.users.cget("highlightthickness")) >= 1  # focus is seen on the lists


def test_ctrl_f_finds_in_the_conversation_and_esc_closes(
    open_as: Callable[[str], ChatWindow], raw: Callable[[str], IrcClient]
) -> None:
    alice = open_as("alice")
    bob = raw("bob")
    for text in ("apple one", "banana", "apple two", "an APPLE three"):
        bob.send(f"PRIVMSG #lobby :{text}")
    pump([alice.root], said(alice, "#lobby", "APPLE three"))
    press(alice, "<Control-f>")
    bar = alice.find_bar
    assert bar.frame.winfo_ismapped() and alice.root.focus_get() is bar.field
    bar.field.insert(0, "apple")
    alice.root.update()
    text = alice.conversations["#lobby"].text
    assert len(text.tag_ranges("find")) == 6  # three matches, any case
    assert bar.count.get() == "3 of 3"  # the newest first
    assert text.get(*text.tag_ranges("find-current")) == "APPLE"
    press(alice, "<Return>", bar.field)
    assert bar.count.get() == "1 of 3"  # round to the first
    press(alice, "<Shift-Return>", bar.field)
    press(alice, "<Shift-Return>", bar.field)
    assert bar.count.get() == "2 of 3"
    assert "apple two" in text.get(f"{text.tag_ranges('find-current')[0]} linestart",
                                   f"{text.tag_ranges('find-current')[0]} lineend")  # fmt: skip
    bar.field.delete(0, "end")
    bar.field.insert(0, "cherry")
    alice.root.update()
    assert bar.count.get() == "no match" and not text.tag_ranges("find")
    press(alice, "<Escape>", bar.field)
    assert not bar.frame.winfo_ismapped() and not text.tag_ranges("find")
    assert alice.root.focus_get() is alice.entry


def test_theme_scale_small_windows_and_folding_panels(
    open_as: Callable[[str], ChatWindow],
) -> None:
    alice = open_as("alice")
    type_line(alice, "/theme dark")
    dark = PALETTES["dark"]
    assert alice.conversations["#lobby"].text.cget("background") == dark.background
    assert alice.users.cget("background") == dark.surface
    assert alice.entry.cget("background") == dark.field
    type_line(alice, "/theme light")
    assert alice.users.cget("background") != dark.surface

    def size_of(widget: tk.Misc) -> int:
        return int(tkfont.Font(root=alice.root, font=widget.cget("font")).actual("size"))

    before = (size_of(alice.entry), size_of(alice.users), size_of(alice.tabs))
    default = tkfont.nametofont("TkDefaultFont", root=alice.root).actual("size")
    press(alice, "<Control-equal>")
    press(alice, "<Control-plus>")
    after = (size_of(alice.entry), size_of(alice.users), size_of(alice.tabs))
    assert after == tuple(b + 2 for b in before)
    assert tkfont.nametofont("TkDefaultFont", root=alice.root).actual("size") > default  # ttk
    text = alice.conversations["#lobby"].text
    assert tkfont.Font(root=alice.root, font=text.cget("font")).actual("size") == after[0]
    press(alice, "<Control-minus>")
    assert size_of(alice.entry) == before[0] + 1

    alice.root.geometry("300x200")
    alice.handle(Disconnected("the server went away " + "and said much more " * 20, 30.0))
    pump([alice.root], lambda: alice.reconnect_button.winfo_ismapped())
    root = alice.root
    pump([root], lambda: root.winfo_width() >= MIN_SIZE[0])  # not smaller than it holds
    button = alice.reconnect_button
    assert button.winfo_rootx() + button.winfo_width() <= root.winfo_rootx() + root.winfo_width()
    assert button.winfo_width() >= button.winfo_reqwidth()  # whole, not squeezed

    users_panel = alice.users.master
    alice.panel_buttons["People"].invoke()
    pump([root], lambda: not users_panel.winfo_ismapped())
    assert str(alice.panel_buttons["People"].cget("text")) == "Show people"
    alice.panel_buttons["Conversations"].invoke()
    pump([root], lambda: not alice.tabs.winfo_ismapped())
    alice.panel_buttons["People"].invoke()
    alice.panel_buttons["Conversations"].invoke()
    pump([root], lambda: users_panel.winfo_ismapped() and alice.tabs.winfo_ismapped())
    assert alice.tabs.winfo_rootx() < alice.stack.winfo_rootx() < alice.users.winfo_rootx()


def test_search_without_the_capability_asks_histserv_and_shows_its_answer(
    make_root: Callable[[], tk.Tk],
) -> None:
    server = ScriptedServer("server-time echo-message")
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("alice"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    try:
        pump([window.root], lambda: "#lobby" in window.conversations)
        type_line(window, "/search kettle in:#tea")
        (asked,) = server.wait_for("PRIVMSG")
        assert asked.params == ("HistServ", "SEARCH kettle in:#tea")
        assert window.current == "HistServ"
        notice = ":HistServ!s@x NOTICE alice :"
        server.send(f"{notice}1 line with kettle:")
        server.send(f"{notice}2026-11-25 23:50 #tea <bob> the kettle")
        pump([window.root], said(window, "HistServ", "#tea <bob> the kettle"))
    finally:
        connection.close()
        server.close()
