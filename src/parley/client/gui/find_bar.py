"""Ctrl+F: find text in the conversation on screen. Every match is highlighted; Enter goes
to the next, Shift+Enter to the previous (round at the ends), Esc closes.

It starts at the newest match, where the user is reading; what is searched is what
the conversation has loaded, any case.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.client.gui.theme import Palette

MAX_MATCHES = 5000  # highlighted in one conversation; more are not counted


class FindBar:
    """The bar above the input box, hidden until Ctrl+F."""

    def __init__(
        self, parent: tk.Misc, before: tk.Misc, text: Callable[[], tk.Text],
        palette: Callable[[], Palette], done: Callable[[], None],
    ) -> None:  # fmt: skip
        self.text_of, self.palette_of, self.done, self.before = text, palette, done, before
        self.frame = ttk.Frame(parent, style="Chat.TFrame", padding=(10, 2))
        ttk.Label(self.frame, text="Find:", style="Reply.TLabel").pack(side="left")
        self.query = tk.StringVar(parent, "")
        self.field = ttk.Entry(self.frame, textvariable=self.query, width=30)
        self.field.pack(side="left", padx=6)
        self.count = tk.StringVar(parent, "")
        ttk.Label(self.frame, textvariable=self.count, style="Reply.TLabel").pack(side="left")
        ttk.Button(self.frame, text="✕", width=2, command=self.close).pack(side="right")
        self.field.bind("<Return>", lambda _e: self.step(1))
        self.field.bind("<Shift-Return>", lambda _e: self.step(-1))
        self.field.bind("<KP_Enter>", lambda _e: self.step(1))
        self.field.bind("<Escape>", lambda _e: self.close())
        self.query.trace_add("write", lambda *_a: self.refresh())
        self.matches: list[tuple[str, str]] = []
        self.at = -1
        self._text: tk.Text | None = None

    def open(self) -> str:
        self.frame.pack(fill="x", side="bottom", before=self.before)
        self.field.focus_set()
        self.field.select_range(0, "end")
        self.refresh()
        return "break"

    def close(self) -> str:
        self._clear()
        self._text = None
        self.frame.pack_forget()
        self.done()
        return "break"

    def _clear(self) -> None:
        if self._text is not None and self._text.winfo_exists():
            self._text.tag_remove("find", "1.0", "end")
            self._text.tag_remove("find-current", "1.0", "end")
        self.matches, self.at = [], -1

    def refresh(self) -> None:
        """Find every match again (the words or the conversation changed)."""
        self._clear()
        text = self._text = self.text_of()
        p = self.palette_of()
        text.tag_configure("find", background=p.mention)
        text.tag_configure("find-current", background=p.accent, foreground=p.on_accent)
        text.tag_raise("find-current")
        words = self.query.get()
        start = "1.0"
        while words and len(self.matches) < MAX_MATCHES:
            length = tk.IntVar(text)
            where = text.search(words, start, "end", nocase=True, count=length)
            if not where or length.get() == 0:
                break
            end = f"{where}+{length.get()}c"
            self.matches.append((where, end))
            text.tag_add("find", where, end)
            start = end
        self.at = len(self.matches) - 1  # the newest
        self._show()

    def step(self, by: int) -> str:
        if self._text is not self.text_of():
            self.refresh()  # another conversation is on screen now
        elif self.matches:
            self.at = (self.at + by) % len(self.matches)
            self._show()
        return "break"

    def _show(self) -> None:
        text = self._text
        if text is None:
            return
        text.tag_remove("find-current", "1.0", "end")
        if not self.matches:
            self.count.set("no match" if self.query.get() else "")
            return
        where, end = self.matches[self.at]
        text.tag_add("find-current", where, end)
        text.see(where)
        self.count.set(f"{self.at + 1} of {len(self.matches)}")
