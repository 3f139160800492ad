"""The server console's window: who is on, what happens, how busy it is, and the actions.

How this works: the server runs on its own loop in another thread; this window
only talks to it through the Admin, whose calls return futures at once. Every
POLL_MS the window takes the new event-log entries, settles the actions that
finished (closing their dialog, or showing why they failed) and, once a
second, asks for a fresh snapshot and shows it when it has come. Nothing here
waits for the server, and the server never waits for the window.
"""

from __future__ import annotations

import contextlib
import logging
import time
import tkinter as tk
from concurrent.futures import Future
from tkinter import ttk

from parley.server.admin import Admin, AdminError
from parley.server.admin.accounts import AccountRow
from parley.server.admin.views import BanRow, ChannelRow, FileRow, Snapshot, UserRow
from parley.server.console import style
from parley.server.console.actions import Actions
from parley.server.console.charts import Chart
from parley.server.console.dialogs import Dialog
from parley.server.console.eventlog import EventLog
from parley.server.console.style import PALETTE, cluster_note, duration, history_note, rate
from parley.server.console.tables import Column, TablePage

log = logging.getLogger("parley.console")

POLL_MS = 200
REFRESH_SECONDS = 1.0
FIGURES = ("Users", "Channels", "Connections", "Messages/s")


class ConsoleWindow:
    """The console's main window for one running server."""

    def __init__(self, root: tk.Tk, admin: Admin) -> None:
        self.root = root
        self.admin = admin
        self.snapshot: Snapshot | None = None
        self.dialogs: dict[str, Dialog] = {}
        self.closing = False  # a shutdown was asked; the window goes when the server has
        self.closed = False
        self._snapshot_future: Future[Snapshot] | None = None
        self._asked_at = 0.0
        self._tracked: list[tuple[Future[str], Dialog | None]] = []
        self._next_poll: str | None = None
        style.apply(root)
        root.title("Parley server console")
        root.geometry("1220x800")
        root.minsize(960, 640)
        self.actions = Actions(self)
        self._menus()
        self._header()
        self.status = tk.StringVar(value="Starting…")
        self.status_label = ttk.Label(root, textvariable=self.status, padding=(12, 4))
        self.status_label.pack(side="bottom", fill="x")
        self._body()
        root.protocol("WM_DELETE_WINDOW", self.actions.shut_down)
        root.bind("<Destroy>", self._destroyed, add="+")
        self._next_poll = root.after(0, self._poll)

    # -- layout -------------------------------------------------------------------

    def _menus(self) -> None:
        bar = tk.Menu(self.root)
        a = self.actions
        server = tk.Menu(bar, tearoff=False)
        for label, command in (
            ("Notice to everyone…", a.notice),
            ("Message of the day…", a.motd),
            ("Lobby topic…", a.lobby_topic),
            ("Ban an address or hostmask…", a.ban),
            ("Reload configuration", a.rehash),
        ):
            server.add_command(label=label, command=command)
        server.add_separator()
        server.add_command(label="Shut down…", command=a.shut_down)
        bar.add_cascade(label="Server", menu=server)
        users = tk.Menu(bar, tearoff=False)
        for label, command in (("Kick…", a.kick), ("Disconnect…", a.kill), ("Ban…", a.ban_user)):
            users.add_command(label=label, command=command)
        bar.add_cascade(label="User", menu=users)
        self.root.configure(menu=bar)
        self.user_menu = users

    def _header(self) -> None:
        head = ttk.Frame(self.root, style="Header.TFrame", padding=(18, 12, 18, 14))
        head.pack(fill="x")
        head.columnconfigure(1, weight=1)
        self.title = ttk.Label(head, text="Parley", style="Title.TLabel")
        self.title.grid(row=0, column=0, columnspan=2, sticky="w")
        self.about = ttk.Label(head, text="", style="HeaderQuiet.TLabel")
        self.about.grid(row=1, column=0, columnspan=2, sticky="nw")
        figures = ttk.Frame(head, style="Header.TFrame")
        figures.grid(row=0, column=2, rowspan=2, sticky="ne")
        self.figures: dict[str, ttk.Label] = {}
        for i, name in enumerate(FIGURES):
            self.figures[name] = ttk.Label(figures, text="…", style="Figure.TLabel")
            self.figures[name].grid(row=0, column=i, padx=(26, 0), sticky="e")
            ttk.Label(figures, text=name, style="HeaderQuiet.TLabel").grid(
                row=1, column=i, padx=(26, 0), sticky="e"
            )
        ttk.Label(head, text="Listening", style="HeaderQuiet.TLabel").grid(
            row=2, column=0, sticky="w", padx=(0, 12), pady=(10, 0)
        )
        self.listening = ttk.Label(head, text="", style="Header.TLabel")
        self.listening.grid(row=2, column=1, columnspan=2, sticky="w", pady=(10, 0))
        ttk.Label(head, text="TLS SHA-256", style="HeaderQuiet.TLabel").grid(
            row=3, column=0, sticky="w", padx=(0, 12), pady=(4, 0)
        )
        line = ttk.Frame(head, style="Header.TFrame")
        line.grid(row=3, column=1, columnspan=2, sticky="w", pady=(4, 0))
        self.fingerprint = tk.StringVar(value="no TLS listener")
        ttk.Entry(line, textvariable=self.fingerprint, style="Header.TEntry", state="readonly",
                  width=96, font=("DejaVu Sans Mono", 9)).pack(side="left")  # fmt: skip
        self.copy_button = ttk.Button(line, text="Copy", style="Header.TButton",
                                      command=self.copy_fingerprint)  # fmt: skip
        self.copy_button.pack(side="left", padx=(8, 0))

    def _body(self) -> None:
        panes = ttk.PanedWindow(self.root, orient="vertical")
        panes.pack(fill="both", expand=True, padx=12, pady=(10, 0))
        top = ttk.Frame(panes)
        panes.add(top, weight=3)
        self.events = EventLog(panes)
        panes.add(self.events.frame, weight=2)
        charts = ttk.Frame(top)
        charts.pack(side="right", fill="y", padx=(12, 0))
        s = PALETTE.series
        self.charts = {
            "connections": Chart(charts, "Connections", s[0], lambda v: f"{v:.0f}", whole=True),
            "messages": Chart(charts, "Messages per second", s[1], rate),
            "bytes": Chart(charts, "Bytes out per second", s[2], lambda v: rate(v, "B")),
        }
        for chart in self.charts.values():
            chart.canvas.pack(fill="both", expand=True, pady=(0, 8))
        self.tabs = ttk.Notebook(top)
        self.tabs.pack(side="left", fill="both", expand=True)
        a = self.actions
        self.users: TablePage[UserRow] = TablePage(
            self.tabs, "Users", "users", USER_COLUMNS, lambda u: u.nick.casefold(),
            [("Kick…", a.kick, True), ("Disconnect…", a.kill, True), ("Ban…", a.ban_user, True)],
        )  # fmt: skip
        self.channels: TablePage[ChannelRow] = TablePage(
            self.tabs, "Channels", "channels", CHANNEL_COLUMNS, lambda c: c.name.casefold(),
            [("Set topic…", a.topic, True), ("Modes…", a.modes, True),
             ("Close channel…", a.close_channel, True),
             ("Drop registration…", a.drop_registration, True)],
        )  # fmt: skip
        self.bans: TablePage[BanRow] = TablePage(
            self.tabs, "Bans", "bans", BAN_COLUMNS, lambda b: b.mask,
            [("Add ban…", a.ban, False), ("Remove ban…", a.unban, True)],
        )  # fmt: skip
        self.files: TablePage[FileRow] = TablePage(
            self.tabs, "Files", "files", FILE_COLUMNS, lambda f: f.id,
            [("Delete file…", a.delete_file, True)],
        )  # fmt: skip
        self.accounts: TablePage[AccountRow] = TablePage(
            self.tabs, "Accounts", "accounts", ACCOUNT_COLUMNS, lambda r: r.name.casefold(),
            [("Create account…", a.create_account, False), ("New password…", a.reset_password,
             True), ("Delete account…", a.delete_account, True)],
        )  # fmt: skip
        self._accounts_future: Future[tuple[tuple[AccountRow, ...], int]] | None = None
        self._accounts_again = False
        self.tabs.bind("<<NotebookTabChanged>>", lambda _e: self.refresh_accounts(), add="+")
        self.users.table.tree.bind("<Button-3>", self._user_menu)

    def _user_menu(self, event: tk.Event[ttk.Treeview]) -> None:
        """Right-click on a user: the same actions as the buttons."""
        row = self.users.table.tree.identify_row(event.y)
        if row:
            self.users.table.select(row)
            self.user_menu.tk_popup(event.x_root, event.y_root)

    # -- what the operator does ---------------------------------------------------

    def copy_fingerprint(self) -> None:
        fingerprint = self.snapshot.info.fingerprint if self.snapshot else None
        if fingerprint:
            self.root.clipboard_clear()
            self.root.clipboard_append(fingerprint)
            self.say("The certificate fingerprint is on the clipboard")

    def say(self, text: str, error: bool = False) -> None:
        """A line in the status bar; errors in red."""
        self.status.set(text)
        self.status_label.configure(style="Error.TLabel" if error else "TLabel")

    def track(self, future: Future[str], dialog: Dialog | None = None) -> None:
        """Follow an action: its dialog closes when done, or shows why it was refused."""
        if dialog is not None:
            dialog.busy(True)
        self._tracked.append((future, dialog))

    def refresh(self) -> None:
        """Ask for a new snapshot at the next poll (after an action)."""
        self._asked_at = 0.0
        self.refresh_accounts()

    def refresh_accounts(self) -> None:
        """The Accounts table is read when shown and after an action, not every second."""
        shown = str(self.tabs.tk.call(str(self.tabs), "select")) == str(self.accounts.page)
        if not shown:
            return
        if self._accounts_future is None:
            self._accounts_future = self.admin.accounts()
        else:
            self._accounts_again = True  # the read under way may predate the change

    def close(self) -> None:
        """The server has stopped: the window goes too."""
        if not self.closed:
            self.root.destroy()

    def _destroyed(self, event: tk.Event[tk.Misc]) -> None:
        if event.widget is self.root:
            self.closed = True
            if self._next_poll is not None:
                self.root.after_cancel(self._next_poll)
                self._next_poll = None

    # -- the poll -----------------------------------------------------------------

    def _poll(self) -> None:
        self._next_poll = None
        if self.closed:
            return
        try:
            self.events.add(self.admin.feed.take())
            self._settle()
            self._accounts_read()
            if self.admin.stopped.is_set():
                self.close()
                return
            self._snapshots()
        except Exception:  # a bug in the window must not stop it from following the server
            log.exception("console refresh failed")
            self.say("The console could not show the latest state (see the log)", error=True)
        self._next_poll = self.root.after(POLL_MS, self._poll)

    def _settle(self) -> None:
        for future, dialog in [t for t in self._tracked if t[0].done()]:
            self._tracked.remove((future, dialog))
            try:
                done = future.result()
            except AdminError as exc:
                if dialog is not None and not dialog.closed:
                    dialog.fail(str(exc))
                else:
                    self.say(str(exc), error=True)
                continue
            if dialog is not None:
                dialog.close()
            self.say(done)
            self.refresh()

    def _accounts_read(self) -> None:
        future = self._accounts_future
        if future is not None and future.done():
            self._accounts_future = None
            with contextlib.suppress(AdminError):  # stopping: the next poll closes the window
                rows, total = future.result()
                self.accounts.show(rows, total)
            if self._accounts_again:
                self._accounts_again = False
                self.refresh_accounts()

    def _snapshots(self) -> None:
        future = self._snapshot_future
        if future is not None and future.done():
            self._snapshot_future = None
            with contextlib.suppress(AdminError):  # stopping: the next poll closes the window
                self.show(future.result())
        if self._snapshot_future is None and time.monotonic() - self._asked_at >= REFRESH_SECONDS:
            self._asked_at = time.monotonic()
            self._snapshot_future = self.admin.snapshot()

    def show(self, snapshot: Snapshot) -> None:
        """Put a snapshot on screen: header, figures, tables, charts."""
        first = self.snapshot is None
        self.snapshot = snapshot
        info, counters = snapshot.info, snapshot.counters
        if first and not self.closing:
            self.say("Ready")
        self.title.configure(text=f"{info.name}")
        up = duration(time.time() - info.started)
        self.about.configure(text=f"{info.network} network · Parley {info.version} · up {up}"
                             f"{history_note(counters.history)}"
                             f"{cluster_note(counters.cluster)}")  # fmt: skip
        self.listening.configure(text="    ".join(
            f"{x.address}{' (TLS)' if x.tls else ''}" for x in info.listeners))  # fmt: skip
        self.fingerprint.set(info.fingerprint or "no TLS listener")
        latest = snapshot.samples[-1] if snapshot.samples else None
        for name, value in zip(FIGURES, (
            str(counters.users), str(counters.channels), str(counters.connections),
            rate(latest.messages_per_s) if latest else "…",
        ), strict=True):  # fmt: skip
            self.figures[name].configure(text=value)
        self.users.show(snapshot.users, counters.users)
        self.channels.show(snapshot.channels, counters.channels)
        self.bans.show(snapshot.bans, len(snapshot.bans))
        self.files.show(snapshot.files, len(snapshot.files))
        samples = snapshot.samples
        now = samples[-1].at if samples else snapshot.at
        self.charts["connections"].plot([(x.at, x.connections) for x in samples], now)
        self.charts["messages"].plot([(x.at, x.messages_per_s) for x in samples], now)
        self.charts["bytes"].plot([(x.at, x.bytes_out_per_s) for x in samples], now)


