"""The live event log: newest at the bottom, coloured by kind, filterable, bounded.

The window hands it batches (every POLL_MS) of entries taken from the admin
feed; each batch goes into the Text widget in one call and the oldest lines
are cut past KEEP, so a flood of events neither grows memory nor freezes the
window. A gap in the entries' numbers is shown as a line saying how many the
feed dropped.
"""

from __future__ import annotations

import tkinter as tk
from collections import deque
from tkinter import font, ttk

from parley.server.admin.feed import LogEntry
from parley.server.console.style import KIND_COLOURS, PALETTE, clock

KEEP = 2000  # lines kept, in memory and on screen


class EventLog:
    """A read-only Text of log entries with a filter box above it."""

    def __init__(self, parent: tk.Misc) -> None:
        p = PALETTE
        self.frame = ttk.Frame(parent)
        bar = ttk.Frame(self.frame)
        bar.pack(fill="x", pady=(0, 4))
        ttk.Label(bar, text="Events", style="Section.TLabel").pack(side="left")
        self.filter = tk.StringVar()
        self.filter.trace_add("write", lambda *_: self.refilter())
        entry = ttk.Entry(bar, textvariable=self.filter, width=28)
        entry.pack(side="right")
        ttk.Label(bar, text="Filter", style="Quiet.TLabel").pack(side="right", padx=6)
        family = font.nametofont("TkDefaultFont").actual("family")
        self.text = tk.Text(
            self.frame, height=9, wrap="none", background=p.surface, foreground=p.text,
            relief="flat", highlightthickness=1, highlightbackground=p.border, padx=8, pady=4,
            font=(family, 10), tabs=("78p", "150p"), state="disabled", cursor="arrow",
        )  # fmt: skip
        scroll = ttk.Scrollbar(self.frame, orient="vertical", command=self.text.yview)
        self.text.configure(yscrollcommand=scroll.set)
        scroll.pack(side="right", fill="y")
        self.text.pack(fill="both", expand=True)
        self.text.tag_configure("time", foreground=p.quiet)
        self.text.tag_configure("gap", foreground=p.warn)
        for kind, colour in KIND_COLOURS.items():
            self.text.tag_configure(kind, foreground=colour, font=(family, 10, "bold"))
        self.entries: deque[LogEntry] = deque(maxlen=KEEP)
        self._last_seq = 0

    def add(self, batch: list[LogEntry]) -> None:
        """Append a batch (oldest first); a gap in numbering becomes a line of its own."""
        if not batch:
            return
        missed = batch[0].seq - self._last_seq - 1
        if missed > 0 and self._last_seq:
            gap = LogEntry(0, batch[0].at, "gap", f"{missed} events not shown (they came too fast)")
            batch = [gap, *batch]
        self._last_seq = batch[-1].seq
        self.entries.extend(batch)
        self._write([e for e in batch if self._matches(e)])

    def refilter(self) -> None:
        """Show again what is kept, through the current filter."""
        self._set_enabled(True)
        self.text.delete("1.0", "end")
        self._set_enabled(False)
        self._write([e for e in self.entries if self._matches(e)])

    def lines(self) -> list[str]:
        """What the log shows, a line each (tabs between time, kind and text)."""
        return [line for line in self.text.get("1.0", "end").splitlines() if line]

    def _matches(self, entry: LogEntry) -> bool:
        wanted = self.filter.get().strip().casefold()
        return not wanted or wanted in entry.kind or wanted in entry.text.casefold()

    def _set_enabled(self, enabled: bool) -> None:
        self.text.configure(state="normal" if enabled else "disabled")

    def _write(self, entries: list[LogEntry]) -> None:
        if not entries:
            return
        at_end = self.text.yview()[1] >= 0.999
        chunks: list[str | tuple[str, ...]] = []  # Tk's `insert index chars tags chars tags...`
        for entry in entries:
            chunks += [clock(entry.at) + "\t", ("time",), entry.kind + "\t", (entry.kind,),
                       entry.text + "\n", ()]  # fmt: skip
        self._set_enabled(True)
        self.text.insert("end", str(chunks[0]), *chunks[1:])  # one call for the whole batch
        excess = int(self.text.index("end-1c").split(".")[0]) - 1 - KEEP
        if excess > 0:
            self.text.delete("1.0", f"{excess + 1}.0")
        self._set_enabled(False)
        if at_end:
            self.text.see("end")
