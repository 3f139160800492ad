"""The chat window: conversations on the left, messages in the middle, people on the right.

How this works: the window owns a Connection (its own thread) and polls the
connection's event queue every POLL_MS with `after()`; each event updates the
widgets here, in the Tk thread. Each conversation (the server tab, channels,
private conversations) has its own Text widget, raised when selected.
"""

from __future__ import annotations

import queue
import tkinter as tk
import webbrowser
from collections.abc import Callable
from dataclasses import replace
from tkinter import ttk

from parley.client import compose
from parley.client import state as cs
from parley.client.commands import OpenQuery, QuitApp, Send, SetTyping, ShowText, interpret
from parley.client.connection import (
    CertificateChanged,
    CertificatePinned,
    Connected,
    Connecting,
    Connection,
    Disconnected,
    Lag,
)
from parley.client.flow import Flow
from parley.client.gui import dialogs
from parley.client.gui.chat_tools import SERVER_TAB, ChatTools
from parley.client.gui.flow_view import grouped, style_flow_tags, write_day
from parley.client.gui.formatting import MIRC_COLOURS, local_time
from parley.client.gui.layout import Layout
from parley.client.gui.message_features import MessageFeatures
from parley.client.gui.message_view import AVATAR, Conversation, Shown, avatar, chat_parts
from parley.client.gui.notify import Notifier
from parley.client.gui.rejoin_bar import GONE_TAG, RejoinBar
from parley.client.gui.scrolling import ScrollKeeper, at_bottom
from parley.client.gui.theme import PALETTES, Palette, nick_colour, style_ttk
from parley.client.mentions import mentions
from parley.client.older import Scrollback
from parley.client.places import Places
from parley.client.search_results import SearchResults
from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message

POLL_MS = 50
VERBS = {"join": "joined", "part": "left", "kick": "was kicked", "nick": "is now known as"}
ACCOUNT_EVENTS = (
    cs.NickRefused, cs.LoggedIn, cs.AccountCreated, cs.LoginFailed, cs.PasswordRefused,
    cs.VerificationRequired,
    cs.Banned, cs.AccountRefused,
)  # fmt: skip


