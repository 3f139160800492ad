"""The server console on a virtual display: a real server thread and real IRC clients."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from parley.server.admin import Admin
from parley.server.admin.thread import ServerThread
from parley.server.console.dialogs import Dialog
from parley.server.console.window import ConsoleWindow
from support.client import IrcClient
from support.servers import ProcessServer
from support.servers import test_config as server_config
from support.tkpump import pump

OTHER = "127.0.0.2"  # a second loopback address, to ban without banning the test itself


class Console:
    """A server thread, its console window, and clients of that server."""

    def __init__(self, root: tk.Tk, data: Path) -> None:
        self.thread = ServerThread(server_config(data, tls=True))
        self.admin: Admin = self.thread.start()
        self.window = ConsoleWindow(root, self.admin)
        self.root = root
        self.pump(lambda: self.window.snapshot is not None)
        listeners = self.window.snapshot.info.listeners if self.window.snapshot else ()
        self.port = next(int(x.address.rsplit(":", 1)[1]) for x in listeners if not x.tls)
        self.clients: list[IrcClient] = []

    def pump(self, until: Callable[[], object], timeout: float = 15.0) -> None:
        pump([self.root], lambda: bool(until()), timeout)

    def client(self, nick: str, **kwargs: Any) -> IrcClient:
        client = IrcClient(self.port, **kwargs)
        client.register(nick)
        self.clients.append(client)
        return client

    def nicks(self) -> list[str]:
        return [row[0] for row in self.window.users.table.shown()]

    def dialog(self, name: str) -> Dialog:
        self.pump(lambda: name in self.window.dialogs)
        return self.window.dialogs[name]

    def select_user(self, nick: str) -> None:
        self.pump(lambda: nick in self.nicks())
        self.window.users.table.select(nick)
        self.pump(lambda: self.window.users.selected() is not None)

    def stop(self) -> None:
        for client in self.clients:
            client.close()
        if not self.admin.stopped.is_set():
            self.admin.shutdown().result(15)
        assert self.thread.join(15)


@pytest.fixture
def console(make_root: Callable[[], tk.Tk], tmp_path: Path) -> Iterator[Console]:
    running = Console(make_root(), tmp_path)
    yield running
    running.stop()


def test_connected_users_appear_sorted_and_filtered(console: Console) -> None:
    for nick in ("carol", "alice", "bob"):
        console.client(nick)
    console.pump(lambda: len(console.nicks()) == 3)
    assert console.nicks() == ["alice", "bob", "carol"]
    users = console.window.users
    users.table.sort_by("c0")  # a click on the Nick heading again: descending
    assert console.nicks() == ["carol", "bob", "alice"]
    assert users.table.tree.heading("c0", "text") == "Nick ▼"
    users.filter.set("BO")
    assert console.nicks() == ["bob"]
    assert users.count.cget("text") == "1 of 3 users"
    row = users.table.shown()[0]
    assert row[2] == "127.0.0.1" and "#lobby" in row[5] and row[6] == "no"
    channels = console.window.channels.table.shown()
    assert channels[0][:2] == ("#lobby", "3")


def test_kick_from_the_console_reaches_the_client(console: Console) -> None:
    console.client("alice")
    bob = console.client("bob")
    assert str(console.window.users.buttons["Kick…"].cget("state")) == "disabled"
    console.select_user("bob")
    console.window.users.buttons["Kick…"].invoke()
    dialog = console.dialog("kick")
    assert dialog.values()["channel"] == "#lobby"
    dialog.set("reason", "take a break")
    dialog.buttons()["Kick"].invoke()
    console.pump(lambda: "kick" not in console.window.dialogs)
    kick = bob.expect("KICK")
    assert kick.params == ("#lobby", "bob", "take a break") and kick.source == "test.parley"
    assert console.window.status.get() == "Kicked bob from #lobby"


def test_disconnect_from_the_console_closes_the_users_connection(console: Console) -> None:
    console.client("alice")
    spammer = console.client("spammer")
    console.select_user("spammer")
    console.window.users.buttons["Disconnect…"].invoke()
    console.dialog("kill").buttons()["Disconnect"].invoke()
    assert "Killed (test.parley" in spammer.wait_closed()[-1].params[0]
    console.pump(lambda: "spammer" not in console.nicks())


def test_banned_address_is_refused_on_reconnect_until_the_ban_is_removed(
    console: Console,
) -> None:
    console.client("visitor", source=OTHER)
    console.select_user("visitor")
    console.window.users.buttons["Ban…"].invoke()
    dialog = console.dialog("ban")
    assert dialog.values()["kind"] == "hostmask" and dialog.values()["mask"] == "visitor!*@*"
    dialog.set("kind", "address")  # the user's address instead, filled in for it
    assert dialog.values()["mask"] == OTHER
    dialog.set("duration", "15 minutes")
    dialog.set("reason", "flooding")
    dialog.buttons()["Ban"].invoke()
    console.pump(lambda: console.window.bans.table.shown())
    mask, refused, reason, set_by, ends = console.window.bans.table.shown()[0]
    assert (mask, refused, reason, set_by) == (OTHER, "at connect", "flooding", "test.parley")
    assert ends.startswith("in ")
    again = IrcClient(console.port, source=OTHER)  # refused before it says anything
    assert [m.command for m in again.wait_closed()] == ["465", "ERROR"]
    console.window.bans.table.select(OTHER)
    console.pump(lambda: console.window.bans.selected() is not None)
    console.window.bans.buttons["Remove ban…"].invoke()
    console.dialog("unban").buttons()["Remove ban"].invoke()
    console.pump(lambda: not console.window.bans.table.shown())
    console.client("visitor", source=OTHER)


def test_invalid_bans_are_explained_in_the_dialog(console: Console) -> None:
    console.window.bans.buttons["Add ban…"].invoke()
    dialog = console.dialog("ban")
    dialog.set("mask", "not an address")
    dialog.buttons()["Ban"].invoke()
    console.pump(lambda: dialog.error.get())
    assert "is not an IP address or network" in dialog.error.get()
    dialog.set("kind", "hostmask")
    dialog.set("mask", "*")
    dialog.buttons()["Ban"].invoke()
    console.pump(lambda: "would ban everyone" in dialog.error.get())
    dialog.set("duration", "for a while")
    dialog.buttons()["Ban"].invoke()
    assert dialog.error.get().startswith("Duration:")  # checked before asking the server
    assert "ban" in console.window.dialogs and not console.admin.bans().result(5)


def test_event_log_shows_joins_and_filters(console: Console) -> None:
    alice = console.client("alice")
    console.pump(lambda: any("alice joined #lobby" in x for x in console.window.events.lines()))
    alice.send("QUIT :off to lunch")
    console.pump(lambda: any("alice quit" in x for x in console.window.events.lines()))
    console.window.events.filter.set("quit")
    (only,) = console.window.events.lines()
    assert only.split("\t")[1:] == ["quit", "alice quit: Quit: off to lunch"]


def test_charts_draw_connections_and_message_rates(console: Console) -> None:
    alice = console.client("alice")
    console.client("bob")
    chart = console.window.charts["messages"]

    def busy() -> bool:
        alice.send("PRIVMSG #lobby :tick")
        return len(chart.points) > 1 and any(value > 0 for _, value in chart.points)

    console.pump(busy)
    assert chart.canvas.find_withtag("series") and chart.canvas.find_withtag("area")
    connections = console.window.charts["connections"]
    console.pump(lambda: connections.points and connections.points[-1][1] == 2)
    assert console.window.figures["Users"].cget("text") == "2"


def test_notice_motd_and_lobby_topic_from_the_server_menu(console: Console) -> None:
    alice = console.client("alice")
    actions = console.window.actions
    actions.notice()
    notice = console.dialog("notice")
    notice.set("text", "back in five minutes")
    notice.buttons()["Send to everyone"].invoke()
    assert alice.expect("NOTICE").params == ("$*", "back in five minutes")
    actions.motd()
    motd = console.dialog("motd")
    assert "Welcome to {server_name}" in motd.values()["text"]  # the current one, to edit
    motd.set("text", "New rules:\nbe kind")
    motd.buttons()["Set MOTD"].invoke()
    console.pump(lambda: "motd" not in console.window.dialogs)
    alice.send("MOTD")
    lines = [m.params[-1] for m in alice.collect_until("376") if m.command == "372"]
    assert lines == ["- New rules:", "- be kind"]
    actions.lobby_topic()
    topic = console.dialog("topic")
    topic.set("topic", "Quiet hours")
    topic.buttons()["Set topic"].invoke()
    assert alice.expect("TOPIC").params == ("#lobby", "Quiet hours")


def test_closing_the_window_asks_and_then_shuts_down_gracefully(console: Console) -> None:
    alice = console.client("alice")
    close = console.root.protocol("WM_DELETE_WINDOW")  # what the window manager calls
    console.root.tk.call(close)
    console.dialog("shutdown").buttons()["Cancel"].invoke()
    alice.sync()  # still running
    console.root.tk.call(close)
    console.dialog("shutdown").buttons()["Shut down"].invoke()
    assert alice.wait_closed()[-1].params[0] == "Server shutting down"
    console.pump(lambda: console.window.closed)
    assert console.thread.join(15) and console.thread.error is None


def test_gui_flag_runs_the_console_and_sigterm_stops_it_cleanly(
    display: str, tmp_path: Path
) -> None:
    server = ProcessServer(
        ["--gui", "--listen", "127.0.0.1:0", "--no-tls", "--data-dir", str(tmp_path)],
        env={"DISPLAY": display},
    )
    try:
        alice = IrcClient(server.port())
        alice.register("alice")
        server.signal(signal.SIGTERM)
        assert alice.wait_closed()[-1].command == "ERROR"
        assert server.wait() == 0
    finally:
        server.stop()


def test_gui_without_a_display_is_a_one_line_error(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    result = subprocess.run(
        [sys.executable, "-m", "parley.server", "--gui", "--listen", "127.0.0.1:0",
         "--no-tls", "--data-dir", str(tmp_path)],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert result.returncode == 1
    assert "the console needs a display" in result.stderr and "Traceback" not in result.stderr
    assert "listening" not in result.stdout  # checked before the server starts


def test_event_log_stays_bounded_and_says_what_it_dropped(make_root: Callable[[], tk.Tk]) -> None:
    from parley.server.admin.feed import LogEntry
    from parley.server.console.eventlog import KEEP, EventLog

    log = EventLog(make_root())

    def joins(first: int, count: int) -> list[LogEntry]:
        return [
            LogEntry(n, 0.0, "join", f"user{n} joined #lobby") for n in range(first, first + count)
        ]

    log.add(joins(1, 10))
    log.add(joins(51, 10))  # 11 to 50 were dropped by the feed
    assert log.lines()[10].endswith("gap\t40 events not shown (they came too fast)")
    log.add(joins(61, KEEP + 100))
    lines = log.lines()
    assert len(lines) == KEEP == len(log.entries)
    assert lines[-1].endswith(f"user{60 + KEEP + 100} joined #lobby")
