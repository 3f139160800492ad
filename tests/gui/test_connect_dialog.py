"""The connect dialog against real servers: every refusal is told in the dialog, whose
fields stay as they were; fixing the field and pressing Connect again works."""

from __future__ import annotations

import re
import socket
from collections.abc import Callable
from pathlib import Path
from tkinter import ttk

import keyring
from keyring.backend import KeyringBackend

from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.settings import load_settings
from parley.server.config import Mail as MailConfig
from parley.server.config import Registration
from parley.server.passwords import credentials
from parley.server.store.bans import Ban
from support.client import IrcClient
from support.servers import ThreadServer
from support.smtp_sink import SmtpSink
from support.tkpump import attempt, pump


class MemoryKeyring(KeyringBackend):
    """An OS keyring stand-in: the desktop's secret service is not on a test machine."""

    priority = 1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[service, username] = password

    def delete_password(self, service: str, username: str) -> None:
        del self.secrets[service, username]


def focused(dialog: ConnectDialog) -> str | None:
    """The field that has the focus (or gets it when the window does)."""
    dialog.root.update()
    widget = dialog.root.focus_lastfor()
    return next((name for name, entry in dialog.fields.items() if entry is widget), None)


def closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_bad_port_and_nick_are_explained_before_connecting(
    open_dialog: Callable[..., ConnectDialog],
) -> None:
    dialog = open_dialog(99999, "ok")
    dialog.button.invoke()
    assert "port" in dialog.message.get() and focused(dialog) == "port"
    dialog.port.set("6697")
    dialog.nick.set("9 lives")
    dialog.button.invoke()
    assert "cannot be a nickname" in dialog.message.get() and focused(dialog) == "nick"
    assert dialog.window is None and dialog.connection is None


def test_connecting_opens_the_window_and_remembers_the_server(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog], tmp_path: Path
) -> None:
    dialog = open_dialog(server.port, "dialog")
    assert attempt(dialog) == ""
    remembered = load_settings(tmp_path / "config")
    assert remembered.nick == "dialog" and remembered.recent == [f"127.0.0.1:{server.port}"]
    assert "password" not in (tmp_path / "config" / "client.json").read_text()


