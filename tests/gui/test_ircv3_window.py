"""The window's IRCv3 features on a virtual display: redactions, multi-line messages, bots,
display names and initials, read markers (against a scripted server that sends the
specifications' lines), and replies, reactions and typing through the real server."""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable, Iterator

import pytest

from parley.client import state as cs
from parley.client.commands import interpret
from parley.client.connection import Connection
from parley.client.gui.window import SERVER_TAB, ChatWindow
from parley.client.typing_status import TypingOut
from support.client import IrcClient
from support.scripted import ScriptedServer
from support.servers import ThreadServer
from support.tkpump import pump

CAPS = (
    "server-time echo-message batch message-tags draft/message-redaction "
    "draft/multiline=max-bytes=4096,max-lines=24 draft/read-marker draft/metadata-3=max-subs=10"
)
T1, T2, T3 = "2026-11-25T10:00:01.000Z", "2026-11-25T10:00:02.000Z", "2026-11-25T10:00:03.000Z"


@pytest.fixture
def scripted(make_root: Callable[[], tk.Tk]) -> Iterator[tuple[ScriptedServer, ChatWindow]]:
    server = ScriptedServer(CAPS)
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("me"),
                            reconnect=False)  # fmt: skip
    window = ChatWindow(make_root(), connection)
    connection.start()
    pump([window.root], lambda: "#lobby" in window.conversations)
    yield server, window
    connection.close()
    server.close()


def avatar_initials(window: ChatWindow, name: str) -> list[str]:
    """The letters in the avatar circles of a conversation, in order."""
    text = window.conversations[name].text
    letters = []
    names = text.window_names()
    for widget_name in sorted(names, key=lambda n: [int(x) for x in text.index(n).split(".")]):
        canvas = text.nametowidget(widget_name)
        (label,) = canvas.find_withtag("all")[1:]
        letters.append(canvas.itemcget(label, "text"))
    return letters


