"""The chat window's IRCv3 side: replies, reactions, deletion, typing and read markers.

How this works: ChatWindow inherits this. The decisions are made sans-IO elsewhere
(the client state, compose, typing_status, unread); here they meet the widgets: the
right-click menu on a message, the "Replying to" bar, the "is typing" line, and
the read markers sent when the user looks at a conversation. Only what the server
agreed to (the Capabilities event) is offered.
"""

from __future__ import annotations

import time
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from tkinter import ttk

from parley.client import compose
from parley.client import state as cs
from parley.client.commands import Send
from parley.client.connection import Connection
from parley.client.gui.message_view import Conversation
from parley.client.gui.theme import Palette
from parley.client.typing_status import TypingBoard, TypingOut
from parley.irc.casemap import fold

REACTIONS = ("❤", "☺", "★", "✔")  # offered (symbols common fonts have); any is shown
MARK_READ_MS = 700  # a conversation looked at this long is marked read on the server


@dataclass
class Replying:
    """The message the next line answers."""

    conversation: str
    msgid: str
    quote: str


class MessageFeatures:
    """The IRCv3 parts of ChatWindow (a mixin: ChatWindow's attributes are used)."""

    root: tk.Tk
    connection: Connection
    current: str
    focused: bool
    conversations: dict[str, Conversation]

    def _refresh_tabs(self) -> None:
        raise NotImplementedError  # ChatWindow's

    def perform(self, action: object) -> None:
        raise NotImplementedError  # ChatWindow's

    # -- setup ------------------------------------------------------------------

    def _init_features(self) -> None:
        self.features = cs.Capabilities(frozenset())
        self.typing_out = TypingOut()
        self.send_typing = True  # /typing off: others are not told
        self.typing_board = TypingBoard()
        self.replying: Replying | None = None
        self.typing_text = tk.StringVar(self.root, "")
        self.reply_text = tk.StringVar(self.root, "")
        self._mark_pending: dict[str, str] = {}  # folded conversation -> after() id

    def _build_features(self, middle: ttk.Frame, entry: tk.Entry) -> None:
        """The reply bar and the typing line, between the messages and the input box."""
        self.reply_bar = ttk.Frame(middle, style="Chat.TFrame", padding=(12, 0))
        ttk.Label(self.reply_bar, textvariable=self.reply_text, style="Reply.TLabel"
                  ).pack(side="left", fill="x", expand=True)  # fmt: skip
        ttk.Button(self.reply_bar, text="✕", width=2, command=self.cancel_reply
                   ).pack(side="right")  # fmt: skip
        self.typing_label = ttk.Label(middle, textvariable=self.typing_text,
                                      style="Typing.TLabel", padding=(12, 0))  # fmt: skip
        self.typing_label.pack(fill="x", side="bottom")
        entry.bind("<KeyRelease>", self._edited, add="+")
        entry.bind("<Escape>", lambda _e: self.cancel_reply())

    @staticmethod
    def _style_feature_tags(text: tk.Text, p: Palette, size: int) -> None:
        """The looks of badges, quotes, multi-line and deleted text, reactions, the new line."""
        text.tag_configure("bot", background=p.quiet, foreground=p.background,
                           font=("TkDefaultFont", size - 3, "bold"))  # fmt: skip
        text.tag_configure("quote", foreground=p.quiet, lmargin1=28, lmargin2=28,
                           font=("TkDefaultFont", size - 1, "italic"))  # fmt: skip
        text.tag_configure("multiline", lmargin1=28, lmargin2=28)
        text.tag_configure("deleted", foreground=p.quiet, font=("TkDefaultFont", size, "italic"))
        text.tag_configure("reactions", foreground=p.text, lmargin1=28,
                           font=("TkDefaultFont", size - 1))  # fmt: skip
        text.tag_configure("new-marker", foreground=p.error, justify="center",
                           font=("TkDefaultFont", size - 2, "bold"))  # fmt: skip
        for name in text.window_names():  # avatars: their corners take the new background
            text.nametowidget(name).configure(background=p.background)

    def _has(self, cap: str) -> bool:
        return cap in self.features.caps

    # -- events from the connection ---------------------------------------------

    def _feature_event(self, event: object) -> bool:
        """Apply an IRCv3 event; False if it is not one of them."""
        if isinstance(event, cs.Capabilities):
            self.features = event
        elif isinstance(event, cs.Redacted):
            conversation = self.conversations.get(fold(event.conversation))
            if conversation is not None:
                conversation.index.redact(event.msgid)
        elif isinstance(event, cs.Reacted):
            conversation = self.conversations.get(fold(event.conversation))
            if conversation is not None:
                conversation.index.react(event.parent, event.sender, event.reaction, event.msgid)
        elif isinstance(event, cs.Typing):
            now = time.monotonic()
            self.typing_board.typing(event.conversation, event.nick, event.status,
                                     event.display, now)  # fmt: skip
            self._show_typing()
        elif isinstance(event, cs.ReadMarker):
            self._read_elsewhere(event)
        elif isinstance(event, cs.MetadataChanged):
            pass  # shown from the next line on: each line carries its sender's name
        else:
            return False
        return True

    def _read_elsewhere(self, event: cs.ReadMarker) -> None:
        """The account read up to a time (maybe on another device): fewer unread lines."""
        conversation = self.conversations.get(fold(event.conversation))
        if conversation is None:
            return
        if conversation.unread_lines.marked(event.timestamp):
            if not conversation.unread_lines.count and fold(self.current) != fold(
                conversation.name
            ):
                self._drop_new_marker(conversation)
            self._refresh_tabs()

    def _drop_new_marker(self, conversation: Conversation) -> None:
        text = conversation.text
        ranges = text.tag_ranges("new-marker")
        if ranges:
            text.configure(state="normal")
            text.delete(ranges[0], ranges[-1])
            text.configure(state="disabled")

    # -- typing -------------------------------------------------------------------

    def _edited(self, _event: object = None) -> None:
        entry_text = self._entry_text()
        if self.send_typing and self._has("message-tags"):
            self._send_typing(self.typing_out.edited(self.current, entry_text, time.monotonic()))

    def _entry_text(self) -> str:
        raise NotImplementedError  # ChatWindow's

    def _send_typing(self, notices: list[tuple[str, str]]) -> None:
        for target, status in notices:
            if target != "*server*":
                self.connection.send(compose.typing(target, status))

    def _typing_tick(self) -> None:
        """Now and then: a pause in typing is told; others' typing runs out."""
        now = time.monotonic()
        if self.send_typing and self._has("message-tags"):
            self._send_typing(self.typing_out.tick(now))
        if self.typing_board.expire(now):
            self._show_typing()

    def _show_typing(self) -> None:
        self.typing_text.set(self.typing_board.text(self.current))

    # -- read markers ---------------------------------------------------------------

    def _mark_read_soon(self, name: str) -> None:
        """The user is looking at `name`: once they have for a moment, tell the server."""
        key = fold(name)
        if not self._has("draft/read-marker") or key in self._mark_pending:
            return

        def mark() -> None:
            self._mark_pending.pop(key, None)
            if fold(self.current) == key and self.focused:
                self.connection.mark_read(name)

        self._mark_pending[key] = self.root.after(MARK_READ_MS, mark)

    # -- reply, react, delete ---------------------------------------------------------

    def _message_menu(self, conversation: Conversation) -> Callable[[tk.Event[tk.Text]], None]:
        """A right-click handler: reply, react or delete the message under the pointer."""

        def open_menu(event: tk.Event[tk.Text]) -> None:
            index = conversation.text.index(f"@{event.x},{event.y}")
            msgid = conversation.index.msgid_at(index)
            if msgid is not None:
                menu = self.message_menu(conversation.name, msgid)
                if menu.index("end") is not None:  # something the server allows
                    menu.tk_popup(event.x_root, event.y_root)

        return open_menu

    def message_menu(self, name: str, msgid: str) -> tk.Menu:
        """The actions on one message, as the server allows them."""
        menu = tk.Menu(self.root, tearoff=False)
        if self._has("message-tags"):
            menu.add_command(label="Reply", command=lambda: self.reply_to(name, msgid))
            for reaction in REACTIONS:
                menu.add_command(label=f"React {reaction}",
                                 command=lambda r=reaction: self.react(name, msgid, r))  # type: ignore[misc]  # fmt: skip
        if self._has("draft/message-redaction"):
            menu.add_command(label="Delete", command=lambda: self.delete(name, msgid))
        return menu

    def reply_to(self, name: str, msgid: str) -> None:
        conversation = self.conversations.get(fold(name))
        if conversation is None:
            return
        quote = conversation.index.quote(msgid)
        self.replying = Replying(conversation.name, msgid, quote)
        self.reply_text.set(f"Replying to {quote[2:]}")
        self.reply_bar.pack(fill="x", side="bottom", before=self.typing_label)

    def cancel_reply(self) -> None:
        self.replying = None
        self.reply_bar.pack_forget()

    def _with_reply(self, action: object, target: str | None) -> object:
        """A line typed while replying answers that message."""
        replying = self.replying
        if replying is None or not isinstance(action, Send) or target is None:
            return action
        if fold(replying.conversation) != fold(target):
            return action
        self.cancel_reply()
        return compose.with_reply(action, replying.msgid)

    def react(self, name: str, msgid: str, reaction: str) -> None:
        self.perform(Send((compose.react(name, msgid, reaction),)))

    def delete(self, name: str, msgid: str) -> None:
        self.perform(Send((compose.redact(name, msgid),)))
