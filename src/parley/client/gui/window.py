"""The chat window: conversations on the left, messages in the middle, people on the right.

How this works: the window owns a Connection (its own thread) and polls the
connection's event queue every POLL_MS with `after()`; each event updates the
widgets here, in the Tk thread. Each conversation (the server tab, channels,
private conversations) has its own Text widget, raised when selected.
"""

from __future__ import annotations

import queue
import time
import tkinter as tk
import webbrowser
from collections.abc import Callable
from dataclasses import dataclass, field
from tkinter import ttk

from parley.client import state as cs
from parley.client.commands import OpenQuery, QuitApp, Send, ShowText, interpret
from parley.client.connection import (
    CertificateChanged,
    CertificatePinned,
    Connected,
    Connecting,
    Connection,
    Disconnected,
    Lag,
)
from parley.client.gui.formatting import MIRC_COLOURS, runs
from parley.client.gui.theme import PALETTES, Palette, nick_colour
from parley.irc.casemap import fold, is_channel

POLL_MS = 50
SERVER_TAB = "*server*"


@dataclass
class Conversation:
    """One tab: its name, its text widget and what has not been read yet."""

    name: str
    text: tk.Text
    unread: int = 0
    mentions: int = 0
    history: list[str] = field(default_factory=list)  # plain lines, for tests and search