def test_caps_are_requested_and_display_names_subscribed(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, _window = scripted
    (req,) = server.got("CAP")[1:2]
    asked = set(req.params[-1].split())
    assert {"draft/message-redaction", "draft/multiline", "draft/read-marker"} <= asked
    assert "draft/metadata-3" in asked
    (sub,) = server.wait_for("METADATA")
    assert sub.params == ("*", "SUB", "display-name", "avatar")


def test_names_initials_bot_badge_multiline_and_a_deleted_message(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, window = scripted
    server.send(
        ":srv METADATA alice display-name * :Alice Liddell",
        f"@msgid=a1;time={T1} :alice!a@h PRIVMSG #lobby :hello all",
        f"@msgid=ml1;time={T2} :alice!a@h BATCH +b1 draft/multiline #lobby",
        "@batch=b1 :alice!a@h PRIVMSG #lobby :def f():",
        "@batch=b1 :alice!a@h PRIVMSG #lobby :    return ",
        "@batch=b1;draft/multiline-concat :alice!a@h PRIVMSG #lobby :42",
        "BATCH -b1",
        f"@bot;msgid=r1;time={T2} :robo!r@h PRIVMSG #lobby :build #12 passed",
        f"@msgid=s1;time={T3} :bob!b@h PRIVMSG #lobby :buy cheap watches",
        ":bob!b@h REDACT #lobby s1 :spam",
        ":bob!b@h REDACT #elsewhere a1",  # a message of #lobby, named elsewhere: ignored
    )
    pump([window.root], lambda: "message deleted" in window.shown("#lobby"))
    shown = window.shown("#lobby")
    assert "<Alice Liddell (alice)> hello all" in shown
    assert "<Alice Liddell (alice)> \ndef f():\n    return 42\n" in shown  # one message
    assert "<robo> BOT build #12 passed" in shown
    assert "<bob> message deleted" in shown and "cheap watches" not in shown
    assert avatar_initials(window, "#lobby") == ["AL", "R", "B"]  # alice's 2nd line: grouped
    assert window.users.get(0, "end") == ("@me", "alice", "bob", "robo  · bot")
    assert "buy cheap" in window.conversations["#lobby"].history[-1]  # the log keeps it


def test_a_reply_quotes_its_parent_and_reactions_are_counted_then_taken_back(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, window = scripted
    server.send(
        f"@msgid=p1;time={T1} :alice!a@h PRIVMSG #lobby :who broke the build?",
        f"@msgid=p2;time={T2};+draft/reply=p1 :bob!b@h PRIVMSG #lobby :not me",
        "@msgid=x1;+draft/reply=p1;+draft/react=👍 :bob!b@h TAGMSG #lobby",
        "@msgid=x2;+draft/reply=p1;+draft/react=👍 :robo!r@h TAGMSG #lobby",
        "@msgid=x3;+draft/reply=p1;+draft/react=🎉 :robo!r@h TAGMSG #lobby",
        "@msgid=x4;+draft/reply=gone;+draft/react=🎉 :robo!r@h TAGMSG #lobby",
        f"@msgid=p3;time={T3};+draft/reply=gone :bob!b@h PRIVMSG #lobby :as I said",
    )
    pump([window.root], lambda: "as I said" in window.shown("#lobby"))
    shown = window.shown("#lobby")
    assert "↪ alice: who broke the build?\n" in shown
    assert "↪ a message not shown here\n" in shown
    index = window.conversations["#lobby"].index
    assert index.reactions_text("p1") == "👍 2   🎉 1"
    text = window.conversations["#lobby"].text
    assert index.msgid_at(text.search("who broke", "1.0")) == "p1"  # what a right-click finds
    assert index.msgid_at(text.search("as I said", "1.0")) == "p3"
    assert index.msgid_at(text.search("👍 2", "1.0")) is None  # the reactions line is not one
    first, second = shown.index("who broke"), shown.index("👍 2")
    assert first < second < shown.index("not me")  # under the message, before the next
    server.send(":robo!r@h REDACT #lobby x2", ":robo!r@h REDACT #lobby x3")
    pump([window.root], lambda: index.reactions_text("p1") == "👍 1")
    server.send(":alice!a@h REDACT #lobby p1")
    pump([window.root], lambda: index.reactions_text("p1") == "")
    assert "↪ alice: who broke" in window.shown("#lobby")  # the reply keeps its place


def test_unread_count_follows_the_servers_read_marker_and_viewing_sends_one(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, window = scripted
    window.select(SERVER_TAB)
    server.send(
        f"@msgid=u1;time={T1} :alice!a@h PRIVMSG #lobby :one",
        f"@msgid=u2;time={T2} :alice!a@h PRIVMSG #lobby :two",
        f"@msgid=u3;time={T3} :alice!a@h PRIVMSG #lobby :three",
    )
    pump([window.root], lambda: "#lobby (3)" in window.tab_labels())
    assert "new messages\n" in window.shown("#lobby")
    server.send(f":srv MARKREAD #lobby timestamp={T2}")  # read on another device
    pump([window.root], lambda: "#lobby (1)" in window.tab_labels())
    server.send(f":srv MARKREAD #lobby timestamp={T3}")
    pump([window.root], lambda: "#lobby" in window.tab_labels())
    assert "new messages" not in window.shown("#lobby")
    assert server.got("MARKREAD") == []  # nothing viewed here yet
    window.focused = True
    window.select("#lobby")  # all of it was read elsewhere: nothing to tell
    server.send("@msgid=u4;time=2026-11-25T10:00:04.000Z :alice!a@h PRIVMSG #lobby :four")
    pump([window.root], lambda: bool(server.got("MARKREAD")))  # seen as it came
    assert [m.params for m in server.got("MARKREAD")] == [
        ("#lobby", "timestamp=2026-11-25T10:00:04.000Z")
    ]
    assert "#lobby" in window.tab_labels()


def test_a_pasted_block_goes_as_one_multiline_batch(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, window = scripted
    window.entry.insert(0, "first line\n\n  indented")
    window.entry.event_generate("<Return>")
    pump([window.root], lambda: len(server.got("BATCH")) == 2)
    opening, closing = server.got("BATCH")
    ref = opening.params[0][1:]
    assert opening.params[1:] == ("draft/multiline", "#lobby")
    assert closing.params == (f"-{ref}",)
    lines = [(m.params, m.tags.get("batch")) for m in server.got("PRIVMSG")]
    assert lines == [
        (("#lobby", "first line"), ref),
        (("#lobby", ""), ref),
        (("#lobby", "  indented"), ref),
    ]
    assert "paste" not in window.dialogs  # no need to ask: it is one message


def test_the_message_menu_offers_what_the_server_allows(
    scripted: tuple[ScriptedServer, ChatWindow],
) -> None:
    server, window = scripted
    menu = window.message_menu("#lobby", "m1")
    labels = [menu.entrycget(i, "label") for i in range(int(menu.index("end") or 0) + 1)]
    assert labels == ["Reply", "React ❤", "React ☺", "React ★", "React ✔", "Delete"]
    menu.invoke(labels.index("Delete"))
    (redact,) = server.wait_for("REDACT")
    assert redact.params == ("#lobby", "m1")  # no reason made up
    window.features = cs.Capabilities(frozenset({"batch"}))  # a server with none of them
    bare = window.message_menu("#lobby", "m1")
    assert bare.index("end") is None  # nothing to offer


# -- through the real server: the client tags pass through it ------------------


@pytest.fixture
def alice_and_bob(
    server: ThreadServer, make_root: Callable[[], tk.Tk]
) -> Iterator[tuple[ChatWindow, IrcClient]]:
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("alice"))
    window = ChatWindow(make_root(), connection)
    connection.start()
    pump([window.root], lambda: "#lobby" in window.conversations)
    bob = IrcClient(server.port)
    bob.register("bob", caps=("message-tags", "echo-message", "server-time"))
    pump([window.root], lambda: "bob" in window.user_list())
    yield window, bob
    bob.close()
    connection.close()


def test_reply_and_react_reach_the_other_side_and_come_back_counted(
    alice_and_bob: tuple[ChatWindow, IrcClient],
) -> None:
    window, bob = alice_and_bob
    bob.send("PRIVMSG #lobby :lunch at noon?")
    said = bob.expect("PRIVMSG")  # the echo, with the id the server gave it
    msgid = said.tags["msgid"]
    index = window.conversations["#lobby"].index
    pump([window.root], lambda: msgid in index.shown)
    window.reply_to("#lobby", msgid)
    assert window.reply_text.get() == "Replying to bob: lunch at noon?"
    window.entry.insert(0, "yes!")
    window.entry.event_generate("<Return>")
    reply = bob.expect("PRIVMSG")
    assert reply.params == ("#lobby", "yes!") and reply.tags["+draft/reply"] == msgid
    assert window.replying is None
    pump([window.root], lambda: "↪ bob: lunch at noon?" in window.shown("#lobby"))
    window.react("#lobby", msgid, "🎉")
    react = bob.expect("TAGMSG")
    assert react.tags["+draft/react"] == "🎉" and react.tags["+draft/reply"] == msgid
    pump([window.root], lambda: index.reactions_text(msgid) == "🎉 1")  # our own, echoed
    bob.send(f"@+draft/reply={msgid};+draft/react=🎉 TAGMSG #lobby")
    pump([window.root], lambda: index.reactions_text(msgid) == "🎉 2")
    bob.send(f"@+draft/reply={msgid};+draft/react=🎉 TAGMSG #lobby")  # twice is still one
    bob.sync()
    pump([window.root], lambda: index.reactions_text(msgid) == "🎉 2", timeout=2)


def test_typing_shows_expires_and_is_sent_throttled(
    alice_and_bob: tuple[ChatWindow, IrcClient],
) -> None:
    window, bob = alice_and_bob
    bob.send("@+typing=active TAGMSG #lobby")
    pump([window.root], lambda: window.typing_text.get() == "bob is typing…")
    bob.send("PRIVMSG #lobby :here it is")
    pump([window.root], lambda: window.typing_text.get() == "")  # a message ends it
    bob.send("@+typing=paused TAGMSG #lobby")
    pump([window.root], lambda: window.typing_text.get() == "bob is typing…")
    bob.send("@+typing=done TAGMSG #lobby")
    pump([window.root], lambda: window.typing_text.get() == "")
    bob.send("@+typing=active TAGMSG #lobby")
    pump([window.root], lambda: window.typing_text.get() == "bob is typing…")
    window.typing_board.expire(time.monotonic() + 6.0)  # six seconds on, with no word more
    window._show_typing()
    assert window.typing_text.get() == ""
    for text in ("h", "he", "hel"):  # alice types three keys in a row
        window.entry.insert("end", text[-1])
        window.entry.event_generate("<KeyRelease>")
    typing = bob.expect(lambda m: m.command == "TAGMSG" and m.source.startswith("alice!"))
    assert typing.tags["+typing"] == "active"
    window.entry.delete(0, "end")
    window.entry.event_generate("<KeyRelease>")
    held = [m for m in bob.sync() if m.command == "TAGMSG" and m.source.startswith("alice!")]
    assert held == []  # within 3 s of the last: held back
    window.perform(interpret("/typing off", "#lobby"))
    window.typing_out = TypingOut()  # as if long after: nothing held back by the throttle
    window.entry.insert("end", "quiet")
    window.entry.event_generate("<KeyRelease>")
    window._typing_tick()
    held = [m for m in bob.sync() if m.command == "TAGMSG" and m.source.startswith("alice!")]
    assert held == []  # the user asked that others not be told
