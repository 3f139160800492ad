"""Ctrl+K: a small dialog that filters the conversations by what is typed; Enter opens one."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.client.gui.dialogs import Dialog
from parley.irc.casemap import fold


def matching(names: list[str], typed: str) -> list[str]:
    """The names containing what was typed, those that begin with it first."""
    key = fold(typed.strip())
    found = [n for n in names if key in fold(n)]
    return sorted(found, key=lambda n: not fold(n).lstrip("#&").startswith(key.lstrip("#&")))


def open_switcher(
    root: tk.Misc, open_dialogs: dict[str, tk.Toplevel], names: Callable[[], list[str]],
    choose: Callable[[str], None],
) -> Dialog:  # fmt: skip
    dialog = Dialog(root, open_dialogs, "switch", "Switch to")
    dialog.text("Type part of a conversation's name; Enter opens it, Esc closes.")
    typed = tk.StringVar(dialog.top, "")
    field = ttk.Entry(dialog.body, textvariable=typed, width=36)
    field.pack(fill="x")
    shown = tk.Listbox(dialog.body, height=8, exportselection=False, activestyle="none")
    shown.pack(fill="both", expand=True, pady=(6, 0))

    def refilter(*_args: object) -> None:
        shown.delete(0, "end")
        for name in matching(names(), typed.get()):
            shown.insert("end", name)
        if shown.size():
            shown.selection_set(0)

    def move(step: int) -> str:
        chosen: tuple[int, ...] = shown.curselection()  # type: ignore[no-untyped-call]
        here = chosen[0] if chosen else 0
        if shown.size():
            shown.selection_clear(0, "end")
            shown.selection_set(max(0, min(shown.size() - 1, here + step)))
        return "break"

    def go(_event: object = None) -> str:
        chosen: tuple[int, ...] = shown.curselection()  # type: ignore[no-untyped-call]
        if chosen:
            name = str(shown.get(chosen[0]))
            dialog.close()
            choose(name)
        return "break"

    typed.trace_add("write", refilter)
    field.bind("<Down>", lambda _e: move(1))
    field.bind("<Up>", lambda _e: move(-1))
    for widget in (field, shown):
        widget.bind("<Return>", go)
        widget.bind("<Escape>", lambda _e: dialog.close())
    shown.bind("<Double-Button-1>", go)
    refilter()
    field.focus_set()
    return dialog