class ChatWindow:
    """The main window for one server connection."""

    def __init__(self, root: tk.Tk, connection: Connection, theme: str = "light") -> None:
        self.root = root
        self.connection = connection
        self.palette: Palette = PALETTES[theme]
        self.font_size = 11
        self.conversations: dict[str, Conversation] = {}
        self.channel_users: dict[str, tuple[str, ...]] = {}  # by folded channel, from events
        self.topics: dict[str, str] = {}
        self.nick = ""
        self.lag: float | None = None
        self.current: str = SERVER_TAB
        self.status = tk.StringVar(value="connecting")
        self.topic = tk.StringVar(value="")
        self.sent: list[str] = []  # input history for Up/Down
        self._history_pos = 0
        self.focused = True
        self.dialogs: dict[str, tk.Toplevel] = {}
        self.on_nick_refused: Callable[[cs.NickRefused], None] | None = None
        self._build()
        self._open(SERVER_TAB)
        self.root.after(POLL_MS, self._poll)

    # -- layout ---------------------------------------------------------------

    def _build(self) -> None:
        root = self.root
        root.title("Parley")
        root.geometry("980x620")
        root.bind("<FocusIn>", lambda _e: self._set_focus(True))
        root.bind("<FocusOut>", lambda _e: self._set_focus(False))
        outer = ttk.PanedWindow(root, orient="horizontal")
        outer.pack(fill="both", expand=True)
        self.tabs = tk.Listbox(outer, width=22, activestyle="none", exportselection=False)
        self.tabs.bind("<<ListboxSelect>>", self._tab_selected)
        outer.add(self.tabs, weight=0)
        middle = ttk.Frame(outer)
        outer.add(middle, weight=1)
        self.topic_bar = ttk.Label(middle, textvariable=self.topic, anchor="w", padding=(8, 4))
        self.topic_bar.pack(fill="x")
        self.stack = ttk.Frame(middle)
        self.stack.pack(fill="both", expand=True)
        self.stack.rowconfigure(0, weight=1)
        self.stack.columnconfigure(0, weight=1)
        self.entry = tk.Entry(middle)
        self.entry.pack(fill="x", padx=6, pady=6)
        self.entry.bind("<Return>", self._submit)
        self.entry.bind("<Up>", lambda _e: self._recall(-1))
        self.entry.bind("<Down>", lambda _e: self._recall(1))
        self.entry.bind("<Tab>", self._complete)
        self.users = tk.Listbox(outer, width=20, activestyle="none")
        outer.add(self.users, weight=0)
        bar = ttk.Label(root, textvariable=self.status, anchor="w", padding=(8, 2))
        bar.pack(fill="x", side="bottom")
        root.bind("<Control-plus>", lambda _e: self.set_font_size(self.font_size + 1))
        root.bind("<Control-minus>", lambda _e: self.set_font_size(self.font_size - 1))
        self.apply_theme()
        self.entry.focus_set()

    def apply_theme(self, name: str | None = None) -> None:
        """Light or dark: every widget and text tag gets the palette's colours."""
        if name is not None:
            self.palette = PALETTES[name]
        p = self.palette
        self.root.configure(background=p.surface)
        style = ttk.Style(self.root)
        style.configure("TFrame", background=p.background)
        style.configure("TLabel", background=p.surface, foreground=p.text)
        for listbox in (self.tabs, self.users):
            listbox.configure(
                background=p.surface, foreground=p.text, selectbackground=p.accent,
                highlightthickness=0, borderwidth=0,
            )  # fmt: skip
        self.entry.configure(background=p.background, foreground=p.text, insertbackground=p.text)
        for conversation in self.conversations.values():
            self._style_text(conversation.text)

    def set_font_size(self, size: int) -> None:
        self.font_size = max(7, min(28, size))
        for conversation in self.conversations.values():
            self._style_text(conversation.text)

    def _style_text(self, text: tk.Text) -> None:
        p, size = self.palette, self.font_size
        text.configure(
            background=p.background, foreground=p.text, font=("TkDefaultFont", size),
            wrap="word", borderwidth=0, padx=8, pady=4,
        )  # fmt: skip
        text.tag_configure("time", foreground=p.quiet)
        text.tag_configure("quiet", foreground=p.quiet, font=("TkDefaultFont", size - 1, "italic"))
        text.tag_configure("error", foreground=p.error)
        text.tag_configure("mention", background=p.mention)
        text.tag_configure("bold", font=("TkDefaultFont", size, "bold"))
        text.tag_configure("italic", font=("TkDefaultFont", size, "italic"))
        text.tag_configure("underline", underline=True)
        text.tag_configure("url", foreground=p.accent, underline=True)
        for i, colour in enumerate(MIRC_COLOURS):
            text.tag_configure(f"fg{i}", foreground=colour)
            text.tag_configure(f"bg{i}", background=colour)

    # -- conversations --------------------------------------------------------

    def _open(self, name: str) -> Conversation:
        key = fold(name)
        conversation = self.conversations.get(key)
        if conversation is None:
            text = tk.Text(self.stack, state="disabled", cursor="arrow")
            text.grid(row=0, column=0, sticky="nsew")
            text.tag_bind("url", "<Button-1>", self._link_clicked(text))
            self._style_text(text)
            conversation = self.conversations[key] = Conversation(name, text)
            self._refresh_tabs()
            if len(self.conversations) == 1:
                self.select(name)
        return conversation

    def select(self, name: str) -> None:
        """Show a conversation: raise its text, clear its unread count, show its people."""
        conversation = self._open(name)
        self.current = conversation.name
        conversation.unread = conversation.mentions = 0
        conversation.text.tkraise()
        self._refresh_tabs()
        self._refresh_users()
        self.topic.set(self.topics.get(fold(name), ""))

    def _tab_selected(self, _event: object) -> None:
        chosen: tuple[int, ...] = self.tabs.curselection()  # type: ignore[no-untyped-call]
        if chosen:
            names = [c.name for c in self.conversations.values()]
            self.select(names[chosen[0]])

    def tab_labels(self) -> list[str]:
        """What the conversation list shows: name, unread count, `@` for mentions."""
        labels = []
        for conversation in self.conversations.values():
            label = conversation.name
            if conversation.unread:
                label += f" ({conversation.unread})"
            if conversation.mentions:
                label += " @"
            labels.append(label)
        return labels

    def _refresh_tabs(self) -> None:
        self.tabs.delete(0, "end")
        for i, label in enumerate(self.tab_labels()):
            self.tabs.insert("end", label)
            if fold(list(self.conversations.values())[i].name) == fold(self.current):
                self.tabs.selection_set(i)

    def user_list(self) -> list[str]:
        """The current channel's people, ops first, as the last event told."""
        return list(self.channel_users.get(fold(self.current), ()))

    def _refresh_users(self) -> None:
        self.users.delete(0, "end")
        for entry in self.user_list():
            self.users.insert("end", entry)

    def _close(self, name: str) -> None:
        conversation = self.conversations.pop(fold(name), None)
        if conversation is not None:
            conversation.text.destroy()
            if fold(self.current) == fold(name):
                self.select(SERVER_TAB)
            else:
                self._refresh_tabs()

    # -- writing lines ----------------------------------------------------------

    def write(self, name: str, parts: list[tuple[str, tuple[str, ...]]], count: bool = True,
              mention: bool = False) -> None:  # fmt: skip
        """Append a line to a conversation; count it unread if it is not on screen."""
        conversation = self._open(name)
        text = conversation.text
        text.configure(state="normal")
        start = text.index("end-1c")
        for piece, tags in parts:
            text.insert("end", piece, tags)
        text.insert("end", "\n")
        if mention:
            text.tag_add("mention", start, "end-1c")
        text.configure(state="disabled")
        text.see("end")
        conversation.history.append("".join(piece for piece, _ in parts))
        if fold(name) != fold(self.current) and count:
            conversation.unread += 1
            conversation.mentions += int(mention)
            self._refresh_tabs()
        if mention and not self.focused:
            self.root.bell()
            self.root.title(f"* Parley: {name}")

    def _stamp(self, server_time: str | None) -> tuple[str, tuple[str, ...]]:
        stamp = server_time[11:16] if server_time else time.strftime("%H:%M")  # HH:MM
        return (f"{stamp} ", ("time",))

    def _chat(self, line: cs.ChatLine) -> None:
        tag = f"nick-{fold(line.sender)}"
        colour = nick_colour(self.palette, line.sender)
        self._open(line.conversation).text.tag_configure(tag, foreground=colour)
        head: list[tuple[str, tuple[str, ...]]]
        if line.action:
            head = [(f"* {line.sender} ", (tag,))]
        elif line.notice:
            head = [(f"-{line.sender}- ", (tag,))]
        else:
            head = [(f"<{line.sender}> ", (tag, "bold"))]
        parts = [self._stamp(line.time), *head, *runs(line.text)]
        self.write(line.conversation, parts, count=not line.own, mention=line.mention)

    def _quiet(self, name: str, text: str) -> None:
        self.write(name, [self._stamp(None), (text, ("quiet",))], count=False)

    def _server(self, text: str, error: bool = False) -> None:
        self.write(SERVER_TAB, [self._stamp(None), (text, ("error",) if error else ())],
                   count=False)  # fmt: skip

    # -- events from the connection -------------------------------------------

    def _poll(self) -> None:
        try:
            while True:
                self.handle(self.connection.events.get_nowait())
        except queue.Empty:
            pass
        self.root.after(POLL_MS, self._poll)

    def handle(self, event: object) -> None:
        """One event from the connection thread, applied to the widgets."""
        if isinstance(event, cs.ChatLine):
            self._chat(event)
        elif isinstance(event, cs.Membership):
            self._membership(event)
        elif isinstance(event, cs.UsersChanged):
            self.channel_users[fold(event.channel)] = event.users
            if fold(event.channel) == fold(self.current):
                self._refresh_users()
        elif isinstance(event, cs.Joined):
            self._open(event.channel)
            self.select(event.channel)
        elif isinstance(event, cs.Left):
            self.channel_users.pop(fold(event.channel), None)
            self._close(event.channel)
        elif isinstance(event, cs.TopicChanged):
            self.topics[fold(event.channel)] = event.topic
            if event.by:
                self._quiet(event.channel, f"{event.by} set the topic: {event.topic}")
            if fold(event.channel) == fold(self.current):
                self.topic.set(event.topic)
        elif isinstance(event, cs.ServerText):
            self._server(event.text)
        elif isinstance(event, cs.ErrorReply):
            self.write(self.current, [self._stamp(None), (event.text, ("error",))], count=False)
        elif isinstance(event, cs.Registered):
            self.nick = event.nick
            self.root.title(f"Parley: {event.nick}")
            self._set_status()
        elif isinstance(event, cs.NickRefused):
            self._server(f"The nick {event.nick} is {event.reason}: choose another.", error=True)
            if self.on_nick_refused is not None:
                self.on_nick_refused(event)
        elif isinstance(event, cs.LoggedIn):
            self._server(f"Logged in as {event.account}.")
        elif isinstance(event, cs.LoginFailed):
            self._server(f"Login failed: {event.reason}", error=True)
        else:
            self._connection_event(event)

    def _membership(self, event: cs.Membership) -> None:
        verbs = {
            "join": "joined",
            "part": "left",
            "quit": "quit",
            "kick": "was kicked",
            "nick": "is now known as",
        }
        text = f"{event.nick} {verbs.get(event.kind, event.kind)}"
        if event.detail:
            text += f" {event.detail}" if event.kind == "nick" else f" ({event.detail})"
        self._quiet(event.conversation, text)

    def _connection_event(self, event: object) -> None:
        if isinstance(event, Connecting):
            self.status.set(f"connecting to {event.host}:{event.port}")
        elif isinstance(event, Connected):
            self._set_status()
        elif isinstance(event, Lag):
            self.lag = event.seconds
            self._set_status()
        elif isinstance(event, CertificatePinned):
            self._server(f"First connection: the server's certificate is {event.fingerprint}. "
                         "It is now trusted; you will be warned if it ever changes.")  # fmt: skip
        elif isinstance(event, CertificateChanged):
            self._certificate_warning(event)
        elif isinstance(event, Disconnected):
            if event.retry_in is not None:
                self.status.set(
                    f"disconnected ({event.reason}); reconnecting in {event.retry_in:g} s"
                )
            else:
                self.status.set(f"disconnected: {event.reason}")
            self._server(f"Disconnected: {event.reason}", error=True)

    def _set_status(self) -> None:
        conn = self.connection
        secure = "TLS" if conn.tls else "not encrypted"
        lag = f", lag {self.lag * 1000:.0f} ms" if self.lag is not None else ""
        self.status.set(f"connected to {conn.host}:{conn.port} ({secure}) as {self.nick}{lag}")

    def _certificate_warning(self, event: CertificateChanged) -> None:
        """Like SSH: a loud warning with both fingerprints; the user decides."""
        dialog = tk.Toplevel(self.root)
        dialog.title("The server's certificate has changed")
        self.dialogs["certificate"] = dialog
        message = (
            "WARNING: the server's certificate is not the one you trusted before.\n"
            "Someone may be intercepting the connection, or the server got a new certificate.\n\n"
            f"Trusted before:  {event.old}\nPresented now:  {event.new}"
        )
        ttk.Label(dialog, text=message, padding=12, foreground=self.palette.error).pack()

        def trust() -> None:
            dialog.destroy()
            self.dialogs.pop("certificate", None)
            self.connection.trust(event.new)

        def refuse() -> None:
            dialog.destroy()
            self.dialogs.pop("certificate", None)
            self.status.set("disconnected: certificate not trusted")

        buttons = ttk.Frame(dialog, padding=8)
        buttons.pack()
        ttk.Button(buttons, text="Trust the new certificate", command=trust).pack(side="left")
        ttk.Button(buttons, text="Stay disconnected", command=refuse).pack(side="left")

    # -- input -----------------------------------------------------------------

    def _submit(self, _event: object = None) -> str:
        line = self.entry.get()
        if not line.strip():
            return "break"
        self.entry.delete(0, "end")
        self.sent.append(line)
        self._history_pos = len(self.sent)
        target = None if self.current == SERVER_TAB else self.current
        lines = [part for part in line.splitlines() if part.strip()] or [line]
        if len(lines) > 1:
            self._confirm_paste(lines, target)
        else:
            self.perform(interpret(lines[0], target))
        return "break"

    def _confirm_paste(self, lines: list[str], target: str | None) -> None:
        """Several pasted lines are several messages: ask before sending them all."""
        dialog = tk.Toplevel(self.root)
        dialog.title("Send several lines?")
        self.dialogs["paste"] = dialog
        where = target or "the server"
        ttk.Label(dialog, text=f"Send {len(lines)} lines to {where}, one message each?",
                  padding=12).pack()  # fmt: skip

        def send() -> None:
            dialog.destroy()
            self.dialogs.pop("paste", None)
            for part in lines:
                self.perform(interpret(part, target))

        def cancel() -> None:
            dialog.destroy()
            self.dialogs.pop("paste", None)
            self.entry.insert(0, " ".join(lines))  # nothing typed is lost

        buttons = ttk.Frame(dialog, padding=8)
        buttons.pack()
        ttk.Button(buttons, text=f"Send {len(lines)} lines", command=send).pack(side="left")
        ttk.Button(buttons, text="Cancel", command=cancel).pack(side="left")

    def perform(self, action: object) -> None:
        if isinstance(action, Send):
            for message in action.lines:
                if not self.connection.send(message):
                    self.write(self.current, [self._stamp(None), (
                        "Not connected: this was not sent.", ("error",))], count=False)  # fmt: skip
                    return
        elif isinstance(action, OpenQuery):
            self._open(action.nick)
            self.select(action.nick)
        elif isinstance(action, ShowText):
            for text in action.text.splitlines():
                self.write(self.current, [(text, ("quiet",))], count=False)
        elif isinstance(action, QuitApp):
            self.connection.close(action.reason)
            self.root.destroy()

    def _recall(self, step: int) -> str:
        if not self.sent:
            return "break"
        self._history_pos = max(0, min(len(self.sent), self._history_pos + step))
        self.entry.delete(0, "end")
        if self._history_pos < len(self.sent):
            self.entry.insert(0, self.sent[self._history_pos])
        return "break"

    def _complete(self, _event: object) -> str:
        """Tab completes the nick being typed from the current channel's people."""
        text = self.entry.get()
        cursor = self.entry.index("insert")
        start = text.rfind(" ", 0, cursor) + 1
        partial = text[start:cursor]
        if partial:
            names = [u.lstrip("~&@%+") for u in self.user_list()]
            matches = [n for n in names if fold(n).startswith(fold(partial))]
            if matches:
                suffix = ": " if start == 0 else " "
                self.entry.delete(start, cursor)
                self.entry.insert(start, matches[0] + suffix)
        return "break"

    def _set_focus(self, focused: bool) -> None:
        self.focused = focused
        if focused and self.nick:
            self.root.title(f"Parley: {self.nick}")

    @staticmethod
    def _link_clicked(text: tk.Text) -> Callable[[tk.Event[tk.Text]], None]:
        """A click handler that opens the URL under the pointer."""

        def open_link(event: tk.Event[tk.Text]) -> None:
            index = text.index(f"@{event.x},{event.y}")
            ranges = text.tag_prevrange("url", f"{index}+1c")
            if ranges:
                webbrowser.open(text.get(*ranges))

        return open_link


def is_query(name: str) -> bool:
    return name != SERVER_TAB and not is_channel(name)
