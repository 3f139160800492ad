"""The console's look: one palette, the ttk styles built from it, and number formats."""

from __future__ import annotations

import time
import tkinter as tk
from dataclasses import dataclass
from tkinter import font, ttk

from parley.server.core.cluster import ClusterStatus
from parley.server.store.history import WriterStatus


@dataclass(frozen=True, slots=True)
class Palette:
    header: str  # the band at the top
    header_text: str
    header_quiet: str
    background: str  # the window
    surface: str  # tables, the log, charts
    border: str
    text: str
    quiet: str  # times, labels
    accent: str  # selection, the first chart
    good: str
    warn: str
    bad: str
    series: tuple[str, str, str]  # chart colours: connections, messages, bytes


PALETTE = Palette(
    header="#1f2937", header_text="#f9fafb", header_quiet="#9ca3af",
    background="#eef1f5", surface="#ffffff", border="#d0d7de", text="#1f2328",
    quiet="#6e7781", accent="#0969da", good="#1a7f37", warn="#9a6700", bad="#cf222e",
    series=("#0969da", "#1a7f37", "#8250df"),
)  # fmt: skip

# Colours of the event log's kinds (the rest are plain text).
KIND_COLOURS = {
    "connect": PALETTE.quiet, "closed": PALETTE.quiet, "register": PALETTE.good,
    "join": PALETTE.good, "part": PALETTE.warn, "quit": PALETTE.warn, "kick": PALETTE.bad,
    "kill": PALETTE.bad, "ban": PALETTE.bad, "unban": PALETTE.accent, "error": PALETTE.bad,
    "oper": PALETTE.accent, "notice": PALETTE.accent, "motd": PALETTE.accent,
    "shutdown": PALETTE.bad, "topic": PALETTE.accent, "nick": PALETTE.text,
}  # fmt: skip


def apply(root: tk.Tk) -> None:
    """The clam theme, recoloured: flat, light, readable at a glance."""
    p = PALETTE
    base = font.nametofont("TkDefaultFont")
    family = base.actual("family")
    style = ttk.Style(root)
    style.theme_use("clam")
    root.configure(background=p.background)
    style.configure(".", background=p.background, foreground=p.text, bordercolor=p.border)
    style.configure("TFrame", background=p.background)
    style.configure("Surface.TFrame", background=p.surface)
    style.configure("TLabel", background=p.background, foreground=p.text)
    style.configure("Quiet.TLabel", foreground=p.quiet)
    style.configure("Error.TLabel", foreground=p.bad)
    style.configure("Section.TLabel", font=(family, 11, "bold"))
    style.configure("Header.TFrame", background=p.header)
    for name, colour, size, weight in (
        ("Header.TLabel", p.header_text, 10, "normal"),
        ("HeaderQuiet.TLabel", p.header_quiet, 10, "normal"),
        ("Title.TLabel", p.header_text, 17, "bold"),
        ("Figure.TLabel", p.header_text, 15, "bold"),
    ):
        style.configure(name, background=p.header, foreground=colour, font=(family, size, weight))
    style.configure(
        "Header.TEntry", fieldbackground=p.header, foreground=p.header_text, borderwidth=0,
        bordercolor=p.header, lightcolor=p.header, darkcolor=p.header, padding=0,
    )  # fmt: skip
    style.map("Header.TEntry", fieldbackground=[("readonly", p.header)],
              bordercolor=[("focus", p.header)], lightcolor=[("focus", p.header)])  # fmt: skip
    style.configure("TButton", padding=(10, 4))
    style.configure("Header.TButton", padding=(8, 2))
    style.configure("Danger.TButton", foreground=p.bad)
    style.configure(
        "Treeview", background=p.surface, fieldbackground=p.surface, rowheight=24,
        bordercolor=p.border,
    )  # fmt: skip
    style.configure("Treeview.Heading", font=(family, 10, "bold"), padding=(6, 4))
    style.map("Treeview", background=[("selected", p.accent)], foreground=[("selected", "#ffffff")])
    style.configure("TNotebook", background=p.background, borderwidth=0)
    style.configure("TNotebook.Tab", padding=(16, 5), background="#dde3ea")
    style.map("TNotebook.Tab", background=[("selected", p.surface)],
              foreground=[("selected", p.accent)])  # fmt: skip


def duration(seconds: float) -> str:
    """`45 s`, `12 min`, `3 h 05 min`, `2 d 4 h`: short and exact enough to read."""
    s = int(max(0, seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min"
    if s < 86400:
        return f"{s // 3600} h {s % 3600 // 60:02d} min"
    return f"{s // 86400} d {s % 86400 // 3600} h"


def history_note(writer: WriterStatus | None) -> str:
    """What the header says of the history writer: nothing while all is well."""
    if writer is None or (writer.state == "ok" and not writer.dropped):
        return ""
    words = {
        "ok": "history stored",
        "lagging": f"history behind ({writer.queued} waiting; senders paused)",
        "failing": f"history NOT STORED: {writer.last_error} ({writer.queued} waiting, retrying)",
        "stopped": "history writer stopped",
    }
    dropped = f", {writer.dropped} messages not stored" if writer.dropped else ""
    return f" · {words.get(writer.state, writer.state)}{dropped}"


def cluster_note(status: ClusterStatus | None) -> str:
    """What the header says of cluster mode: the node, its peers, how far behind it is."""
    if status is None:
        return ""
    if not status.connected:
        return f" · node {status.node}: CUT OFF from the cluster"
    peers = ", ".join(status.peers) or "none"
    behind = f", {status.lag} behind" if status.lag else ""
    return f" · node {status.node} (peers: {peers}{behind})"


def rate(value: float, unit: str = "") -> str:
    """`0`, `0.5`, `34`, `1.2k`, `15k`, `3M`: a rate or a count in a few characters."""
    for size, prefix in ((1_000_000, "M"), (1000, "k")):
        if value >= size:
            scaled = value / size
            text = f"{scaled:.0f}" if scaled >= 10 or scaled == int(scaled) else f"{scaled:.1f}"
            return f"{text} {prefix}{unit}"
    if value >= 10 or value == int(value):
        return f"{value:.0f}{' ' + unit if unit else ''}"
    return f"{value:.1f}{' ' + unit if unit else ''}"


def clock(at: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(at))