def _ago(at: float) -> str:
    return duration(time.time() - at)


def _size(count: int) -> str:
    """Bytes as people read them: 512 B, 3.4 KiB, 25.0 MiB."""
    amount = float(count)
    for unit in ("B", "KiB", "MiB"):
        if amount < 1024 or unit == "MiB":
            return f"{count} B" if unit == "B" else f"{amount:.1f} {unit}"
        amount /= 1024
    return f"{count} B"


def _ends(expires: float | None) -> str:
    return "never" if expires is None else f"in {duration(expires - time.time())}"


USER_COLUMNS: list[Column[UserRow]] = [
    Column("Nick", 130, lambda u: u.nick + (" (operator)" if u.oper else "")),
    Column("Account", 110, lambda u: u.account or ""),
    Column("Host", 150, lambda u: u.host),
    Column("Online for", 100, lambda u: _ago(u.connected), sort=lambda u: -u.connected),
    Column("Idle", 80, lambda u: duration(u.idle), sort=lambda u: u.idle),
    Column("Channels", 170, lambda u: " ".join(u.channels), sort=lambda u: len(u.channels),
           stretch=True),
    Column("TLS", 60, lambda u: "yes" if u.tls else "no", anchor="center"),
]  # fmt: skip
CHANNEL_COLUMNS: list[Column[ChannelRow]] = [
    Column("Channel", 150, lambda c: c.name),
    Column("Members", 90, lambda c: str(c.members), sort=lambda c: c.members, anchor="e"),
    Column("Topic", 360, lambda c: c.topic, stretch=True),
    Column("Modes", 90, lambda c: c.modes),
    Column("Registered", 110, lambda c: c.founder or ""),
]
FILE_COLUMNS: list[Column[FileRow]] = [
    Column("Name", 200, lambda f: f.filename, stretch=True),
    Column("Account", 110, lambda f: f.account),
    Column("Size", 90, lambda f: _size(f.size), sort=lambda f: f.size, anchor="e"),
    Column("Type", 150, lambda f: f.content_type),
    Column("Shared", 100, lambda f: _ago(f.created), sort=lambda f: -f.created),
    Column("Id", 220, lambda f: f.id),
]  # fmt: skip
BAN_COLUMNS: list[Column[BanRow]] = [
    Column("Mask", 170, lambda b: b.mask),
    Column("Refused", 110, lambda b: "at connect" if b.address else "at registration"),
    Column("Reason", 220, lambda b: b.reason, stretch=True),
    Column("Set by", 110, lambda b: b.set_by),
    Column("Ends", 110, lambda b: _ends(b.expires), sort=lambda b: b.expires or float("inf")),
]  # fmt: skip
ACCOUNT_COLUMNS: list[Column[AccountRow]] = [
    Column("Account", 200, lambda r: r.name),
    Column("Logged in now as", 300, lambda r: " ".join(r.online), sort=lambda r: len(r.online),
           stretch=True),
]  # fmt: skip
