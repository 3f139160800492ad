"""mIRC formatting codes and links, turned into (text, tags) runs for a Text widget; times."""

from __future__ import annotations

import calendar
import contextlib
import re
import time

URL = re.compile(r"https?://[^\s<>\"']+[^\s<>\"'.,;:!?)\]]")
MIRC_COLOURS = (
    "#ffffff", "#000000", "#00007f", "#009300", "#ff0000", "#7f0000", "#9c009c", "#fc7f00",
    "#ffff00", "#00fc00", "#009393", "#00ffff", "#0000fc", "#ff00ff", "#7f7f7f", "#d2d2d2",
)  # fmt: skip
_CODES = re.compile(r"\x02|\x1d|\x1f|\x0f|\x16|\x03(\d{1,2})?(?:,(\d{1,2}))?")


def runs(text: str) -> list[tuple[str, tuple[str, ...]]]:
    """Pieces of `text` with tags: bold, italic, underline, fg<N>, bg<N>, url."""
    out: list[tuple[str, tuple[str, ...]]] = []
    bold = italic = underline = False
    fg: str | None = None
    bg: str | None = None
    pos = 0
    for match in _CODES.finditer(text + "\x0f"):
        piece = text[pos : match.start()]
        if piece:
            tags = []
            if bold:
                tags.append("bold")
            if italic:
                tags.append("italic")
            if underline:
                tags.append("underline")
            if fg is not None:
                tags.append(f"fg{int(fg) % 16}")
            if bg is not None:
                tags.append(f"bg{int(bg) % 16}")
            out.extend(_links(piece, tuple(tags)))
        code = match.group(0)
        if code == "\x02":
            bold = not bold
        elif code == "\x1d":
            italic = not italic
        elif code == "\x1f":
            underline = not underline
        elif code == "\x0f":
            bold = italic = underline = False
            fg = bg = None
        elif code.startswith("\x03"):
            fg, bg = match.group(1), match.group(2) if match.group(1) else None
        pos = match.end()
    return out


def _links(piece: str, tags: tuple[str, ...]) -> list[tuple[str, tuple[str, ...]]]:
    out: list[tuple[str, tuple[str, ...]]] = []
    pos = 0
    for match in URL.finditer(piece):
        if match.start() > pos:
            out.append((piece[pos : match.start()], tags))
        out.append((match.group(0), (*tags, "url")))
        pos = match.end()
    if pos < len(piece):
        out.append((piece[pos:], tags))
    return out


def local_time(server_time: str | None) -> str:
    """IRCv3 server-time (UTC) as the user's local HH:MM; with the day when not today."""
    when = time.localtime()
    if server_time:
        with contextlib.suppress(ValueError):  # a malformed tag: the time it arrived
            utc = time.strptime(server_time[:19], "%Y-%m-%dT%H:%M:%S")
            when = time.localtime(calendar.timegm(utc))
    if when[:3] != time.localtime()[:3]:
        return time.strftime("%d %b %H:%M", when)
    return time.strftime("%H:%M", when)
