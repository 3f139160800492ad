"""What chat users expect of the window: the nick list's menu, Tab that cycles, keyboard
shortcuts between conversations, the quick switcher and history search.

How this works: ChatWindow inherits this. The decisions are made sans-IO elsewhere
(chat_commands, completion, search_results); here they meet the widgets.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.client.chat_commands import CloseConversation, Search, SetTheme, search_lines
from parley.client.commands import OpenQuery, Send
from parley.client.completion import Completer
from parley.client.connection import Connection
from parley.client.gui import quick_switch, search_view
from parley.client.gui.find_bar import FindBar
from parley.client.gui.message_view import Conversation
from parley.client.gui.theme import Palette
from parley.client.search_results import SearchResults
from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message

SEARCH_CAP = "soju.im/search"
PREFIXES = "~&@%+"
SERVER_TAB = "*server*"  # the name of the server's own tab


class ChatTools:
    """The parts of ChatWindow above (a mixin: ChatWindow's attributes are used)."""

    root: tk.Tk
    connection: Connection
    current: str
    nick: str
    entry: tk.Entry
    users: tk.Listbox
    conversations: dict[str, Conversation]
    dialogs: dict[str, tk.Toplevel]
    palette: Palette
    stack: ttk.Frame

    def select(self, name: str) -> None:
        raise NotImplementedError  # ChatWindow's

    def perform(self, action: object) -> None:
        raise NotImplementedError  # ChatWindow's

    def user_list(self) -> list[str]:
        raise NotImplementedError  # ChatWindow's

    def restyle(self, theme: str | None = None) -> None:
        raise NotImplementedError  # Layout's

    def _close(self, name: str) -> None:
        raise NotImplementedError  # ChatWindow's

    def _quiet(self, name: str, text: str) -> None:
        raise NotImplementedError  # ChatWindow's

    def _has(self, cap: str) -> bool:
        raise NotImplementedError  # MessageFeatures'

    # -- setup ------------------------------------------------------------------

    def _init_tools(self) -> None:
        self.completer = Completer()
        self.searched = ""  # the words of the last /search, for its heading
        self.find_bar = FindBar(self.entry.master, self.stack, self._text_on_screen,
                                lambda: self.palette, self.entry.focus_set)  # fmt: skip
        users = self.users
        users.bind("<Double-Button-1>", self._user_double_click)
        users.bind("<Return>", lambda _e: self._query_selected())
        users.bind("<Button-3>", self._user_right_click)
        for widget in (self.root, self.entry):  # on the entry too: its own Ctrl+K deletes
            widget.bind("<Control-Prior>", lambda _e: self.switch_by(-1))
            widget.bind("<Control-Next>", lambda _e: self.switch_by(1))
            widget.bind("<Control-k>", lambda _e: self.open_switcher())
            widget.bind("<Control-f>", lambda _e: self.find_bar.open())
            for n in range(1, 10):
                widget.bind(f"<Alt-Key-{n}>", self._number_key(n))

    def _text_on_screen(self) -> tk.Text:
        return self.conversations[fold(self.current)].text

    def _perform_tool(self, action: object) -> None:
        """The actions of chat_commands that are not lines to send as they are."""
        if isinstance(action, Search):
            self.searched = action.words
            self.perform(Send(search_lines(action, self._has(SEARCH_CAP))))
            if not self._has(SEARCH_CAP):
                self.perform(OpenQuery("HistServ"))  # its answer comes there, as text
        elif isinstance(action, CloseConversation):
            if fold(action.name) == fold(SERVER_TAB):
                self._quiet(self.current, "The server's tab stays open; /quit leaves.")
            elif is_channel(action.name) and fold(action.name) in self.conversations:
                self.perform(Send((Message.of("PART", action.name),)))  # it closes when left
            else:
                self._close(action.name)
        elif isinstance(action, SetTheme):
            self.restyle(action.name)

    # -- the nick list ----------------------------------------------------------

    def _row_at(self, y: int) -> int:
        return int(self.users.nearest(y))  # type: ignore[no-untyped-call]

    def _nick_at(self, y: int) -> str | None:
        index = self._row_at(y)
        if index < 0 or index >= len(self.user_list()):
            return None
        return self.user_list()[index].lstrip(PREFIXES)

    def _user_double_click(self, event: tk.Event[tk.Listbox]) -> str:
        nick = self._nick_at(event.y)
        if nick is not None:
            self.perform(OpenQuery(nick))
        return "break"

    def _query_selected(self) -> None:
        chosen: tuple[int, ...] = self.users.curselection()  # type: ignore[no-untyped-call]
        if chosen and chosen[0] < len(self.user_list()):
            self.perform(OpenQuery(self.user_list()[chosen[0]].lstrip(PREFIXES)))

    def _user_right_click(self, event: tk.Event[tk.Listbox]) -> None:
        nick = self._nick_at(event.y)
        if nick is not None:
            self.users.selection_clear(0, "end")
            self.users.selection_set(self._row_at(event.y))
            self.nick_menu(nick).tk_popup(event.x_root, event.y_root)

    def is_op(self) -> bool:
        """Whether this user may moderate the current channel (op or above)."""
        for entry in self.user_list():
            if fold(entry.lstrip(PREFIXES)) == fold(self.nick):
                return any(p in entry[: len(entry) - len(entry.lstrip(PREFIXES))] for p in "~&@")
        return False

    def nick_menu(self, nick: str) -> tk.Menu:
        """What may be done to a person of the list: moderation only for operators."""
        menu = tk.Menu(self.root, tearoff=False)

        def sending(*lines: Message) -> Callable[[], None]:
            return lambda: self.perform(Send(lines))

        menu.add_command(label="Private conversation",
                         command=lambda: self.perform(OpenQuery(nick)))  # fmt: skip
        menu.add_command(label="Who is this?", command=sending(Message.of("WHOIS", nick)))
        channel = self.current
        if is_channel(channel) and self.is_op():
            menu.add_separator()
            opped = "@" in self._prefix_of(nick)
            label, flag = ("Take operator", "-o") if opped else ("Make operator", "+o")
            menu.add_command(label=label, command=sending(Message.of("MODE", channel, flag, nick)))
            menu.add_command(label="Kick", command=sending(Message.of("KICK", channel, nick)))
            menu.add_command(label="Ban and kick", command=sending(
                Message.of("MODE", channel, "+b", f"{nick}!*@*"),
                Message.of("KICK", channel, nick, "Banned")))  # fmt: skip
        return menu

    def _prefix_of(self, nick: str) -> str:
        for entry in self.user_list():
            if fold(entry.lstrip(PREFIXES)) == fold(nick):
                return entry[: len(entry) - len(entry.lstrip(PREFIXES))]
        return ""

    # -- the input box ----------------------------------------------------------

    def _complete(self, _event: object = None) -> str:
        """Tab: the next match for the word before the cursor."""
        nicks = [u.lstrip(PREFIXES) for u in self.user_list()]
        channels = [c.name for c in self.conversations.values() if is_channel(c.name)]
        if not is_channel(self.current) and self.current != SERVER_TAB:
            nicks.append(self.current)  # the other person of a private conversation
        done = self.completer.complete(self.entry.get(), self.entry.index("insert"), nicks,
                                       channels)  # fmt: skip
        if done is not None:
            text, cursor = done
            self.entry.delete(0, "end")
            self.entry.insert(0, text)
            self.entry.icursor(cursor)
        return "break"

    # -- moving between conversations -------------------------------------------

    def _names(self) -> list[str]:
        return [c.name for c in self.conversations.values()]

    def switch_by(self, step: int) -> str:
        names = self._names()
        keys = [fold(n) for n in names]
        here = keys.index(fold(self.current)) if fold(self.current) in keys else 0
        self.select(names[(here + step) % len(names)])
        return "break"

    def _number_key(self, number: int) -> Callable[[object], str]:
        return lambda _e: self.switch_to_number(number)

    def switch_to_number(self, number: int) -> str:
        names = self._names()
        if number <= len(names):
            self.select(names[number - 1])
        return "break"

    def open_switcher(self) -> str:
        quick_switch.open_switcher(self.root, self.dialogs, self._names, self.select)
        return "break"

    # -- history search -----------------------------------------------------------

    def show_search_results(self, event: SearchResults) -> None:
        """The lines found, in their own window; choosing one opens its conversation."""
        found = len(event.results)
        said = f"{found} found" if found else "nothing found"
        self._quiet(self.current, f"Search for “{self.searched}”: {said}.")
        search_view.show(self.root, self.dialogs, self.searched, event.results, self.open_found,
                         self.palette)  # fmt: skip

    def open_found(self, conversation: str, msgid: str | None) -> None:
        """Open the conversation of a result, at its line when that line is loaded."""
        self.perform(OpenQuery(conversation))
        shown = self.conversations[fold(conversation)]
        line = shown.index.shown.get(msgid) if msgid else None
        if line is not None:
            ranges = shown.text.tag_ranges(line.tag)
            if ranges:
                shown.text.see(ranges[0])
                shown.text.tag_configure("found", background=self.palette.mention)
                shown.text.tag_remove("found", "1.0", "end")
                shown.text.tag_add("found", ranges[0], ranges[-1])
        self.entry.focus_set()
