"""A conversation reads as one: the day named, one person's lines grouped, and a divider
where what was said since the user left begins (from the server's read markers)."""

from __future__ import annotations

from collections.abc import Callable

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.flow_view import DAY_TAG, GROUPED_TAG
from parley.client.gui.window import ChatWindow
from parley.irc.casemap import fold
from support.client import IrcClient
from support.servers import ThreadServer
from support.tkpump import attempt, pump


def type_line(window: ChatWindow, text: str) -> None:
    window.entry.delete(0, "end")
    window.entry.insert(0, text)
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: window.entry.get() == "")


def log_in(open_dialog: Callable[..., ConnectDialog], port: int, **fields: object) -> ChatWindow:
    dialog = open_dialog(port, "carol", password="carol-password", **fields)
    assert attempt(dialog) == ""
    assert dialog.window is not None
    return dialog.window


def shown(window: ChatWindow, name: str) -> str:
    return window.shown(name)


def avatars(window: ChatWindow, name: str) -> int:
    return len(window.conversations[fold(name)].text.window_names())


def test_the_day_is_named_and_one_persons_lines_are_grouped(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    carol = log_in(open_dialog, server.port, create_account=True)
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("JOIN #lobby")
    for text in ("one", "two", "three"):
        bob.send(f"PRIVMSG #lobby :{text}")
    pump([carol.root], lambda: "<bob> three" in shown(carol, "#lobby"))
    text = carol.conversations["#lobby"].text
    assert text.get(*text.tag_ranges(DAY_TAG)[:2]) == "— Today —\n"
    grouped = text.tag_ranges(GROUPED_TAG)
    assert [text.get(a, b) for a, b in zip(grouped[::2], grouped[1::2], strict=True)] == [
        "<bob> ",
        "<bob> ",
    ]  # hidden under the first line's name, but kept in the text
    before = avatars(carol, "#lobby")
    bob.send("PART #lobby")
    bob.send("JOIN #lobby")
    bob.send("PRIVMSG #lobby :back")  # after a join line: a new group
    pump([carol.root], lambda: "<bob> back" in shown(carol, "#lobby"))
    assert avatars(carol, "#lobby") == before + 1
    assert len(text.tag_ranges(GROUPED_TAG)) == len(grouped)
    bob.close()


def test_what_was_said_since_the_user_left_begins_under_a_divider(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    carol = log_in(open_dialog, server.port, create_account=True)
    type_line(carol, "/join #garden")
    pump([carol.root], lambda: carol.current == "#garden")
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("JOIN #garden")
    bob.send("PRIVMSG #garden :read this before leaving")
    pump([carol.root], lambda: "read this before leaving" in shown(carol, "#garden"))
    state = carol.connection.state
    assert state is not None
    pump(  # looked at for a moment: the server is told it was read
        [carol.root],
        lambda: state.read_markers.get("#garden") == state.last_seen.get("#garden"),
    )
    carol.entry.insert(0, "/quit see you")
    carol.entry.event_generate("<Return>")
    bob.expect("QUIT")
    bob.send("PRIVMSG #garden :while you were out")
    bob.send("PRIVMSG #garden :and more")
    bob.sync()

    back = log_in(open_dialog, server.port)
    pump([back.root], lambda: "and more" in shown(back, "#garden"))
    text = shown(back, "#garden")
    read, divider, new = (
        text.index("read this before leaving"),
        text.index("new since you left"),
        text.index("while you were out"),
    )
    assert read < divider < new
    assert text.count("new since you left") == 1
    bob.close()
