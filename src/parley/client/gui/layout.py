"""The layout at any size: a minimum window size, side panels that fold away, text that
scales with Ctrl +/- (every widget, not only the messages), light or dark at any time.

How this works: ChatWindow inherits this. Sizes come from the window's font size:
Tk's named fonts (which every ttk widget uses) and the few styles that name a size
follow it; the status bar's text gives way before the "Reconnect now" button does.
"""

from __future__ import annotations

import tkinter as tk
from tkinter import font as tkfont
from tkinter import ttk

MIN_SIZE = (560, 360)  # pixels: the input box, a few lines and the status bar still fit
NAMED_FONTS = ("TkDefaultFont", "TkTextFont", "TkMenuFont", "TkHeadingFont", "TkTooltipFont")


class Layout:
    """The parts of ChatWindow above (a mixin: ChatWindow's attributes are used)."""

    root: tk.Tk
    font_size: int
    tabs: tk.Listbox
    users: tk.Listbox
    reconnect_button: ttk.Button

    def set_font_size(self, size: int) -> None:
        raise NotImplementedError  # ChatWindow's

    def apply_theme(self, name: str | None = None) -> None:
        raise NotImplementedError  # ChatWindow's

    def _init_layout(self) -> None:
        self.root.minsize(*MIN_SIZE)
        bar = self.reconnect_button.master
        status = bar.pack_slaves()[0]
        status["width"] = 1  # gives way; the button stays
        self.panel_buttons: dict[str, ttk.Button] = {}
        for name, listbox in (("Conversations", self.tabs), ("People", self.users)):
            button = ttk.Button(bar, text=f"Hide {name.lower()}", style="Toolbutton",
                                command=lambda n=name, lb=listbox: self.toggle_panel(n, lb))  # type: ignore[misc]  # fmt: skip
            button.pack(side="left", before=status, padx=(0, 6))
            self.panel_buttons[name] = button
        for key, step in (("plus", 1), ("equal", 1), ("KP_Add", 1), ("minus", -1),
                          ("KP_Subtract", -1)):  # fmt: skip
            self.root.bind(f"<Control-{key}>", lambda _e, s=step: self.zoom(s))  # type: ignore[misc]
        self.root.bind("<Control-0>", lambda _e: self.zoom(11 - self.font_size))

    def toggle_panel(self, name: str, listbox: tk.Listbox) -> None:
        """Fold a side panel away, or bring it back where it was."""
        panel = listbox.master
        outer: ttk.PanedWindow = panel.master  # type: ignore[assignment]
        panes = outer.panes()  # type: ignore[no-untyped-call]
        if str(panel) in [str(p) for p in panes]:
            outer.forget(panel)
            self.panel_buttons[name].configure(text=f"Show {name.lower()}")
        else:
            outer.insert(0 if name == "Conversations" else "end", panel, weight=0)
            self.panel_buttons[name].configure(text=f"Hide {name.lower()}")

    def zoom(self, step: int) -> str:
        """Ctrl +/-: every widget's text one point larger or smaller."""
        self.set_font_size(self.font_size + step)
        self.restyle()
        return "break"

    def restyle(self, theme: str | None = None) -> None:
        """The theme (the current one, or `theme`) at the current size, everywhere."""
        self.apply_theme(theme)
        size = self.font_size
        for name in NAMED_FONTS:
            tkfont.nametofont(name, root=self.root).configure(size=size)
        style = ttk.Style(self.root)
        style.configure("Heading.TLabel", font=("TkDefaultFont", size + 2, "bold"))
        style.configure("Section.TLabel", font=("TkDefaultFont", max(7, size - 2), "bold"))
        style.configure("Typing.TLabel", font=("TkDefaultFont", max(7, size - 2), "italic"))