class ChatWindow(MessageFeatures, Layout, ChatTools):
    """The main window for one server connection."""

    def __init__(self, root: tk.Tk, connection: Connection, theme: str = "light") -> None:
        self.root = root
        self.connection = connection
        self.palette: Palette = PALETTES[theme]
        self.font_size = 11
        self.conversations: dict[str, Conversation] = {}
        self.channel_users: dict[str, tuple[str, ...]] = {}  # by folded channel, from events
        self.channel_bots: dict[str, frozenset[str]] = {}
        self.channel_away: dict[str, frozenset[str]] = {}
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
        self._init_features()
        self.notifier = Notifier(root)
        self.places = Places()
        self.scrollback = Scrollback()
        self._older_at: dict[str, int] = {}  # folded conversation -> where older lines go in
        self.flows: dict[str, Flow] = {}  # folded conversation -> its last line's sender, time
        self._build()
        self._open(SERVER_TAB)
        self._init_tools()
        self._init_layout()
        self._poll_id = self.root.after(POLL_MS, self._poll)

    # -- layout ---------------------------------------------------------------

    def _build(self) -> None:
        root = self.root
        root.title("Parley")
        root.geometry("980x620")
        root.bind("<FocusIn>", lambda _e: self._set_focus(True))
        root.bind("<FocusOut>", lambda _e: self._set_focus(False))
        bar = ttk.Frame(root, padding=(10, 3))
        bar.pack(fill="x", side="bottom")
        ttk.Label(bar, textvariable=self.status, anchor="w", style="Quiet.TLabel").pack(
            side="left", fill="x", expand=True
        )
        self.reconnect_button = ttk.Button(bar, text="Reconnect now", command=self._reconnect)
        ttk.Separator(root).pack(fill="x", side="bottom")
        outer = ttk.PanedWindow(root, orient="horizontal")
        outer.pack(fill="both", expand=True)
        self.tabs_heading = tk.StringVar(root, "Conversations")
        self.tabs = self._side_list(outer, self.tabs_heading, 22)
        self.tabs.bind("<<ListboxSelect>>", self._tab_selected)
        middle = ttk.Frame(outer, style="Chat.TFrame")
        outer.add(middle, weight=1)
        self.topic_bar = ttk.Label(middle, textvariable=self.topic, anchor="w",
                                   padding=(12, 6), style="Topic.TLabel")  # fmt: skip
        self.topic_bar.pack(fill="x")
        ttk.Separator(middle).pack(fill="x")
        self.entry = tk.Entry(middle, relief="flat", highlightthickness=1)
        self.entry.pack(fill="x", side="bottom", padx=10, pady=(4, 10), ipady=5)  # keeps its size
        self._build_features(middle, self.entry)
        self.stack = ttk.Frame(middle, style="Chat.TFrame")
        self.stack.pack(fill="both", expand=True)
        self.stack.rowconfigure(0, weight=1)
        self.stack.columnconfigure(0, weight=1)
        self.scroller = ScrollKeeper(self.stack, self._older)
        self.rejoin_bar = RejoinBar(middle, lambda name: self.perform(Send((
            Message.of("JOIN", name),))))  # fmt: skip
        self.entry.bind("<Return>", self._submit)
        self.entry.bind("<Up>", lambda _e: self._recall(-1))
        self.entry.bind("<Down>", lambda _e: self._recall(1))
        self.entry.bind("<Tab>", self._complete)
        self.users_heading = tk.StringVar(root, "People")
        self.users = self._side_list(outer, self.users_heading, 20)
        root.protocol("WM_DELETE_WINDOW", lambda: self.perform(QuitApp("Leaving")))
        root.bind("<Control-plus>", lambda _e: self.set_font_size(self.font_size + 1))
        root.bind("<Control-minus>", lambda _e: self.set_font_size(self.font_size - 1))
        self.apply_theme()
        self.entry.focus_set()

    def _side_list(self, outer: ttk.PanedWindow, heading: tk.StringVar,
                   width: int) -> tk.Listbox:  # fmt: skip
        """A side panel: a small heading over a list."""
        panel = ttk.Frame(outer, padding=(0, 8, 0, 0))
        outer.add(panel, weight=0)
        ttk.Label(panel, textvariable=heading, style="Section.TLabel", padding=(12, 0, 0, 4)
                  ).pack(anchor="w")  # fmt: skip
        listbox = tk.Listbox(panel, width=width, activestyle="none", exportselection=False)
        listbox.pack(fill="both", expand=True, padx=(10, 0))
        return listbox

    def apply_theme(self, name: str | None = None) -> None:
        """Light or dark: every widget and text tag gets the palette's colours."""
        if name is not None:
            self.palette = PALETTES[name]
        p = self.palette
        style_ttk(self.root, p)
        for listbox in (self.tabs, self.users):
            listbox.configure(
                background=p.surface, foreground=p.text, selectbackground=p.accent,
                selectforeground=p.on_accent, highlightthickness=1, borderwidth=0,
                highlightcolor=p.accent, highlightbackground=p.surface,  # focus is seen
                font=("TkDefaultFont", self.font_size), relief="flat",
            )  # fmt: skip
        self.entry.configure(
            background=p.field, foreground=p.text, insertbackground=p.text,
            highlightbackground=p.border, highlightcolor=p.accent,
            font=("TkDefaultFont", self.font_size),
        )  # fmt: skip
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
            wrap="word", borderwidth=0, highlightthickness=0, padx=12, pady=6,
        )  # fmt: skip
        text.tag_configure("time", foreground=p.quiet)
        text.tag_configure("quiet", foreground=p.quiet, font=("TkDefaultFont", size - 1, "italic"))
        text.tag_configure("error", foreground=p.error)
        text.tag_configure("mention", background=p.mention)
        text.tag_configure("bold", font=("TkDefaultFont", size, "bold"))
        text.tag_configure("italic", font=("TkDefaultFont", size, "italic"))
        text.tag_configure("underline", underline=True)
        text.tag_configure("url", foreground=p.link, underline=True)
        self._style_feature_tags(text, p, size)
        style_flow_tags(text, p, size)
        for i, colour in enumerate(MIRC_COLOURS):
            text.tag_configure(f"fg{i}", foreground=colour)
            text.tag_configure(f"bg{i}", background=colour)

    # -- conversations --------------------------------------------------------

    def _open(self, name: str) -> Conversation:
        key = fold(name)
        conversation = self.conversations.get(key)
        if conversation is None:
            text = tk.Text(self.stack, state="disabled", cursor="arrow", height=10)
            text.grid(row=0, column=0, sticky="nsew")
            text.lower()  # opened in the background: the conversation on screen stays there
            text.tag_bind("url", "<Button-1>", self._link_clicked(text))
            self._style_text(text)
            conversation = self.conversations[key] = Conversation(name, text)
            text.bind("<Button-3>", self._message_menu(conversation))
            self.scroller.attach(text)
            self._refresh_tabs()
            if len(self.conversations) == 1:
                self.select(name)
        return conversation

    def select(self, name: str) -> None:
        """Show a conversation: raise its text, clear its unread count, show its people."""
        conversation = self._open(name)
        left = self.conversations.get(fold(self.current))
        if left is not None and left is not conversation:
            self._drop_new_marker(left)  # seen: where the new lines began no longer matters
        self.current = conversation.name
        self.places.seen(conversation.name)
        conversation.unread_lines.read()
        conversation.text.tkraise()
        self.scroller.show(conversation.name, conversation.text)
        self._mark_read_soon(conversation.name)
        self._show_typing()
        self._refresh_tabs()
        self._refresh_users()
        self.topic.set(self.topics.get(fold(name), ""))
        self.rejoin_bar.show_for(self.current, self.stack)

    def _tab_selected(self, _event: object) -> None:
        chosen: tuple[int, ...] = self.tabs.curselection()  # type: ignore[no-untyped-call]
        if chosen:
            names = [c.name for c in self.conversations.values()]
            self.select(names[chosen[0]])

    def tab_labels(self) -> list[str]:
        """What the conversation list shows: name, unread count, `@` for mentions."""
        labels = []
        for conversation in self.conversations.values():
            label = conversation.name if conversation.name != SERVER_TAB else self.connection.host
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
        people = self.user_list()
        bots = self.channel_bots.get(fold(self.current), frozenset())
        away = self.channel_away.get(fold(self.current), frozenset())
        for entry in people:
            nick = entry.lstrip("~&@%+")
            gone = "  (away)" if nick in away else ""
            self.users.insert("end", entry + ("  · bot" if nick in bots else "") + gone)
            if gone:
                self.users.itemconfigure("end", foreground=self.palette.quiet)
        self.users_heading.set(f"People ({len(people)})" if is_channel(self.current) else "")

    def _older(self, name: str) -> None:
        """Scrolled to the top of a conversation: older lines, if the server keeps them."""
        line = self.scrollback.request(name) if self._has("draft/chathistory") else None
        if line is None or name == SERVER_TAB or not self.connection.send(line):
            return
        text = self.conversations[fold(name)].text
        text.mark_set("older", "1.0")  # the page goes here, in its order
        text.mark_gravity("older", "right")
        text.mark_set("view-top", "@0,0")  # and this line stays at the top of the view
        text.mark_gravity("view-top", "right")
        self._older_at[fold(name)] = 0

    def _prepend(self, conversation: Conversation, line: cs.ChatLine, tag: str) -> None:
        """A line older than any shown goes on top; the lines on screen stay on screen."""
        text = conversation.text
        parts, _ = chat_parts(replace(line, msgid=None, reply_to=None), conversation.index, tag)
        parts = [self._stamp(line.time), *parts[1:]]
        text.configure(state="normal")
        for piece, tags in parts:
            if piece == AVATAR:
                face = self._avatar(text, line.sender, line.display or line.sender)
                text.window_create("older", window=face, padx=2)
            else:
                text.insert("older", piece, tags)
        text.insert("older", "\n")
        text.configure(state="disabled")
        text.yview("view-top")
        at = self._older_at.get(fold(conversation.name), 0)
        conversation.history.insert(at, "".join(p for p, _ in parts if p != AVATAR))
        self._older_at[fold(conversation.name)] = at + 1

    def _names(self) -> list[str]:
        return [c.name for c in self.conversations.values()]

    def _close(self, name: str) -> None:
        conversation = self.conversations.pop(fold(name), None)
        if conversation is not None:
            conversation.text.destroy()
            if fold(self.current) == fold(name):  # back to where the user was before
                self.select(self.places.back_from(name, self._names(), SERVER_TAB))
            else:
                self._refresh_tabs()

    # -- writing lines ----------------------------------------------------------

    def write(self, name: str, parts: list[tuple[str, tuple[str, ...]]], count: bool = True,
              mention: bool = False, past: bool = False, time: str | None = None,
              shown: Shown | None = None, face: tuple[str, str] | None = None,
              ) -> None:  # fmt: skip
        """Append a line to a conversation; count it unread if it is not on screen."""
        conversation = self._open(name)
        text = conversation.text
        bottom = at_bottom(text)
        text.configure(state="normal")
        unread = conversation.unread_lines
        unseen = fold(name) != fold(self.current) and count and unread.counts(time)
        left = past and time is not None and unread.marker is not None and time > unread.marker
        if (unseen or left) and not unread.count and not text.tag_ranges("new-marker"):
            said = "new since you left" if left else "new messages"  # (left: read markers)
            text.insert("end", f"{said}\n", ("new-marker",))
        start = text.index("end-1c")
        for piece, tags in parts:
            if piece == AVATAR:
                if face is not None:  # (sender, name): their initials in a circle
                    text.window_create("end", window=self._avatar(text, *face), padx=2)
            else:
                text.insert("end", piece, (*tags, shown.tag) if shown else tags)
        text.insert("end", "\n", (shown.tag,) if shown else ())
        if mention:
            text.tag_add("mention", start, "end-1c")
        if shown is not None:
            conversation.index.end(shown)
        text.configure(state="disabled")
        self.scroller.wrote(conversation.name, text, bottom)
        conversation.history.append("".join(p for p, _ in parts if p != AVATAR))
        if unseen:
            conversation.unread_lines.add(time, mention)
            self._refresh_tabs()
        elif count and self.focused and fold(name) == fold(self.current):
            self._mark_read_soon(name)
        if mention and not past and not self.focused:
            self.notifier.tell(conversation.name, conversation.history[-1])

    def _stamp(self, server_time: str | None) -> tuple[str, tuple[str, ...]]:
        return (f"{local_time(server_time)} ", ("time",))

    def _chat(self, line: cs.ChatLine) -> None:
        tag = f"nick-{fold(line.sender)}"
        colour = nick_colour(self.palette, line.sender)
        conversation = self._open(line.conversation)
        conversation.text.tag_configure(tag, foreground=colour)
        older = self.scrollback.is_older(line.conversation, line.time, line.msgid, line.past)
        if older and "older" in conversation.text.mark_names():
            self._prepend(conversation, line, tag)
            return
        self.typing_board.spoke(line.conversation, line.sender)
        self._show_typing()
        parts, shown = chat_parts(line, conversation.index, tag)
        parts = [*parts[:1], self._stamp(line.time), *parts[1:]]  # the quote, if any, first
        name = line.display or line.sender
        plain = not (line.action or line.notice or line.reply_to)
        flow = self.flows.setdefault(fold(line.conversation), Flow())
        day, joins = flow.place(line.sender, line.time, plain)
        if day is not None:
            bottom = at_bottom(conversation.text)
            write_day(conversation.text, day)
            if bottom:
                conversation.text.see("end")
        if joins:
            parts = grouped(parts)
        self.write(line.conversation, parts, not line.own, line.mention, line.past, line.time,
                   shown, None if joins else (line.sender, name))  # fmt: skip

    def _avatar(self, text: tk.Text, sender: str, name: str) -> tk.Canvas:
        return avatar(text, self.palette, self.font_size, sender, name)

    def _quiet(self, name: str, text: str) -> None:
        self.flows.get(fold(name), Flow()).broken()
        self.write(name, [self._stamp(None), (text, ("quiet",))], count=False)

    def _server(self, text: str, error: bool = False) -> None:
        self.write(SERVER_TAB, [self._stamp(None), (text, ("error",) if error else ())],
                   count=False)  # fmt: skip

    def _told(self, text: str, tags: tuple[str, ...], here: bool) -> None:
        """Server text: in the server tab (counted unread when it answers the user), and
        where the user is looking when it answers what they did."""
        parts = [self._stamp(None), (text, tags)]
        self.flows.get(fold(self.current), Flow()).broken()
        self.write(SERVER_TAB, parts, count=here, mention=here and mentions(self.nick, text))
        if here and fold(self.current) != fold(SERVER_TAB):
            self.write(self.current, parts, count=False)

    # -- events from the connection -------------------------------------------

    def _poll(self) -> None:
        try:
            while True:
                self.handle(self.connection.events.get_nowait())
        except queue.Empty:
            pass
        self._typing_tick()
        self._poll_id = self.root.after(POLL_MS, self._poll)

    def handle(self, event: object) -> None:
        """One event from the connection thread, applied to the widgets."""
        if isinstance(event, cs.ChatLine):
            self._chat(event)
        elif isinstance(event, SearchResults):
            self.show_search_results(event)
        elif self._feature_event(event):
            pass
        elif isinstance(event, cs.Membership):
            self._membership(event)
        elif isinstance(event, cs.UsersChanged):
            self.channel_users[fold(event.channel)] = event.users
            self.channel_bots[fold(event.channel)] = frozenset(event.bots)
            self.channel_away[fold(event.channel)] = frozenset(event.away)
            if fold(event.channel) == fold(self.current):
                self._refresh_users()
        elif isinstance(event, cs.Joined):
            new = fold(event.channel) not in self.conversations
            if self.rejoin_bar.rejoined(event.channel):
                self._open(event.channel).text.tag_remove(GONE_TAG, "1.0", "end")
            self._open(event.channel)
            if self.places.wanted(event.channel, new):  # a rejoin on reconnecting is not
                self.select(event.channel)
        elif isinstance(event, cs.Kicked):
            self._kicked(event)
        elif isinstance(event, cs.Renamed):
            self._renamed(event)
        elif isinstance(event, cs.Left):
            self.channel_users.pop(fold(event.channel), None)
            self.channel_bots.pop(fold(event.channel), None)
            self._close(event.channel)
        elif isinstance(event, cs.TopicChanged):
            self.topics[fold(event.channel)] = event.topic
            if event.by:
                self._quiet(event.channel, f"{event.by} set the topic: {event.topic}")
            if fold(event.channel) == fold(self.current):
                self.topic.set(event.topic)
        elif isinstance(event, cs.ServerText):
            self._told(event.text, (), event.here)
        elif isinstance(event, cs.ErrorReply):
            self._told(event.text, ("error",), True)
        elif isinstance(event, cs.Registered):
            self.nick = event.nick
            self.root.title(f"Parley: {event.nick}")
            self._set_status()
        elif isinstance(event, ACCOUNT_EVENTS):
            self._account_event(event)
        else:
            self._connection_event(event)

    def _renamed(self, event: cs.Renamed) -> None:
        """A new nick: the title and status bar follow this client's, a private tab the other's."""
        if event.own:
            self.nick = event.new
            self.root.title(f"Parley: {event.new}")
            self._set_status()
            self._told(f"You are now known as {event.new}", (), True)
            return
        old, new = fold(event.old), fold(event.new)
        conversation = self.conversations.get(old)
        if conversation is None:
            return
        if new not in self.conversations:  # the tab keeps its place in the list
            self.conversations = {new if k == old else k: v for k, v in self.conversations.items()}
            conversation.name = event.new
            if fold(self.current) == old:
                self.current = event.new
        self._quiet(conversation.name, f"{event.old} is now known as {event.new}")
        self._refresh_tabs()

    def _kicked(self, event: cs.Kicked) -> None:
        """Kicked: the conversation stays, greyed, saying who and why, with Rejoin."""
        self.channel_users.pop(fold(event.channel), None)
        self.rejoin_bar.kick(event.channel, event.by, event.reason)
        text = self._open(event.channel).text
        text.tag_configure(GONE_TAG, foreground=self.palette.quiet)
        text.tag_add(GONE_TAG, "1.0", "end")
        text.tag_raise(GONE_TAG)
        if fold(self.current) == fold(event.channel):
            self._refresh_users()
            self.rejoin_bar.show_for(self.current, self.stack)

    def _account_event(self, event: object) -> None:
        """Who this is, told in the server tab; a nick taken while reconnecting asks again."""
        if isinstance(event, cs.NickRefused):
            self._server(f"The nickname {event.nick} is {event.reason}.", error=True)
            dialogs.ask_nick(self.root, self.dialogs, event.nick, event.reason,
                             self.connection.choose_nick)  # fmt: skip
        elif isinstance(event, cs.LoggedIn):
            self._server(f"You are logged in to the account {event.account}.")
        elif isinstance(event, cs.AccountCreated):
            self._server(f"Account {event.account} created. Next time, connect with the same "
                         "nickname and account password to log in.")  # fmt: skip
        elif isinstance(event, cs.LoginFailed):
            self._server(f"Login failed: {event.reason}", error=True)
        elif isinstance(event, cs.PasswordRefused):
            self._server(f"The server password was refused: {event.text}", error=True)
        elif isinstance(event, cs.Banned):
            self._server(f"The server refused you: {event.text}", error=True)
        elif isinstance(event, cs.AccountRefused):
            self._server(f"The account was not created: {event.text}", error=True)
        elif isinstance(event, cs.VerificationRequired):
            self._server(event.text)
            dialogs.ask_code(self.root, self.dialogs, event.account, event.text,
                             lambda code: self._verify(event.account, code))  # fmt: skip

    def _verify(self, account: str, code: str) -> bool:
        """Send VERIFY with the code typed; False for what cannot be a code."""
        line = cs.verify_line(account, code)
        return line is not None and self.connection.send(line)

    def _membership(self, event: cs.Membership) -> None:
        if event.kind in ("part", "kick", "quit", "nick"):
            self.typing_board.left(event.nick, None if event.kind == "quit" else event.conversation)
            self._show_typing()
        text = f"{event.nick} {VERBS.get(event.kind, event.kind)}"
        if event.detail:
            text += f" {event.detail}" if event.kind == "nick" else f" ({event.detail})"
        self._quiet(event.conversation, text)

    def _connection_event(self, event: object) -> None:
        if isinstance(event, Connecting):
            self.status.set(f"connecting to {event.host}:{event.port}")
        elif isinstance(event, Connected):
            self.reconnect_button.pack_forget()
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
            self.reconnect_button.configure(text="Reconnect now")
            if event.retry_in is not None:
                self.status.set(
                    f"disconnected, reconnecting in {event.retry_in:g} s. {event.reason}"
                )
                self.reconnect_button.pack(side="right")
            elif event.waiting:  # killed or banned: no retrying on its own, but on request
                self.status.set(f"disconnected. {event.reason}")
                self.reconnect_button.configure(text="Reconnect")
                self.reconnect_button.pack(side="right")
            else:
                self.status.set(f"disconnected. {event.reason}")
            self._server(f"Disconnected: {event.reason}", error=True)
            if self.current != SERVER_TAB:  # said where the user is looking, too
                self.write(self.current, [self._stamp(None), (
                    f"Disconnected: {event.reason}", ("error",))], count=False)  # fmt: skip

    def _reconnect(self) -> None:
        self.reconnect_button.pack_forget()
        self.status.set("reconnecting")
        self.connection.reconnect_now()

    def _set_status(self) -> None:
        conn = self.connection
        secure = "TLS" if conn.tls else "not encrypted"
        lag = f", lag {self.lag * 1000:.0f} ms" if self.lag is not None else ""
        self.status.set(f"connected to {conn.host}:{conn.port} ({secure}) as {self.nick}{lag}")

    def _certificate_warning(self, event: CertificateChanged) -> None:
        def refuse() -> None:
            self.status.set("disconnected: certificate not trusted")

        dialogs.certificate_changed(self.root, self.dialogs, event.old, event.new,
                                    lambda: self.connection.trust(event.new), refuse)  # fmt: skip

    # -- input -----------------------------------------------------------------

    def _submit(self, _event: object = None) -> str:
        line = self.entry.get()
        if not line.strip():
            return "break"
        self.entry.delete(0, "end")
        self.sent.append(line)
        self._history_pos = len(self.sent)
        target = None if self.current == SERVER_TAB else self.current
        if target is not None:
            self.typing_out.sent(target)
        lines = [part for part in line.splitlines() if part.strip()] or [line]
        features = self.features
        batch = None
        pasted = len(lines) > 1 and not line.lstrip().startswith("/")
        if pasted and target is not None and features.multiline_max_bytes:
            # a paste is one message, as it was written, where the server takes it so
            batch = compose.multiline(target, line.splitlines(), features.multiline_max_bytes,
                                      features.multiline_max_lines)  # fmt: skip
        if batch is not None:
            self.perform(self._with_reply(batch, target))
        elif len(lines) > 1:
            self._confirm_paste(lines, target)
        else:
            self.perform(self._with_reply(interpret(lines[0], target), target))
        return "break"

    def _entry_text(self) -> str:
        return self.entry.get()

    def shown(self, name: str) -> str:
        """Everything a conversation's text shows, as text (for tests)."""
        conversation = self.conversations.get(fold(name))
        return conversation.text.get("1.0", "end-1c") if conversation else ""

    def _confirm_paste(self, lines: list[str], target: str | None) -> None:
        """Several pasted lines are several messages: ask before sending them all."""

        def send() -> None:
            for part in lines:
                self.perform(interpret(part, target))

        def cancel() -> None:
            self.entry.insert(0, " ".join(lines))  # nothing typed is lost

        dialogs.confirm_paste(self.root, self.dialogs, len(lines), target or "the server",
                              send, cancel)  # fmt: skip

    def perform(self, action: object) -> None:
        if isinstance(action, Send):
            there = self.places.join(action.lines, self.channel_users)
            if there is not None:  # in it already: shown, not joined again
                self.select(there)
                return
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
        elif isinstance(action, SetTyping):
            self.send_typing = action.on
            said = "now told" if action.on else "no longer told"
            self.write(self.current, [(f"Others are {said} when you type.", ("quiet",))],
                       count=False)  # fmt: skip
        elif isinstance(action, QuitApp):
            self.connection.close(action.reason)
            self.root.after_cancel(self._poll_id)
            self.root.destroy()
        else:
            self._perform_tool(action)

    def _recall(self, step: int) -> str:
        if not self.sent:
            return "break"
        self._history_pos = max(0, min(len(self.sent), self._history_pos + step))
        self.entry.delete(0, "end")
        if self._history_pos < len(self.sent):
            self.entry.insert(0, self.sent[self._history_pos])
        return "break"

    def _set_focus(self, focused: bool) -> None:
        self.focused = focused
        if focused:
            self._mark_read_soon(self.current)
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
