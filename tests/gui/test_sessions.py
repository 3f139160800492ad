"""Persistent sessions through the desktop client, on a server with a real SQLite data dir:
logging in brings back the channels, their history and the private messages missed; after
a server restart the client fetches only what it missed."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from test_window import lines, type_line

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.window import ChatWindow
from parley.server.config import Address
from parley.server.passwords import credentials
from support.client import IrcClient
from support.servers import ThreadServer
from support.servers import test_config as server_config
from support.tkpump import attempt, pump


def log_in(open_dialog: Callable[..., ConnectDialog], port: int, **fields: object) -> ChatWindow:
    dialog = open_dialog(port, "carol", password="carol-password", **fields)
    assert attempt(dialog) == ""
    assert dialog.window is not None
    return dialog.window


def said(window: ChatWindow, conversation: str, text: str) -> int:
    """How many lines of the conversation show `text`."""
    return sum(text in line for line in lines(window, conversation))


def test_logging_in_brings_back_channels_history_and_missed_messages(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    carol = log_in(open_dialog, server.port, create_account=True)  # a new user's account
    type_line(carol, "/join #garden")
    pump([carol.root], lambda: "#garden" in carol.conversations)
    type_line(carol, "the roses are out")
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("JOIN #garden")
    bob.send("PRIVMSG #garden :lovely")
    pump([carol.root], lambda: said(carol, "#garden", "<bob> lovely") == 1)
    carol.entry.insert(0, "/quit see you")  # closes the window: no waiting on it after
    carol.entry.event_generate("<Return>")
    bob.expect("QUIT")
    bob.send("PRIVMSG #garden :said while carol was away")
    bob.send("PRIVMSG carol :a word for you while you were out")
    bob.sync()

    back = log_in(open_dialog, server.port)  # another machine: a new client, same account
    pump([back.root], lambda: said(back, "bob", "a word for you while you were out") == 1)
    pump([back.root], lambda: said(back, "#garden", "said while carol was away") == 1)
    assert "#garden" in back.conversations  # rejoined by the server
    assert said(back, "#garden", "<carol> the roses are out") == 1  # the channel's history
    assert said(back, "#garden", "<bob> lovely") == 1
    assert "bob (1) @" in back.tab_labels()  # the missed private message waits, a mention
    bob.close()


def test_after_a_server_restart_the_client_fetches_only_what_it_missed(
    make_server: Callable[..., ThreadServer],
    open_dialog: Callable[..., ConnectDialog],
    tmp_path: Path,
) -> None:
    config = server_config(tmp_path / "data")  # one SQLite data dir for both runs
    first = ThreadServer(config).start()
    port = first.port
    assert first.process is not None
    first.call(first.process.accounts.create, "carol", *credentials("carol-password"))
    carol = log_in(open_dialog, port)
    carol.connection.backoff = (120.0,)  # reconnect when the user says so
    type_line(carol, "/join #garden")
    pump([carol.root], lambda: "#garden" in carol.conversations)
    bob = IrcClient(port)
    bob.register("bob")
    bob.send("JOIN #garden")
    bob.send("PRIVMSG #garden :before the restart")
    pump([carol.root], lambda: said(carol, "#garden", "before the restart") == 1)
    bob.close()
    first.stop()
    pump([carol.root], lambda: "reconnecting in" in carol.status.get())
    assert carol.reconnect_button.winfo_ismapped()

    second = ThreadServer(replace(config, listen=(Address("127.0.0.1", port),))).start()
    try:
        bob = IrcClient(port)
        bob.register("bob")
        bob.send("JOIN #garden")
        bob.send("PRIVMSG #garden :while carol was reconnecting")
        bob.sync()
        carol.reconnect_button.invoke()  # the user does not wait for the backoff
        pump([carol.root], lambda: carol.status.get().startswith("connected"), timeout=20)
        pump([carol.root], lambda: said(carol, "#garden", "while carol was reconnecting") == 1)
        bob.send("PRIVMSG #garden :after")
        pump([carol.root], lambda: said(carol, "#garden", "<bob> after") == 1)
        assert said(carol, "#garden", "before the restart") == 1  # not fetched twice
        bob.close()
    finally:
        carol.connection.close()
        second.stop()
