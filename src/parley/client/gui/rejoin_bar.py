"""The bar over a channel one was kicked from: who did it and why, and a Rejoin button.

The channel's conversation stays open, greyed, so what was said is not lost and the
user sees at once what happened; the bar shows while that conversation is on screen.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable
from tkinter import ttk

from parley.irc.casemap import fold

GONE_TAG = "gone"  # over a conversation's text while the user is out of the channel


class RejoinBar:
    """One bar, shown for whichever kicked channel is selected."""

    def __init__(self, parent: ttk.Frame, rejoin: Callable[[str], None]) -> None:
        self.kicked: dict[str, str] = {}  # folded channel -> what the bar says
        self.channel = ""
        self.text = tk.StringVar(parent, "")
        self.frame = ttk.Frame(parent, style="Chat.TFrame", padding=(12, 4))
        ttk.Label(self.frame, textvariable=self.text, style="Error.TLabel").pack(
            side="left", fill="x", expand=True
        )
        self.button = ttk.Button(self.frame, text="Rejoin", command=lambda: rejoin(self.channel))
        self.button.pack(side="right")

    def kick(self, channel: str, by: str, reason: str) -> None:
        said = f"You were kicked from {channel} by {by}"
        self.kicked[fold(channel)] = f"{said}: {reason}" if reason and reason != by else said

    def rejoined(self, channel: str) -> bool:
        """Back in the channel; True if it had been kicked from."""
        return self.kicked.pop(fold(channel), None) is not None

    def show_for(self, current: str, before: tk.Widget) -> None:
        """Shown over `current` if it is a channel one was kicked from, hidden otherwise."""
        said = self.kicked.get(fold(current))
        if said is None:
            self.frame.pack_forget()
            return
        self.channel = current
        self.text.set(said)
        self.frame.pack(fill="x", side="bottom", before=before)
