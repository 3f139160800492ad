"""The console: who a ban would hit before it is set, the nick of a refused connection in
the event log, and accounts made, re-passworded and deleted; a real server thread."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_console import OTHER, Console

from support.client import IrcClient

PASSWORD = "wonderland1"


@pytest.fixture
def console(make_root: Callable[[], tk.Tk], tmp_path: Path) -> Iterator[Console]:
    running = Console(make_root(), tmp_path)
    yield running
    running.stop()


def preview(console: Console) -> str:
    dialog = console.dialog("ban")
    labels = [w for w in dialog.body.winfo_children() if str(w.cget("style")) in
              ("Quiet.TLabel", "Error.TLabel")]  # fmt: skip
    return str(labels[-1].cget("text"))


def login(client: IrcClient, account: str, password: str) -> str:
    """NickServ's answer to IDENTIFY: logged in, or why not."""
    client.send(f"PRIVMSG NickServ :IDENTIFY {account} {password}")
    answer = client.expect(lambda m: m.command == "NOTICE" and m.source.startswith("NickServ"))
    return answer.params[1]


def test_the_ban_dialog_says_who_it_would_disconnect_before_it_is_set(console: Console) -> None:
    console.client("visitor", source=OTHER)
    bystander = console.client("bystander", source=OTHER)  # the same shared address
    console.select_user("visitor")
    console.window.users.buttons["Ban…"].invoke()
    dialog = console.dialog("ban")
    assert dialog.values()["mask"] == "visitor!*@*"  # the nick's mask, not the address
    console.pump(lambda: preview(console) == "Would disconnect now (1): visitor")
    dialog.set("kind", "address")
    console.pump(lambda: preview(console) == "Would disconnect now (2): bystander, visitor")
    dialog.set("kind", "hostmask")
    dialog.set("mask", "*")
    console.pump(lambda: "would ban everyone" in preview(console))
    dialog.set("mask", "nobody!*@*")
    console.pump(lambda: preview(console) == "Nobody connected now matches.")
    dialog.set("mask", "visitor!*@*")
    console.pump(lambda: preview(console).endswith(": visitor"))
    dialog.buttons()["Ban"].invoke()
    console.pump(lambda: console.nicks() == ["bystander"])
    bystander.send("PING :still")
    bystander.expect("PONG")


def test_a_refused_connection_is_logged_with_the_nick_it_asked_for(console: Console) -> None:
    console.admin.ban("baddie!*@*", 0, "go away").result(15)
    refused = IrcClient(console.port)
    refused.send("NICK baddie")
    refused.send("USER b 0 * :B")
    refused.wait_closed()
    refused.close()
    console.pump(lambda: any("left before registering as baddie: Banned" in line
                             for line in console.window.events.lines()))  # fmt: skip


def open_accounts(console: Console) -> None:
    console.window.tabs.select(console.window.accounts.page)
    console.pump(lambda: "accounts" in str(console.window.accounts.count.cget("text")))


def test_accounts_are_created_given_a_new_password_and_deleted(console: Console) -> None:
    open_accounts(console)
    accounts = console.window.accounts
    assert accounts.table.shown() == []
    accounts.buttons["Create account…"].invoke()
    dialog = console.dialog("create_account")
    dialog.set("name", "ada")
    dialog.set("password", PASSWORD)
    dialog.set("again", PASSWORD + "x")
    dialog.buttons()["Create account"].invoke()
    assert dialog.error.get() == "The two passwords differ"  # before the server is asked
    dialog.set("again", "short")
    dialog.set("password", "short")
    dialog.buttons()["Create account"].invoke()
    console.pump(lambda: dialog.error.get())
    assert "at least 8 characters" in dialog.error.get()
    dialog.set("name", "9 lives")
    dialog.set("password", PASSWORD)
    dialog.set("again", PASSWORD)
    dialog.buttons()["Create account"].invoke()
    console.pump(lambda: dialog.error.get())
    assert "cannot be an account name" in dialog.error.get()
    dialog.set("name", "ada")
    dialog.buttons()["Create account"].invoke()
    console.pump(lambda: accounts.table.shown() == [("ada", "")])
    assert "create_account" not in console.window.dialogs

    ada = console.client("ada")
    assert "logged in as" in login(ada, "ada", PASSWORD)
    console.pump(lambda: console.window.refresh_accounts() or accounts.table.shown()
                 == [("ada", "ada")])  # fmt: skip

    accounts.buttons["Create account…"].invoke()  # the same name again
    again = console.dialog("create_account")
    for name, value in (("name", "ADA"), ("password", PASSWORD), ("again", PASSWORD)):
        again.set(name, value)
    again.buttons()["Create account"].invoke()
    console.pump(lambda: again.error.get())
    assert "exists already" in again.error.get()
    again.close()

    accounts.table.select("ada")
    console.pump(lambda: accounts.selected() is not None)
    accounts.buttons["New password…"].invoke()
    reset = console.dialog("reset_password")
    reset.set("password", "anewsecret1")
    reset.set("again", "anewsecret1")
    reset.buttons()["Set password"].invoke()
    console.pump(lambda: "reset_password" not in console.window.dialogs)
    other = console.client("other")
    assert "logged in as" not in login(other, "ada", PASSWORD)
    assert "logged in as" in login(other, "ada", "anewsecret1")

    accounts.table.select("ada")
    console.pump(lambda: accounts.selected() is not None)
    accounts.buttons["Delete account…"].invoke()
    delete = console.dialog("delete_account")
    assert "will be logged out" in str(delete.body.winfo_children()[0].cget("text"))
    delete.buttons()["Delete account"].invoke()
    console.pump(lambda: accounts.table.shown() == [])
    ada.expect(lambda m: m.command == "NOTICE" and "was deleted" in m.params[1])
    assert "logged in as" not in login(ada, "ada", "anewsecret1")
