"""The console's channel tools on a virtual display: modes, closing a channel, and ChanServ
registrations seen and dropped; a real server thread and real IRC clients."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_console import Console

from parley.server.console.dialogs import Dialog
from support.accounts import logged_in

PASSWORD = "wonderland1"


@pytest.fixture
def console(make_root: Callable[[], tk.Tk], tmp_path: Path) -> Iterator[Console]:
    running = Console(make_root(), tmp_path)
    yield running
    running.stop()


def row(console: Console, name: str) -> tuple[str, ...] | None:
    return next((r for r in console.window.channels.table.shown() if r[0] == name), None)


def select_channel(console: Console, name: str) -> None:
    console.window.tabs.select(console.window.channels.page)
    console.pump(lambda: row(console, name) is not None)
    console.window.channels.table.select(name.casefold())
    console.pump(lambda: console.window.channels.selected() is not None)


def message(dialog: Dialog) -> str:
    return str(dialog.body.winfo_children()[0].cget("text"))


def test_modes_dialog_shows_and_sets_flags_key_and_limit(console: Console) -> None:
    bob = console.client("bob")
    select_channel(console, "#lobby")
    channels = console.window.channels
    channels.buttons["Modes…"].invoke()
    dialog = console.dialog("modes")
    assert "now: +nt" in message(dialog)
    values = dialog.values()
    assert (values["flags:n"], values["flags:t"], values["flags:m"]) == ("1", "1", "")
    assert (values["key"], values["limit"]) == ("", "")
    dialog.set("flags:m", "1")
    dialog.set("flags:n", "")
    dialog.set("key", "sesame")
    dialog.set("limit", "lots")
    dialog.buttons()["Set modes"].invoke()
    assert "Limit" in dialog.error.get()  # checked before the server is asked
    dialog.set("key", "open sesame")
    dialog.set("limit", "10")
    dialog.buttons()["Set modes"].invoke()
    console.pump(lambda: dialog.error.get())
    assert "A key is one word" in dialog.error.get()
    dialog.set("key", "sesame")
    dialog.buttons()["Set modes"].invoke()
    console.pump(lambda: "modes" not in console.window.dialogs)
    mode = bob.expect("MODE")
    assert mode.source == "test.parley" and mode.params == ("#lobby", "-n+mkl", "sesame", "10")
    console.pump(lambda: (r := row(console, "#lobby")) is not None and r[3] == "+mtkl * 10")

    channels.buttons["Modes…"].invoke()
    again = console.dialog("modes")
    assert (again.values()["key"], again.values()["limit"], again.values()["flags:m"]) == (
        "sesame", "10", "1")  # fmt: skip
    again.set("key", "")
    again.set("limit", " ")
    again.buttons()["Set modes"].invoke()
    assert bob.expect("MODE").params == ("#lobby", "-kl", "*")


def test_closing_a_registered_channel_and_dropping_its_registration(console: Console) -> None:
    console.admin.create_account("ada", PASSWORD).result(15)
    ada = logged_in(console.port, "ada", "ada", PASSWORD)
    console.clients.append(ada)
    bob = console.client("bob")
    for client in (ada, bob):
        client.send("JOIN #club")
        client.expect(lambda m: m.command == "366" and m.params[1] == "#club")
    ada.send("PRIVMSG ChanServ :REGISTER #club")
    ada.expect(lambda m: m.command == "NOTICE" and "registered to your account" in m.params[1])
    console.pump(lambda: (r := row(console, "#club")) is not None and r[4] == "ada")
    lobby = row(console, "#lobby")
    assert lobby is not None and lobby[4] == ""  # not registered: blank

    channels = console.window.channels
    select_channel(console, "#lobby")
    channels.buttons["Drop registration…"].invoke()
    assert console.window.status.get() == "#lobby is not registered"

    select_channel(console, "#club")
    channels.buttons["Close channel…"].invoke()
    close = console.dialog("close_channel")
    assert "registered to ada: the registration stays" in message(close)
    close.set("reason", "closing time")
    close.buttons()["Close channel"].invoke()
    for client, nick in ((ada, "ada"), (bob, "bob")):
        kick = client.expect(lambda m, nick=nick: m.command == "KICK" and m.params[1] == nick)
        assert kick.source == "test.parley" and kick.params[2] == "closing time"
    console.pump(lambda: row(console, "#club") == ("#club", "0", "", "+nt", "ada"))
    assert console.window.status.get() == "Closed #club: 2 members removed (its registration stays)"

    select_channel(console, "#club")
    channels.buttons["Drop registration…"].invoke()
    drop = console.dialog("drop_registration")
    assert "founder ada" in message(drop)
    drop.buttons()["Drop registration"].invoke()
    console.pump(lambda: row(console, "#club") is None)
    assert console.window.status.get() == "#club is no longer registered"
