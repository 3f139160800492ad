"""Colours: a light and a dark palette, ttk styled from them, and a stable colour per nick."""

from __future__ import annotations

import tkinter as tk
import zlib
from dataclasses import dataclass
from tkinter import ttk


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    surface: str  # side panels, dialogs
    field: str  # where the user types
    border: str
    text: str
    quiet: str  # joins, parts, times, hints
    accent: str  # the selected conversation, the default button
    link: str
    on_accent: str  # text on the accent colour
    mention: str  # background of lines that name you
    error: str
    nick_colours: tuple[str, ...]


LIGHT = Palette(
    background="#ffffff", surface="#f3f4f6", field="#ffffff", border="#d0d7de",
    text="#1f2328", quiet="#656d76", accent="#0969da", link="#0969da",
    on_accent="#ffffff", mention="#fff8c5", error="#cf222e",
    nick_colours=("#b35900", "#1a7f37", "#8250df", "#bf3989", "#0969da", "#953800", "#116329"),
)  # fmt: skip
DARK = Palette(
    background="#0d1117", surface="#161b22", field="#0d1117", border="#30363d",
    text="#e6edf3", quiet="#8b949e", accent="#1f6feb", link="#58a6ff",
    on_accent="#ffffff", mention="#3b2e00", error="#ff7b72",
    nick_colours=("#ffa657", "#7ee787", "#d2a8ff", "#ff9bce", "#79c0ff", "#f0883e", "#56d364"),
)  # fmt: skip
PALETTES = {"light": LIGHT, "dark": DARK}


def nick_colour(palette: Palette, nick: str) -> str:
    """The same colour for the same nick, every run (CRC32, not Python's salted hash)."""
    return palette.nick_colours[zlib.crc32(nick.lower().encode()) % len(palette.nick_colours)]


def style_ttk(root: tk.Misc, p: Palette) -> None:
    """ttk's `clam` theme, coloured from the palette, for the dialog and the window alike."""
    style = ttk.Style(root)
    style.theme_use("clam")
    root.configure(background=p.surface)  # type: ignore[call-arg]
    style.configure(".", background=p.surface, foreground=p.text, bordercolor=p.border,
                    darkcolor=p.surface, lightcolor=p.surface, troughcolor=p.background,
                    focuscolor=p.accent, fieldbackground=p.field, insertcolor=p.text,
                    selectbackground=p.accent, selectforeground=p.on_accent)  # fmt: skip
    style.configure("TFrame", background=p.surface)
    style.configure("Chat.TFrame", background=p.background)
    style.configure("TLabel", background=p.surface, foreground=p.text)
    style.configure("Quiet.TLabel", foreground=p.quiet)
    style.configure("Error.TLabel", foreground=p.error)
    style.configure("Heading.TLabel", font=("TkDefaultFont", 13, "bold"))
    style.configure("Section.TLabel", foreground=p.quiet, font=("TkDefaultFont", 9, "bold"))
    style.configure("Topic.TLabel", background=p.background)
    style.configure("Typing.TLabel", background=p.background, foreground=p.quiet,
                    font=("TkDefaultFont", 9, "italic"))  # fmt: skip
    style.configure("Reply.TLabel", background=p.background, foreground=p.quiet)
    style.configure("TCheckbutton", background=p.surface, foreground=p.text,
                    indicatorbackground=p.field, indicatorforeground=p.text)  # fmt: skip
    style.map("TCheckbutton", background=[("active", p.surface)],
              indicatorbackground=[("selected", p.accent), ("disabled", p.surface)],
              indicatorforeground=[("selected", p.on_accent)])  # fmt: skip
    style.configure("TEntry", fieldbackground=p.field, foreground=p.text, padding=4)
    style.map("TEntry", fieldbackground=[("disabled", p.surface)],
              foreground=[("disabled", p.quiet)], bordercolor=[("focus", p.accent)],
              lightcolor=[("focus", p.accent)])  # fmt: skip
    style.configure("TCombobox", fieldbackground=p.field, foreground=p.text, padding=4,
                    arrowcolor=p.text, background=p.surface)  # fmt: skip
    style.map("TCombobox", fieldbackground=[("readonly", p.field), ("disabled", p.surface)],
              foreground=[("disabled", p.quiet)], bordercolor=[("focus", p.accent)],
              lightcolor=[("focus", p.accent)])  # fmt: skip
    root.option_add("*TCombobox*Listbox.background", p.field)
    root.option_add("*TCombobox*Listbox.foreground", p.text)
    root.option_add("*TCombobox*Listbox.selectBackground", p.accent)
    root.option_add("*TCombobox*Listbox.selectForeground", p.on_accent)
    style.configure("TButton", padding=(12, 4), background=p.surface, foreground=p.text)
    style.map("TButton", background=[("active", p.border), ("disabled", p.surface)],
              foreground=[("disabled", p.quiet)])  # fmt: skip
    style.configure("Accent.TButton", background=p.accent, foreground=p.on_accent,
                    bordercolor=p.accent, lightcolor=p.accent, darkcolor=p.accent)  # fmt: skip
    style.map("Accent.TButton", background=[("active", p.quiet), ("disabled", p.border)])
    style.configure("TSeparator", background=p.border)
    style.configure("TPanedwindow", background=p.border)
    style.configure("Sash", sashthickness=1, gripcount=0, background=p.border,
                    lightcolor=p.border, bordercolor=p.border)  # fmt: skip
