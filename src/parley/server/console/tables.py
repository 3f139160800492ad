"""A table of rows that sorts by the clicked column, filters by text and updates in place.

Rows are frozen values with a key; `show` takes the latest rows and changes
only the Treeview items whose text, place or stripe changed, so the selection
and the scroll position survive the once-a-second refresh.
"""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from tkinter import ttk
from typing import Any, Generic, Literal, TypeVar

from parley.server.console.style import PALETTE

Row = TypeVar("Row")
Anchor = Literal["w", "center", "e"]


@dataclass(frozen=True, slots=True)
class Column(Generic[Row]):
    title: str
    width: int
    text: Callable[[Row], str]
    sort: Callable[[Row], Any] | None = None  # by the text, case-insensitively, if None
    anchor: Anchor = "w"
    stretch: bool = False


class Table(Generic[Row]):
    """A Treeview of rows; click a heading to sort by it, click again to reverse."""

    def __init__(
        self,
        parent: tk.Misc,
        columns: Sequence[Column[Row]],
        key: Callable[[Row], str],
        height: int = 12,
    ) -> None:
        self.columns = list(columns)
        self.key = key
        self.frame = ttk.Frame(parent, style="Surface.TFrame")
        names = [f"c{i}" for i in range(len(self.columns))]
        self.tree = ttk.Treeview(
            self.frame, columns=names, show="headings", selectmode="browse", height=height
        )
        for name, column in zip(names, self.columns, strict=True):
            self.tree.column(name, width=column.width, anchor=column.anchor, stretch=column.stretch)
            self.tree.heading(name, command=partial(self.sort_by, name))
        scroll = ttk.Scrollbar(self.frame, orient="vertical", command=self.tree.yview)
        self.tree.configure(yscrollcommand=scroll.set)
        self.tree.pack(side="left", fill="both", expand=True)
        scroll.pack(side="right", fill="y")
        self.tree.tag_configure("odd", background="#f6f8fa")
        self.tree.tag_configure("even", background=PALETTE.surface)
        self.rows: dict[str, Row] = {}
        self._shown: dict[str, tuple[tuple[str, ...], str]] = {}  # iid -> (texts, stripe)
        self._order: list[str] = []
        self._sort = names[0]
        self._descending = False
        self._filter = ""
        self._headings()

    # -- what the user does -----------------------------------------------------

    def sort_by(self, name: str) -> None:
        """Sort by this column; the same column again reverses the order."""
        self._descending = not self._descending if name == self._sort else False
        self._sort = name
        self._headings()
        self._render()

    def set_filter(self, text: str) -> None:
        """Show only rows with `text` in any column (ignoring case)."""
        self._filter = text.strip().casefold()
        self._render()

    def selected(self) -> Row | None:
        selection = self.tree.selection()
        return self.rows.get(selection[0]) if selection else None

    def select(self, key: str) -> None:
        if self.tree.exists(key):
            self.tree.selection_set(key)
            self.tree.see(key)

    # -- what the window does ----------------------------------------------------

    def show(self, rows: Iterable[Row]) -> None:
        """Take the latest rows and bring the Treeview up to date."""
        self.rows = {self.key(row): row for row in rows}
        self._render()

    def shown(self) -> list[tuple[str, ...]]:
        """The rows' texts as on screen, top to bottom."""
        return [self._shown[iid][0] for iid in self._order]

    @property
    def shown_count(self) -> int:
        return len(self._order)

    # -- inside -----------------------------------------------------------------

    def _index(self) -> int:
        return int(self._sort[1:])

    def _headings(self) -> None:
        for i, column in enumerate(self.columns):
            arrow = (" ▼" if self._descending else " ▲") if i == self._index() else ""
            self.tree.heading(f"c{i}", text=column.title + arrow, anchor=column.anchor)

    def _texts(self, row: Row) -> tuple[str, ...]:
        return tuple(column.text(row) for column in self.columns)

    def _render(self) -> None:
        column = self.columns[self._index()]
        texts = {iid: self._texts(row) for iid, row in self.rows.items()}
        wanted = self._filter
        iids = [i for i in texts if not wanted or wanted in " ".join(texts[i]).casefold()]
        if column.sort is not None:
            sort = column.sort
            iids.sort(key=lambda i: sort(self.rows[i]), reverse=self._descending)
        else:
            index = self._index()
            iids.sort(key=lambda i: texts[i][index].casefold(), reverse=self._descending)
        keep = set(iids)
        for gone in [i for i in self._shown if i not in keep]:
            self.tree.delete(gone)
            del self._shown[gone]
        for place, iid in enumerate(iids):
            entry = (texts[iid], "odd" if place % 2 else "even")
            before = self._shown.get(iid)
            if before is None:
                self.tree.insert("", place, iid=iid, values=entry[0], tags=(entry[1],))
            elif before != entry:
                self.tree.item(iid, values=entry[0], tags=(entry[1],))
            self._shown[iid] = entry
        if iids != self._order:
            for place, iid in enumerate(iids):
                self.tree.move(iid, "", place)
        self._order = iids


Button = tuple[str, Callable[[], None], bool]  # text, command, needs a selected row


class TablePage(Generic[Row]):
    """A notebook page: a filter box, how many rows there are, action buttons, the table."""

    def __init__(
        self,
        notebook: ttk.Notebook,
        title: str,
        noun: str,
        columns: Sequence[Column[Row]],
        key: Callable[[Row], str],
        buttons: Sequence[Button],
    ) -> None:
        self.noun = noun
        self.page = ttk.Frame(notebook, padding=(0, 8, 0, 0))
        notebook.add(self.page, text=title)
        bar = ttk.Frame(self.page)
        bar.pack(fill="x", pady=(0, 6))
        ttk.Label(bar, text="Filter", style="Quiet.TLabel").pack(side="left")
        self.filter = tk.StringVar()
        ttk.Entry(bar, textvariable=self.filter, width=24).pack(side="left", padx=(6, 10))
        self.count = ttk.Label(bar, text="", style="Quiet.TLabel")
        self.count.pack(side="left")
        self.buttons: dict[str, ttk.Button] = {}
        self._needs_row: list[ttk.Button] = []
        for text, command, needs_row in reversed(buttons):
            button = ttk.Button(bar, text=text, command=command)
            button.pack(side="right", padx=(6, 0))
            self.buttons[text] = button
            if needs_row:
                self._needs_row.append(button)
        self.table = Table(self.page, columns, key)
        self.table.frame.pack(fill="both", expand=True)
        self.table.tree.bind("<<TreeviewSelect>>", lambda _e: self.enable())
        self.filter.trace_add("write", lambda *_: self._filtered())
        self._total = 0
        self.enable()

    def show(self, rows: Sequence[Row], total: int) -> None:
        """The latest rows; `total` counts those the server has, shown or not."""
        self._total = total
        self.table.show(rows)
        self._counted()
        self.enable()

    def selected(self) -> Row | None:
        return self.table.selected()

    def enable(self) -> None:
        """Buttons that act on a row work only while one is selected."""
        state = "normal" if self.table.selected() is not None else "disabled"
        for button in self._needs_row:
            button.configure(state=state)

    def _filtered(self) -> None:
        self.table.set_filter(self.filter.get())
        self._counted()
        self.enable()

    def _counted(self) -> None:
        shown = self.table.shown_count
        if self.filter.get().strip():
            self.count.configure(text=f"{shown} of {self._total} {self.noun}")
        else:
            self.count.configure(text=f"{self._total} {self.noun}")