def test_unreachable_server_is_explained_and_the_fields_stay(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    port = closed_port()
    dialog = open_dialog(port, "patient", password="kept-as-typed")
    message = attempt(dialog)
    assert f"Nothing answers at 127.0.0.1:{port} (connection refused)" in message
    assert (dialog.host.get(), dialog.port.get(), dialog.nick.get()) == (
        "127.0.0.1", str(port), "patient",
    )  # fmt: skip
    assert dialog.password.get() == "kept-as-typed"
    dialog.port.set(str(server.port))
    dialog.password.set("")
    assert attempt(dialog) == ""


def test_tls_against_a_plain_port_is_explained(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    dialog = open_dialog(server.port, "secure", tls=True)
    message = attempt(dialog)
    assert "did not answer in TLS" in message and "untick Encrypted (TLS)" in message
    dialog.tls.set(False)
    assert attempt(dialog) == ""


def test_cancel_while_connecting_gives_the_form_back(
    open_dialog: Callable[..., ConnectDialog],
) -> None:
    with socket.socket() as silent:  # accepts, never answers the TLS handshake
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        dialog = open_dialog(silent.getsockname()[1], "waiting", tls=True)
        dialog.button.invoke()
        assert str(dialog.button.cget("text")) == "Cancel"
        assert "Connecting to 127.0.0.1" in dialog.message.get()
        dialog.button.invoke()
        assert dialog.connection is None and str(dialog.button.cget("text")) == "Connect"
        assert "Cancelled" in dialog.message.get()


def test_wrong_or_missing_server_password_is_explained(
    make_server: Callable[..., ThreadServer], open_dialog: Callable[..., ConnectDialog]
) -> None:
    server = make_server(password="let-me-in")
    dialog = open_dialog(server.port, "guest")
    assert "needs a server password" in attempt(dialog)
    assert focused(dialog) == "server_password"
    dialog.server_password.set("wrong")
    assert attempt(dialog) == "The server password is wrong."
    dialog.server_password.set("let-me-in")
    assert attempt(dialog) == ""


def test_taken_nick_is_told_and_a_suggestion_filled_in(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    holder = IrcClient(server.port)
    holder.register("popular")
    dialog = open_dialog(server.port, "popular")
    message = attempt(dialog)
    assert "The nickname popular is taken" in message and "popular_ is filled in" in message
    assert dialog.nick.get() == "popular_" and focused(dialog) == "nick"
    assert attempt(dialog) == ""  # the user presses Connect again, once
    assert dialog.window is not None and dialog.window.nick == "popular_"
    holder.close()


def test_nick_the_server_refuses_is_explained(
    make_server: Callable[..., ThreadServer], open_dialog: Callable[..., ConnectDialog]
) -> None:
    server = make_server(limits={"nick_length": 6})
    dialog = open_dialog(server.port, "longername")  # fine here, too long for that server
    assert "does not accept longername as a nickname" in attempt(dialog)
    assert focused(dialog) == "nick"


def test_banned_user_is_told_why(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    assert server.process is not None
    ban = Ban("*!*@127.0.0.1", "flooding the lobby", "admin", 0.0, None)
    server.call(server.process.core.bans.add, ban)
    message = attempt(open_dialog(server.port, "unwelcome"))
    assert message.startswith("The server refused you:") and "flooding the lobby" in message


def create_account(server: ThreadServer, name: str, password: str) -> None:
    assert server.process is not None
    server.call(server.process.accounts.create, name, *credentials(password))


def test_wrong_account_password_is_explained(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    create_account(server, "carol", "right-password")
    dialog = open_dialog(server.port, "carol", password="wrong-password")
    message = attempt(dialog)
    assert "The account password for carol is not right" in message
    assert focused(dialog) == "password" and dialog.nick.get() == "carol"
    dialog.password.set("right-password")
    assert attempt(dialog) == ""
    assert dialog.window is not None
    assert any("logged in to the account carol" in x for x in dialog.window.conversations[
        "*server*"].history)  # fmt: skip


def test_creating_an_account_from_the_dialog_then_logging_in_with_it(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    first = open_dialog(server.port, "newbie", password="short", create_account=True)
    first.button.invoke()
    assert "at least 8 characters" in first.message.get()  # checked before connecting
    first.password.set("newbie-password")
    assert attempt(first) == ""
    assert first.window is not None
    server_tab = first.window.conversations["*server*"].history
    assert any("Account newbie created" in line for line in server_tab)
    first.window.connection.close()
    again = open_dialog(server.port, "newbie", password="newbie-password")
    assert attempt(again) == ""
    assert again.window is not None
    assert any("logged in to the account newbie" in x for x in again.window.conversations[
        "*server*"].history)  # fmt: skip


def test_creating_an_account_whose_name_is_taken_says_so(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    create_account(server, "owned", "owner-password")
    dialog = open_dialog(server.port, "owned", password="another-password", create_account=True)
    message = attempt(dialog)
    assert "An account named owned already exists" in message and focused(dialog) == "nick"


def test_too_many_new_accounts_from_one_address_are_refused_clearly(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    for n in range(3):  # the server allows three an address in ten minutes
        client = IrcClient(server.port)
        client.register(f"early{n}")
        client.send("REGISTER * * a-good-password")
        assert client.expect("REGISTER").params[0] == "SUCCESS"
        client.close()
    dialog = open_dialog(server.port, "late", password="a-good-password", create_account=True)
    assert "Too many accounts were just created from your address" in attempt(dialog)


def test_passwords_go_to_the_keyring_and_fill_the_next_dialog(
    make_server: Callable[..., ThreadServer],
    open_dialog: Callable[..., ConnectDialog],
    tmp_path: Path,
) -> None:
    server = make_server(password="let-me-in")
    create_account(server, "dana", "dana-password")
    previous, memory = keyring.get_keyring(), MemoryKeyring()
    keyring.set_keyring(memory)
    try:
        dialog = open_dialog(server.port, "dana", password="dana-password",
                             server_password="let-me-in")  # fmt: skip
        assert attempt(dialog) == ""
        assert set(memory.secrets.values()) == {"dana-password", "let-me-in"}
        stored = (tmp_path / "config" / "client.json").read_text()
        assert "dana-password" not in stored and "let-me-in" not in stored
        dialog.window.connection.close()  # type: ignore[union-attr]
        again = open_dialog(server.port, "dana")
        assert (again.password.get(), again.server_password.get()) == (
            "dana-password", "let-me-in",
        )  # fmt: skip
    finally:
        keyring.set_keyring(previous)


def test_taken_nick_with_an_account_still_logs_in_to_that_account(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog]
) -> None:
    create_account(server, "erin", "erin-password")
    ghost = IrcClient(server.port)  # an earlier connection of hers, not yet timed out
    ghost.register("erin")
    dialog = open_dialog(server.port, "erin", password="erin-password")
    message = attempt(dialog)
    assert "erin_ is filled in" in message and "still log in to the account erin" in message
    assert attempt(dialog) == ""
    assert dialog.window is not None and dialog.window.nick == "erin_"
    server_tab = dialog.window.conversations["*server*"].history
    assert any("logged in to the account erin" in line for line in server_tab)
    ghost.close()


def test_an_account_that_needs_the_mailed_code_is_finished_from_the_window(
    make_server: Callable[..., ThreadServer], open_dialog: Callable[..., ConnectDialog]
) -> None:
    """The server mails a code (a real SMTP sink): the window asks for it, VERIFY logs in."""
    with SmtpSink() as sink:
        server = make_server(
            registration=Registration(email_required=True),
            mail=MailConfig(smtp_host="127.0.0.1", smtp_port=sink.port, timeout=10.0),
        )
        dialog = open_dialog(server.port, "mailer", password="mailer-password",
                             create_account=True, email="not an address")  # fmt: skip
        dialog.button.invoke()
        assert "not an e-mail address" in dialog.message.get() and focused(dialog) == "email"
        dialog.email.set("mailer@example.org")
        assert attempt(dialog) == ""  # in, as a guest while the code is on its way
        window = dialog.window
        assert window is not None
        pump([window.root], lambda: "verify" in window.dialogs)
        pump([window.root], lambda: len(sink.messages) == 1)
        code = re.search(r"VERIFY mailer (\S+)", str(sink.messages[0].get_payload()))
        assert code is not None
        body, buttons = window.dialogs["verify"].winfo_children()
        entry = next(w for w in body.winfo_children() if isinstance(w, ttk.Entry))
        entry.insert(0, code.group(1))  # as the user pastes it from the mail
        confirm = next(w for w in buttons.winfo_children() if w.cget("text") == "Confirm")
        confirm.invoke()
        server_tab = window.conversations["*server*"].history
        pump([window.root], lambda: any("logged in to the account mailer" in x for x in server_tab))
        assert any("Account mailer created" in line for line in server_tab)
