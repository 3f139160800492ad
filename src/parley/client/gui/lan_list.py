"""The connect dialog's list of servers on the local network: name, address and
certificate fingerprint of each one announced; choosing one fills the form."""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from tkinter import ttk
from typing import Protocol

from parley.client.discovery import Sighting, servers
from parley.irc.dnssd import Found

POLL_MS = 250  # how often sightings are taken from the browser's queue
MAX_SIGHTINGS = 1000  # kept to fold; past it, the oldest go (the list is rebuilt from them)


class LanSource(Protocol):
    """Where sightings come from: discovery.LanBrowser, or a stand-in in tests."""

    events: queue.Queue[Sighting]

    def close(self) -> None: ...


def short_fingerprint(fingerprint: str | None) -> str:
    """`AB:CD:EF:01…9A:BC`: enough to compare with what the server printed."""
    if not fingerprint:
        return "no TLS"
    parts = fingerprint.split(":")
    if len(parts) <= 6:
        return fingerprint
    return ":".join(parts[:4]) + "…" + ":".join(parts[-2:])


def address_text(found: Found) -> str:
    return f"{found.address}:{found.port}" + (" (TLS)" if found.tls else "")


class LanList:
    """A panel in the dialog's frame; `chosen` gets the server picked."""

    def __init__(
        self, parent: ttk.Frame, source: LanSource | None, chosen: Callable[[Found], None]
    ) -> None:
        self.source, self.chosen = source, chosen
        self.sightings: list[Sighting] = []
        self.shown: dict[str, Found] = {}  # row id -> server
        self.frame = ttk.Frame(parent, padding=(18, 0, 0, 0))
        ttk.Label(self.frame, text="On this network").pack(anchor="w")
        self.tree = ttk.Treeview(
            self.frame, columns=("name", "address", "fingerprint"), show="headings",
            height=8, selectmode="browse",
        )  # fmt: skip
        for column, title, width in (("name", "Name", 190), ("address", "Address", 190),
                                     ("fingerprint", "Certificate", 170)):  # fmt: skip
            self.tree.heading(column, text=title)
            self.tree.column(column, width=width, stretch=column == "name")
        self.tree.pack(fill="both", expand=True, pady=(4, 4))
        self.tree.bind("<<TreeviewSelect>>", self._selected)
        self.status = tk.StringVar(parent, "")
        ttk.Label(self.frame, textvariable=self.status, style="Quiet.TLabel", wraplength=470,
                  justify="left").pack(anchor="w")  # fmt: skip
        self._timer: str | None = None
        self._refresh()
        if source is not None:
            self._timer = self.frame.after(POLL_MS, self._poll)

    def _poll(self) -> None:
        assert self.source is not None
        changed = False
        try:
            for _ in range(MAX_SIGHTINGS):  # a flood waits for the next poll
                self.sightings.append(self.source.events.get_nowait())
                changed = True
        except queue.Empty:
            pass
        if len(self.sightings) > MAX_SIGHTINGS:
            self.sightings = list(servers(self.sightings))  # the same servers, fewer entries
        if changed:
            self._refresh()
        self._timer = self.frame.after(POLL_MS, self._poll)

    def _refresh(self) -> None:
        """Rebuild the rows from the sightings, keeping the selection when it is still there."""
        selected = [self.shown[i] for i in self.tree.selection() if i in self.shown]
        self.tree.delete(*self.tree.get_children())
        self.shown.clear()
        for found in servers(self.sightings):
            row = self.tree.insert("", "end", values=(
                found.name, address_text(found), short_fingerprint(found.description.fingerprint)
            ))  # fmt: skip
            self.shown[row] = found
            if found in selected:
                self.tree.selection_set(row)
        if self.source is None:
            self.status.set("Servers on the local network are listed here with the lan extra "
                            "(pip install 'parley[lan]').")  # fmt: skip
        elif not self.shown:
            self.status.set("Looking for servers on the local network…")
        else:
            self.status.set("Choose one to fill in the form. Compare the certificate with the "
                            "one the server printed when it started.")  # fmt: skip

    def _selected(self, _event: object) -> None:
        for row in self.tree.selection():
            if row in self.shown:
                self.chosen(self.shown[row])

    def close(self) -> None:
        if self._timer is not None:
            self.frame.after_cancel(self._timer)
            self._timer = None
        if self.source is not None:
            self.source.close()
            self.source = None


def browse_lan() -> LanSource | None:
    """A LanBrowser on every interface, when zeroconf is installed and the network lets it."""
    from parley.client import discovery

    if not discovery.available():
        return None
    try:
        return discovery.LanBrowser()
    except OSError:  # no multicast here: the list says how to get one
        return None
