"""The results of a history search: one row a line (time, where, who, what), in a window
of its own; double-click or Enter on a row opens its conversation."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.client.gui.dialogs import Dialog
from parley.client.gui.formatting import local_time
from parley.client.gui.theme import Palette
from parley.client.search_results import Found

COLUMNS = (("time", "Time", 120), ("where", "Where", 120), ("who", "Who", 110),
           ("text", "Message", 420))  # fmt: skip


def rows(results: tuple[Found, ...]) -> list[tuple[str, str, str, str]]:
    """The rows shown, newest first: what the user most likely looks for."""
    return [(when(found.time), found.conversation, found.sender, " ".join(found.text.split()))
            for found in reversed(results)]  # fmt: skip


def when(time: str | None) -> str:
    """The local time of a line, with its day when not today."""
    return local_time(time) if time else ""


def show(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], words: str,
    results: tuple[Found, ...], open_found: Callable[[str, str | None], None],
    palette: Palette,
) -> ttk.Treeview:  # fmt: skip
    style = ttk.Style(root)
    style.configure("Treeview", background=palette.field, fieldbackground=palette.field,
                    foreground=palette.text)  # fmt: skip
    style.map("Treeview", background=[("selected", palette.accent)],
              foreground=[("selected", palette.on_accent)])  # fmt: skip
    style.configure("Treeview.Heading", background=palette.surface, foreground=palette.text)
    dialog = Dialog(root, open_dialogs, "search", f"Search: {words}")
    count = len(results)
    dialog.text(f"{count} line{'s' if count != 1 else ''} with “{words}”, newest first. "
                "Double-click or press Enter to open the conversation."
                if count else f"Nothing found for “{words}”.")  # fmt: skip
    tree = ttk.Treeview(dialog.body, columns=[c[0] for c in COLUMNS], show="headings",
                        height=min(max(count, 3), 15), selectmode="browse")  # fmt: skip
    for key, heading, width in COLUMNS:
        tree.heading(key, text=heading, anchor="w")
        tree.column(key, width=width, anchor="w", stretch=key == "text")
    newest_first = list(reversed(results))
    for i, row in enumerate(rows(results)):
        tree.insert("", "end", iid=str(i), values=row)
    tree.pack(fill="both", expand=True)

    def go(_event: object = None) -> str:
        chosen = tree.selection()
        if chosen:
            found = newest_first[int(chosen[0])]
            open_found(found.conversation, found.msgid)
        return "break"

    tree.bind("<Double-Button-1>", go)
    tree.bind("<Return>", go)
    tree.bind("<Escape>", lambda _e: dialog.close())
    dialog.button("Close", lambda: None)
    if count:
        tree.selection_set("0")
        tree.focus("0")
    tree.focus_set()
    return tree
