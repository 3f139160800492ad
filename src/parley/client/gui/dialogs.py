"""The chat window's small dialogs: a changed certificate, a multi-line paste, a taken nick.

Each is a Toplevel with real buttons (tests press them); `open_dialogs` holds the
ones showing, by name, so a second one of a kind is not stacked on the first.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.irc.casemap import valid_nick

NICK_LENGTH = 30
NICK_RULE = (
    "A nickname starts with a letter, then letters, digits or - _ [ ] { } \\ ` ^ |: "
    "no spaces, at most 30 characters."
)


def suggest_nick(nick: str) -> str:
    """Another nick to offer when one is taken: `nick_`, or with a digit when that is too long."""
    candidate = nick + "_"
    if valid_nick(candidate, NICK_LENGTH):
        return candidate
    return nick[: NICK_LENGTH - 1] + "2"


class Dialog:
    """A small window over the main one: a message, an optional field, buttons in a row."""

    def __init__(
        self, root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], name: str, title: str
    ) -> None:
        self.open_dialogs, self.name = open_dialogs, name
        old = open_dialogs.pop(name, None)
        if old is not None:
            old.destroy()
        self.top = tk.Toplevel(root)
        self.top.title(title)
        self.top.transient(root.winfo_toplevel())
        self.top.protocol("WM_DELETE_WINDOW", self.close)
        self.body = ttk.Frame(self.top, padding=16)
        self.body.pack(fill="both", expand=True)
        self.buttons = ttk.Frame(self.top, padding=(16, 0, 16, 16))
        self.buttons.pack(fill="x")
        open_dialogs[name] = self.top

    def text(self, text: str, style: str = "TLabel") -> ttk.Label:
        label = ttk.Label(self.body, text=text, style=style, wraplength=520, justify="left")
        label.pack(anchor="w", pady=(0, 8))
        return label

    def button(self, text: str, command: Callable[[], object], default: bool = False) -> None:
        """A button that does its work, then closes the dialog unless the work returned False."""

        def press() -> None:
            if command() is not False:
                self.close()

        style = "Accent.TButton" if default else "TButton"
        ttk.Button(self.buttons, text=text, command=press, style=style).pack(
            side="right", padx=(8, 0)
        )
        if default:
            self.top.bind("<Return>", lambda _e: press())

    def close(self) -> None:
        if self.open_dialogs.get(self.name) is self.top:
            del self.open_dialogs[self.name]
        self.top.destroy()


def certificate_changed(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], old: str, new: str,
    trust: Callable[[], None], refuse: Callable[[], None],
) -> None:  # fmt: skip
    """Like SSH: a loud warning with both fingerprints; the user decides."""
    dialog = Dialog(root, open_dialogs, "certificate", "The server's certificate has changed")
    dialog.text("WARNING: the server's certificate is not the one you trusted before.",
                "Error.TLabel")  # fmt: skip
    dialog.text("Someone may be intercepting the connection, or the server got a new "
                "certificate. Ask its administrator which fingerprint is right.")  # fmt: skip
    dialog.text(f"Trusted before:  {old}\nPresented now:  {new}")
    dialog.button("Stay disconnected", refuse)
    dialog.button("Trust the new certificate", trust)


def confirm_paste(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], count: int, where: str,
    send: Callable[[], None], cancel: Callable[[], None],
) -> None:  # fmt: skip
    """Several pasted lines are several messages: ask before sending them all."""
    dialog = Dialog(root, open_dialogs, "paste", "Send several lines?")
    dialog.text(f"Send {count} lines to {where}, one message each?")
    dialog.button("Cancel", cancel)
    dialog.button(f"Send {count} lines", send, default=True)


def ask_nick(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], nick: str, reason: str,
    choose: Callable[[str], None],
) -> None:  # fmt: skip
    """The nick was refused while reconnecting: ask for another, one filled in."""
    dialog = Dialog(root, open_dialogs, "nick", "Choose another nickname")
    dialog.text(f"The nickname {nick} is {reason} on this server. Choose another:")
    value = tk.StringVar(dialog.top, suggest_nick(nick))
    entry = ttk.Entry(dialog.body, textvariable=value, width=30)
    entry.pack(anchor="w", fill="x")
    entry.select_range(0, "end")
    entry.focus_set()
    problem = ttk.Label(dialog.body, style="Error.TLabel")
    problem.pack(anchor="w", pady=(6, 0))

    def use() -> bool:
        if not valid_nick(value.get(), NICK_LENGTH):
            problem.configure(text=NICK_RULE)
            return False  # stays open, with what was typed
        choose(value.get())
        return True

    dialog.button("Use this nickname", use, default=True)


def ask_code(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], account: str, text: str,
    send: Callable[[str], bool],
) -> None:  # fmt: skip
    """The server mailed a code to finish making `account`: ask for it, say what it said."""
    dialog = Dialog(root, open_dialogs, "verify", "Confirm your e-mail address")
    dialog.text(text or f"A code was mailed to you to finish making the account {account}.")
    value = tk.StringVar(dialog.top, "")
    entry = ttk.Entry(dialog.body, textvariable=value, width=30)
    entry.pack(anchor="w", fill="x")
    entry.focus_set()
    problem = ttk.Label(dialog.body, style="Error.TLabel")
    problem.pack(anchor="w", pady=(6, 0))

    def use() -> bool:
        if not send(value.get()):
            problem.configure(text="Paste the code from the mail, without spaces.")
            return False  # stays open, with what was typed
        return True

    dialog.button("Confirm", use, default=True)
    dialog.button("Later", lambda: True)
