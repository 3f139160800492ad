"""The message area's scrollbar and the "Jump to newest" control.

New lines follow the bottom only while the user is there: once they scroll up to
read, the view stays where it is and a button counts what came in below. Reaching
the top of a conversation that overflows asks for older lines (`on_top`).
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.irc.casemap import fold

BOTTOM = 0.999  # a view's end fraction from here on is "at the newest line"


def at_bottom(text: tk.Text) -> bool:
    return float(text.yview()[1]) >= BOTTOM


class ScrollKeeper:
    """One scrollbar and one jump button, for whichever conversation is on screen."""

    def __init__(self, stack: ttk.Frame, on_top: Callable[[str], None]) -> None:
        self.on_top = on_top
        self.scrollbar = ttk.Scrollbar(stack, orient="vertical")
        self.scrollbar.grid(row=0, column=1, sticky="ns")
        self.jump = ttk.Button(stack, command=self.jump_to_newest)
        self.below: dict[str, int] = {}  # folded conversation -> lines come in below the view
        self.name = ""
        self.text: tk.Text | None = None
        self.unpinned: set[str] = set()  # texts the user scrolled up in, by widget name

    def attach(self, text: tk.Text) -> None:
        """A new conversation's text reports its scrolling here."""
        text.configure(yscrollcommand=lambda first, last: self._moved(text, first, last))
        text.bind("<Configure>", lambda _e: self._resized(text), add="+")

    def show(self, name: str, text: tk.Text) -> None:
        """`text` is now on screen: the scrollbar moves it, the button counts for it."""
        self.name, self.text = name, text
        self.scrollbar.configure(command=text.yview)
        first, last = text.yview()
        self.scrollbar.set(first, last)
        self._update()

    def wrote(self, name: str, text: tk.Text, was_at_bottom: bool) -> None:
        """A line was added: followed if the user was at the bottom, counted if not."""
        if was_at_bottom:
            text.see("end")
            return
        key = fold(name)
        self.below[key] = self.below.get(key, 0) + 1
        if key == fold(self.name):
            self._update()

    def jump_to_newest(self) -> None:
        if self.text is not None:
            self.text.see("end")
        self.below.pop(fold(self.name), None)
        self._update()

    def _resized(self, text: tk.Text) -> None:
        """A new size (the window laid out, or resized): a view at the bottom stays there."""
        if str(text) not in self.unpinned:
            text.yview_moveto(1.0)

    def _moved(self, text: tk.Text, first: float | str, last: float | str) -> None:
        if float(last) >= BOTTOM:
            self.unpinned.discard(str(text))
        elif text.winfo_ismapped():
            self.unpinned.add(str(text))
        if text is not self.text:  # only the conversation on screen is scrolled
            return
        self.scrollbar.set(first, last)
        if float(last) >= BOTTOM and self.below.pop(fold(self.name), None) is not None:
            self._update()
        elif float(first) <= 0.0 and float(last) < 1.0:  # at the top of more than a screen
            self.on_top(self.name)

    def _update(self) -> None:
        count = self.below.get(fold(self.name), 0)
        if count:
            self.jump.configure(text=f"Jump to newest ({count}) ↓")
            self.jump.place(relx=1.0, rely=1.0, x=-24, y=-8, anchor="se")
            self.jump.lift()
        else:
            self.jump.place_forget()
