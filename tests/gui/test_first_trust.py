"""TLS trust on first use, asked in the connect dialog; a changed certificate refused;
the recent-servers list keeps only servers reached, with TLS; a missing keyring said."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path
from tkinter import ttk

import keyring
import pytest
from keyring.backends import fail
from test_connect_dialog import MemoryKeyring, closed_port

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.settings import ConnectSettings, keyring_problem, load_settings
from parley.client.pins import PinStore
from parley.irc.dnssd import Description, Found
from support.servers import ThreadServer
from support.tkpump import attempt, pump


def texts(top: tk.Misc) -> str:
    return "\n".join(
        str(w.cget("text")) for f in top.winfo_children() for w in f.winfo_children()
        if isinstance(w, ttk.Label)
    )  # fmt: skip


def buttons(top: tk.Misc) -> dict[str, ttk.Button]:
    return {
        str(w.cget("text")): w for f in top.winfo_children() for w in f.winfo_children()
        if isinstance(w, ttk.Button)
    }  # fmt: skip


@pytest.fixture
def tls_dialog(
    make_root: Callable[[], tk.Tk], tmp_path: Path, make_server: Callable[..., ThreadServer]
) -> Iterator[tuple[ConnectDialog, ThreadServer]]:
    server = make_server(tls=True)
    settings = ConnectSettings(host="127.0.0.1", port=server.tls_port, tls=True, nick="ada")
    dialog = ConnectDialog(make_root(), settings, tmp_path / "config")
    yield dialog, server
    for connection in (dialog.connection, dialog.window and dialog.window.connection):
        if connection is not None:
            connection.close()


def asked(dialog: ConnectDialog) -> tk.Toplevel:
    dialog.button.invoke()
    pump([dialog.root], lambda: "certificate" in dialog.dialogs or dialog.connection is None)
    assert "certificate" in dialog.dialogs, dialog.message.get()
    return dialog.dialogs["certificate"]


def test_the_first_tls_connection_shows_the_fingerprint_and_asks(
    tls_dialog: tuple[ConnectDialog, ThreadServer],
) -> None:
    dialog, server = tls_dialog
    assert server.process is not None and server.process.fingerprint
    pins = PinStore(dialog.folder / "pins.json")
    top = asked(dialog)
    text = texts(top)
    assert server.process.fingerprint in text
    assert "printed when it started" in text and "parley: TLS certificate SHA-256" in text
    assert pins.get("127.0.0.1", server.tls_port) is None  # nothing trusted silently
    assert dialog.window is None
    buttons(top)["Trust and connect"].invoke()
    pump([dialog.root], lambda: dialog.window is not None or dialog.connection is None)
    assert dialog.window is not None, dialog.message.get()
    assert pins.get("127.0.0.1", server.tls_port) == server.process.fingerprint
    window = dialog.window
    pump([dialog.root], lambda: "#lobby" in window.conversations)
    history = "\n".join(window.conversations["*server*"].history)
    assert "Disconnected" not in history  # the paused first session is not the window's


def test_refusing_the_certificate_stays_disconnected_and_trusts_nothing(
    tls_dialog: tuple[ConnectDialog, ThreadServer],
) -> None:
    dialog, server = tls_dialog
    buttons(asked(dialog))["Do not connect"].invoke()
    pump([dialog.root], lambda: dialog.connection is None)
    assert "not trusted" in dialog.message.get() and dialog.window is None
    assert PinStore(dialog.folder / "pins.json").get("127.0.0.1", server.tls_port) is None
    assert load_settings(dialog.folder).recent == []  # never reached


def test_closing_the_question_refuses(tls_dialog: tuple[ConnectDialog, ThreadServer]) -> None:
    dialog, _server = tls_dialog
    top = asked(dialog)
    top.tk.call(top.protocol("WM_DELETE_WINDOW"))
    pump([dialog.root], lambda: dialog.connection is None)
    assert "not trusted" in dialog.message.get()


def test_a_trusted_server_is_not_asked_again(
    tls_dialog: tuple[ConnectDialog, ThreadServer],
) -> None:
    dialog, server = tls_dialog
    assert server.process is not None and server.process.fingerprint
    PinStore(dialog.folder / "pins.json").pin("127.0.0.1", server.tls_port,
                                              server.process.fingerprint)  # fmt: skip
    assert attempt(dialog) == ""
    assert "certificate" not in dialog.dialogs


def test_a_changed_certificate_is_refused_with_a_warning(
    tls_dialog: tuple[ConnectDialog, ThreadServer],
) -> None:
    dialog, server = tls_dialog
    assert server.process is not None and server.process.fingerprint
    pins = PinStore(dialog.folder / "pins.json")
    pins.pin("127.0.0.1", server.tls_port, "AA:BB:CC")
    message = attempt(dialog)
    assert message.startswith("WARNING: not connected")
    assert "AA:BB:CC" in message and server.process.fingerprint in message
    assert str(dialog.folder / "pins.json") in message  # how to accept a confirmed one
    assert "certificate" not in dialog.dialogs  # refused, not offered with one click
    assert pins.get("127.0.0.1", server.tls_port) == "AA:BB:CC"


def test_a_fingerprint_unlike_the_announced_one_is_flagged(
    tls_dialog: tuple[ConnectDialog, ThreadServer],
) -> None:
    dialog, server = tls_dialog
    spoofed = Description("parley.local", "Parley", server.tls_port, "11:22:33")
    dialog.announced = Found("Parley on pc", "127.0.0.1", server.tls_port, True, spoofed)
    top = asked(dialog)
    assert "NOT the fingerprint announced" in texts(top) and "11:22:33" in texts(top)
    assert server.process is not None
    dialog.announced = Found("Parley on pc", "127.0.0.1", server.tls_port, True,
                             Description("p", "P", None, server.process.fingerprint))  # fmt: skip
    buttons(top)["Do not connect"].invoke()
    pump([dialog.root], lambda: dialog.connection is None)
    assert "also the fingerprint this server announced" in texts(asked(dialog))


def test_recent_servers_are_only_those_reached_with_their_tls(
    tls_dialog: tuple[ConnectDialog, ThreadServer], make_root: Callable[[], tk.Tk]
) -> None:
    dialog, _server = tls_dialog
    port = dialog.settings.port
    dialog.port.set(str(closed_port()))
    assert attempt(dialog) != ""
    assert load_settings(dialog.folder).recent == []
    dialog.port.set(str(port))
    buttons(asked(dialog))["Trust and connect"].invoke()
    pump([dialog.root], lambda: dialog.window is not None or dialog.connection is None)
    saved = load_settings(dialog.folder)
    assert saved.recent == [f"127.0.0.1:{port}"]
    assert saved.recent_tls == {f"127.0.0.1:{port}": True}
    again = ConnectDialog(make_root(), ConnectSettings(**{**saved.__dict__, "tls": False}),
                          dialog.folder)  # fmt: skip
    again.host.set(f"127.0.0.1:{port}")
    again.fields["host"].event_generate("<<ComboboxSelected>>")
    pump([again.root], lambda: again.tls.get())


def test_a_missing_keyring_is_said(make_root: Callable[[], tk.Tk], tmp_path: Path) -> None:
    previous = keyring.get_keyring()
    try:
        keyring.set_keyring(fail.Keyring())
        note = keyring_problem()
        assert note is not None and "not remembered" in note
        dialog = ConnectDialog(make_root(), ConnectSettings(), tmp_path)
        assert str(dialog.keyring_note.cget("text")) == note
        keyring.set_keyring(MemoryKeyring())
        assert keyring_problem() is None
        dialog = ConnectDialog(make_root(), ConnectSettings(), tmp_path)
        assert str(dialog.keyring_note.cget("text")) == ""
    finally:
        keyring.set_keyring(previous)
