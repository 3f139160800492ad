"""Colours: a light and a dark palette, and a stable colour for each nick."""

from __future__ import annotations

import zlib
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Palette:
    background: str
    surface: str  # side panels
    text: str
    quiet: str  # joins, parts, times
    accent: str  # links, the selected conversation
    mention: str  # background of lines that name you
    error: str
    nick_colours: tuple[str, ...]


LIGHT = Palette(
    background="#ffffff", surface="#f3f4f6", text="#1f2328", quiet="#6e7781",
    accent="#0969da", mention="#fff8c5", error="#cf222e",
    nick_colours=("#b35900", "#1a7f37", "#8250df", "#bf3989", "#0969da", "#953800", "#116329"),
)  # fmt: skip
DARK = Palette(
    background="#0d1117", surface="#161b22", text="#e6edf3", quiet="#8b949e",
    accent="#58a6ff", mention="#3b2e00", error="#ff7b72",
    nick_colours=("#ffa657", "#7ee787", "#d2a8ff", "#ff9bce", "#79c0ff", "#f0883e", "#56d364"),
)  # fmt: skip
PALETTES = {"light": LIGHT, "dark": DARK}


def nick_colour(palette: Palette, nick: str) -> str:
    """The same colour for the same nick, every run (CRC32, not Python's salted hash)."""
    return palette.nick_colours[zlib.crc32(nick.lower().encode()) % len(palette.nick_colours)]
