"""Day separators and grouped lines in a conversation's Text widget (the decisions are
parley.client.flow's): a grouped line keeps its name, elided, so copying and searching
the text still find who said it."""

from __future__ import annotations

import tkinter as tk

from parley.client.gui.message_view import AVATAR, Parts
from parley.client.gui.theme import Palette

DAY_TAG = "day"
GROUPED_TAG = "grouped"  # over a grouped line's name: hidden


def style_flow_tags(text: tk.Text, p: Palette, size: int) -> None:
    text.tag_configure(DAY_TAG, foreground=p.quiet, justify="center", spacing1=8, spacing3=4,
                       font=("TkDefaultFont", size - 2, "bold"))  # fmt: skip
    text.tag_configure(GROUPED_TAG, elide=True)


def grouped(parts: Parts) -> Parts:
    """A chat line's pieces under the name of the line before: no avatar, the name elided."""
    out: Parts = []
    named = False
    for piece, tags in parts:
        if piece == AVATAR:
            continue
        if not named and "bold" in tags:  # the name: "<who> "
            named = True
            tags = (*tags, GROUPED_TAG)
        out.append((piece, tags))
    return out


def write_day(text: tk.Text, label: str) -> None:
    """The day's name, centred, before the first line said on it."""
    text.configure(state="normal")
    text.insert("end", f"— {label} —\n", (DAY_TAG,))
    text.configure(state="disabled")
