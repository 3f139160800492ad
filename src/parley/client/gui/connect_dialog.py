"""The connect dialog: pick a server and a nick, and be told in place what went wrong.

How this works: Connect checks the form, then starts a Connection that is not
retried before its first welcome, and polls its events with `after()`. Until the
welcome the events are kept. A refusal (taken or invalid nick, wrong server or
account password, a ban, an account that cannot be created) or a failed connection
ends the attempt and is explained under the form, whose fields stay as they were,
so the user fixes one and presses Connect again. The welcome (and the login, when
one was asked for) opens the chat window, handed the connection and the kept events.
"""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from tkinter import ttk

from parley.client import state as cs
from parley.client.connection import (
    CertificateChanged,
    CertificateUnknown,
    Connection,
    ConnectionEvent,
    Disconnected,
)
from parley.client.gui import dialogs
from parley.client.gui.lan_list import LanList, LanSource
from parley.client.gui.settings import (
    ConnectSettings,
    account_key,
    keyring_problem,
    save_settings,
    server_key,
    store_secret,
    stored_secret,
)
from parley.client.gui.theme import PALETTES, style_ttk
from parley.client.gui.trust_dialog import changed_warning, first_certificate
from parley.client.gui.window import POLL_MS, ChatWindow
from parley.client.pins import PinStore
from parley.irc.casemap import valid_nick
from parley.irc.dnssd import Found

WELCOME_TIMEOUT_MS = 30_000  # from connecting to the server's welcome
MIN_ACCOUNT_PASSWORD = 8  # what Parley asks of a new account's password
DEFAULT_PORTS = {True: "6697", False: "6667"}  # by TLS on or off


def login_problem(event: cs.LoginFailed, account: str) -> str:
    """Why logging in failed, and what to do about it."""
    if event.code == "":
        return f"{event.reason}: connect without an account password."
    if event.code == "904":
        return (
            f"The account password for {account} is not right, or there is no account "
            f"{account}. After several tries, wait a minute. New here? Tick “Create an account”."
        )
    return f"Logging in to {account} failed: {event.reason}"


def account_problem(event: cs.AccountRefused, nick: str) -> tuple[str, str | None]:
    """Why the account was not created, and the field to change."""
    if event.code == "ACCOUNT_EXISTS":
        return (
            f"An account named {nick} already exists. If it is yours, untick “Create an "
            "account” to log in with its password; if not, choose another nickname.",
            "nick",
        )
    if event.code == "TEMPORARILY_UNAVAILABLE":
        return (
            "Too many accounts were just created from your address. Try again in a few "
            "minutes, or connect without creating one.",
            None,
        )
    if event.code == "WEAK_PASSWORD":
        return f"The server wants a stronger password: {event.text}.", "password"
    if event.code == "UNAVAILABLE":
        return (
            "This server does not create accounts from here. Untick “Create an account” "
            "(once connected, /msg NickServ HELP may tell how to register).",
            None,
        )
    if event.code == "BAD_ACCOUNT_NAME":
        return f"{nick} cannot be an account name: {event.text}.", "nick"
    return f"The account was not created: {event.text}", None


MAX_EMAIL = 254  # characters of an e-mail address (RFC 5321)


@dataclass
class Login:
    """Who this is, for each (re)connection: the Connection calls `new_state`."""

    nick: str
    password: str | None
    server_password: str | None
    create_account: bool
    account: str | None = None  # log into this account when the nick differs
    email: str | None = None  # given with REGISTER, where the server mails a code

    def new_state(self) -> cs.ClientState:
        return cs.ClientState(
            self.nick, password=self.password, server_password=self.server_password,
            create_account=self.create_account, account=self.account, email=self.email,
        )  # fmt: skip


class ConnectDialog:
    """The form; then, while connecting, what happens; then the chat window."""

    def __init__(
        self,
        root: tk.Tk,
        settings: ConnectSettings,
        folder: Path,
        lan: Callable[[], LanSource | None] | None = None,
    ) -> None:
        """`lan` starts the search for servers on the local network (None: no list)."""
        self.root, self.folder, self.settings = root, folder, settings
        self.lan: LanList | None = None
        self.announced: Found | None = None  # the LAN server chosen, while the form is its
        self.window: ChatWindow | None = None
        self.connection: Connection | None = None
        self.login: Login | None = None
        self.kept: list[cs.Event | ConnectionEvent] = []  # replayed into the window
        self.registered = self.logged_in = self.verifying = False
        self.closed_reason: str | None = None  # the server's ERROR text, if it sent one
        self.renamed: tuple[str, str] | None = None  # (suggested nick, the account's name)
        self.dialogs: dict[str, tk.Toplevel] = {}
        self._timers: list[str] = []
        self.host = tk.StringVar(root, settings.host)
        self.port = tk.StringVar(root, str(settings.port))
        self.tls = tk.BooleanVar(root, settings.tls)
        self.server_password = tk.StringVar(
            root, stored_secret(server_key(settings.host, settings.port)) or ""
        )
        self.nick = tk.StringVar(root, settings.nick)
        self.password = tk.StringVar(
            root, stored_secret(account_key(settings.host, settings.nick)) or ""
        )
        self.create_account = tk.BooleanVar(root, False)
        self.email = tk.StringVar(root, "")
        self.dark = tk.BooleanVar(root, settings.theme == "dark")
        self.message = tk.StringVar(root, "")
        style_ttk(root, PALETTES[settings.theme])
        self._build()
        if lan is not None:
            self.lan = LanList(self.frame, lan(), self._lan_chosen)
            self.lan.frame.grid(row=1, column=2, rowspan=11, sticky="nsew")
        root.title("Parley: connect")
        root.bind("<Return>", lambda _e: self.connect())

    # -- the form ----------------------------------------------------------------

    def _build(self) -> None:
        f = self.frame = ttk.Frame(self.root, padding=(24, 20, 24, 16))
        f.pack(fill="both", expand=True)
        f.columnconfigure(1, weight=1)
        ttk.Label(f, text="Connect to a chat server", style="Heading.TLabel").grid(
            row=0, column=0, columnspan=2, sticky="w", pady=(0, 14)
        )
        self.fields: dict[str, ttk.Entry] = {}
        servers = ttk.Combobox(f, textvariable=self.host, width=32, values=self.settings.recent)
        servers.bind("<<ComboboxSelected>>", self._recent_chosen)
        self.fields["host"] = servers
        self._row(1, "Server", servers)
        port_row = ttk.Frame(f)
        self.fields["port"] = ttk.Entry(port_row, textvariable=self.port, width=7)
        self.fields["port"].pack(side="left")
        self.tls_box = ttk.Checkbutton(
            port_row, text="Encrypted (TLS)", variable=self.tls, command=self._tls_toggled
        )
        self.tls_box.pack(side="left", padx=(14, 0))
        self._row(2, "Port", port_row)
        self.fields["server_password"] = ttk.Entry(f, textvariable=self.server_password, show="•")
        self._row(3, "Server password", self.fields["server_password"],
                  "Only if the server asks for one.")  # fmt: skip
        ttk.Separator(f).grid(row=5, column=0, columnspan=2, sticky="ew", pady=12)
        self.fields["nick"] = ttk.Entry(f, textvariable=self.nick)
        self._row(6, "Nickname", self.fields["nick"])
        self.fields["password"] = ttk.Entry(f, textvariable=self.password, show="•")
        self._row(7, "Account password", self.fields["password"],
                  "Optional: logs you in to the account named like your nickname.")  # fmt: skip
        self.create_box = ttk.Checkbutton(
            f, text="Create an account with this nickname", variable=self.create_account
        )
        self.create_box.grid(row=9, column=1, sticky="w", pady=(4, 0))
        self.fields["email"] = ttk.Entry(f, textvariable=self.email)
        self._row(10, "E-mail", self.fields["email"],
                  "Only to create an account on a server that mails you a code.")  # fmt: skip
        self.message_label = ttk.Label(f, textvariable=self.message, wraplength=580,
                                       justify="left")  # fmt: skip
        self.message_label.grid(row=12, column=0, columnspan=2, sticky="w", pady=(14, 6))
        self.dark_box = ttk.Checkbutton(
            f, text="Dark theme", variable=self.dark, command=self._theme_toggled
        )
        self.dark_box.grid(row=13, column=0, sticky="w")
        self.button = ttk.Button(f, text="Connect", command=self.connect, style="Accent.TButton")
        self.button.grid(row=13, column=1, sticky="e")
        self.keyring_note = ttk.Label(f, text=keyring_problem() or "", style="Quiet.TLabel",
                                      wraplength=580, justify="left")  # fmt: skip
        self.keyring_note.grid(row=14, column=0, columnspan=2, sticky="w", pady=(10, 0))
        self.fields["nick" if self.settings.nick == "" else "password"].focus_set()

    def _row(self, row: int, label: str, widget: ttk.Widget, hint: str = "") -> None:
        ttk.Label(self.frame, text=label).grid(row=row, column=0, sticky="w", padx=(0, 14), pady=3)
        widget.grid(row=row, column=1, sticky="ew", pady=3)
        if hint:
            ttk.Label(self.frame, text=hint, style="Quiet.TLabel").grid(
                row=row + 1, column=1, sticky="w"
            )

    def _recent_chosen(self, _event: object) -> None:
        host, _, port = self.host.get().rpartition(":")
        if host and port.isdigit():
            self.host.set(host)
            self.port.set(port)
            known = self.settings.recent_tls
            if isinstance(known, dict) and f"{host}:{port}" in known:
                self.tls.set(bool(known[f"{host}:{port}"]))
            self.server_password.set(stored_secret(server_key(host, int(port))) or "")
            self.password.set(stored_secret(account_key(host, self.nick.get())) or "")

    def _lan_chosen(self, found: Found) -> None:
        """A server from the local network's list: its address, port and TLS in the form."""
        self.announced = found
        self.host.set(found.address)
        self.port.set(str(found.port))
        self.tls.set(found.tls)
        self.server_password.set(stored_secret(server_key(found.address, found.port)) or "")
        self.password.set(stored_secret(account_key(found.address, self.nick.get())) or "")
        certificate = found.description.fingerprint
        said = f" Its certificate, as announced: SHA-256 {certificate}." if certificate else ""
        self.show(f"{found.name}: {found.description.server or 'a chat server'} at "
                  f"{found.address}:{found.port}.{said}", error=False)  # fmt: skip

    def _tls_toggled(self) -> None:
        """The usual port follows TLS, unless the user chose another."""
        if self.port.get() == DEFAULT_PORTS[not self.tls.get()]:
            self.port.set(DEFAULT_PORTS[self.tls.get()])

    def _theme_toggled(self) -> None:
        self.settings.theme = "dark" if self.dark.get() else "light"
        style_ttk(self.root, PALETTES[self.settings.theme])

    def problem(self) -> tuple[str, str] | None:
        """What is wrong with the form, in words, and the field to fix; or None."""
        if not self.host.get().strip():
            return "Enter the server's name or address.", "host"
        if not self.port.get().isdigit() or not 0 < int(self.port.get()) < 65536:
            return "The port is a number from 1 to 65535 (often 6697 with TLS).", "port"
        if not valid_nick(self.nick.get(), dialogs.NICK_LENGTH):
            return f"“{self.nick.get()}” cannot be a nickname. {dialogs.NICK_RULE}", "nick"
        if self.create_account.get() and len(self.password.get()) < MIN_ACCOUNT_PASSWORD:
            return (
                f"To create an account, choose an account password of at least "
                f"{MIN_ACCOUNT_PASSWORD} characters.",
                "password",
            )
        email = self.email.get().strip()
        if email and (" " in email or email.count("@") != 1 or len(email) > MAX_EMAIL):
            return f"“{email[:40]}” is not an e-mail address (like you@example.org).", "email"
        return None

    def show(self, text: str, error: bool = True, field: str | None = None) -> None:
        """A message under the form; `field` gets the focus, its text selected."""
        self.message.set(text)
        self.message_label.configure(style="Error.TLabel" if error else "Quiet.TLabel")
        if field is not None:
            entry = self.fields[field]
            entry.focus_set()
            entry.select_range(0, "end")

    def _set_busy(self, busy: bool) -> None:
        state = "disabled" if busy else "!disabled"
        for widget in (*self.fields.values(), self.tls_box, self.create_box, self.dark_box):
            widget.state([state])
        self.button.configure(text="Cancel" if busy else "Connect")

    # -- connecting -----------------------------------------------------------------

    def connect(self) -> None:
        """Connect, or, while connecting, cancel."""
        if self.connection is not None:
            self._end_attempt("Cancelled: not connected.", error=False)
            return
        problem = self.problem()
        if problem is not None:
            self.show(problem[0], field=problem[1])
            return
        settings = self.settings
        settings.host, settings.port = self.host.get().strip(), int(self.port.get())
        settings.tls, settings.nick = self.tls.get(), self.nick.get()
        save_settings(self.folder, settings)  # the recent list only once it is reached
        nick, password = settings.nick, self.password.get() or None
        account = self.renamed[1] if self.renamed and self.renamed[0] == nick else None
        self.login = Login(nick, password, self.server_password.get() or None,
                           self.create_account.get(), account,
                           self.email.get().strip() or None)  # fmt: skip
        self.kept, self.registered, self.logged_in, self.closed_reason = [], False, False, None
        self.verifying = False
        self.connection = Connection(
            settings.host, settings.port, settings.tls, self.login.new_state,
            PinStore(self.folder / "pins.json"), retry_first=False, ask_first=True,
        )  # fmt: skip
        self._set_busy(True)
        self.show(f"Connecting to {settings.host}:{settings.port}…", error=False)
        self.connection.start()
        self._timers.append(self.root.after(WELCOME_TIMEOUT_MS, self._no_welcome))
        self._poll(self.connection)

    def _poll(self, connection: Connection) -> None:
        try:
            while self.connection is connection:
                self.handle(connection.events.get_nowait())
        except queue.Empty:
            pass
        if self.connection is connection:
            self._timers.append(self.root.after(POLL_MS, self._poll, connection))

    def handle(self, event: cs.Event | ConnectionEvent) -> None:
        """One event before the welcome: kept for the window, or the end of the attempt."""
        assert self.login is not None
        login = self.login
        if isinstance(event, cs.NickRefused):
            self._nick_refused(event)
            return
        if isinstance(event, CertificateUnknown):
            self._certificate_unknown(event)
            return
        if isinstance(event, Disconnected) and "certificate" in self.dialogs:
            return  # the session that waits for the user's answer
        refusal = self._refusal(event)
        if refusal is not None:
            self._end_attempt(*refusal)
            return
        self.kept.append(event)
        if isinstance(event, cs.LoggedIn):
            self.logged_in = True
        elif isinstance(event, cs.AccountCreated):
            login.create_account = False  # from now on, reconnections log in
        elif isinstance(event, cs.VerificationRequired):
            self.verifying = True  # the window asks for the mailed code
            login.create_account = False  # once the code is in, reconnections log in
        elif isinstance(event, cs.Registered):
            self.registered = True
        elif isinstance(event, cs.Closed):
            self.closed_reason = event.reason
        if self.registered and (self.logged_in or login.password is None or self.verifying):
            self._open_window()
        elif self.registered and not login.create_account:
            self._end_attempt(f"The server did not log you in to the account {login.nick}.",
                              "password")  # fmt: skip

    def _refusal(self, event: object) -> tuple[str, str | None] | None:
        """The words for an event that ends the attempt, and the field to fix; or None."""
        assert self.login is not None
        if isinstance(event, cs.PasswordRefused):
            if self.login.server_password is None:
                return "This server needs a server password: enter it above.", "server_password"
            return "The server password is wrong.", "server_password"
        if isinstance(event, cs.Banned):
            return f"The server refused you: {event.text}", None
        if isinstance(event, CertificateChanged):
            where = f"{self.settings.host}:{self.settings.port}"
            return changed_warning(where, event.old, event.new, self.folder / "pins.json"), None
        if isinstance(event, cs.LoginFailed):
            return login_problem(event, self.login.account or self.login.nick), "password"
        if isinstance(event, cs.AccountRefused):
            return account_problem(event, self.login.nick)
        if isinstance(event, Disconnected) and "certificate" not in self.dialogs:
            if self.closed_reason is not None:
                return f"The server closed the connection: {self.closed_reason}", None
            return event.reason, None
        return None

    def _nick_refused(self, event: cs.NickRefused) -> None:
        if event.reason == "taken":
            suggestion = dialogs.suggest_nick(event.nick)
            account = self.login.account if self.login else None
            self.renamed = (suggestion, account or event.nick) if self.password.get() else None
            kept = (
                f" You will still log in to the account {self.renamed[1]}." if self.renamed else ""
            )
            self.nick.set(suggestion)
            self._end_attempt(
                f"The nickname {event.nick} is taken on this server. {suggestion} is filled in: "
                f"press Connect to use it, or type another.{kept}",
                "nick",
            )
        else:
            self._end_attempt(f"The server does not accept {event.nick} as a nickname. "
                              "Try one with plain letters and digits.", "nick")  # fmt: skip

    def _certificate_unknown(self, event: CertificateUnknown) -> None:
        """The first TLS connection to this server: the user compares and decides."""
        connection = self.connection
        assert connection is not None
        settings, announced = self.settings, self.announced
        same = announced is not None and (announced.address, announced.port) == (
            settings.host, settings.port)  # fmt: skip
        said = announced.description.fingerprint if same and announced is not None else None

        def trust() -> None:
            self.kept.clear()  # what the untrusted session said is not the window's
            connection.trust(event.fingerprint)
            self._timers.append(self.root.after(WELCOME_TIMEOUT_MS, self._no_welcome))
            self.show(f"Connecting to {settings.host}:{settings.port}…", error=False)

        first_certificate(
            self.root, self.dialogs, f"{settings.host}:{settings.port}", event.fingerprint,
            said, trust,
            refuse=lambda: self._end_attempt("Not connected: the server's certificate was "
                                             "not trusted.", None),
        )  # fmt: skip
        self.show("Is this the server's certificate? Compare its fingerprint with the one "
                  "the server printed when it started.", error=False)  # fmt: skip

    def _no_welcome(self) -> None:
        if self.connection is not None and "certificate" not in self.dialogs:
            self._end_attempt(
                f"No welcome from {self.settings.host}:{self.settings.port} within "
                f"{WELCOME_TIMEOUT_MS // 1000} seconds. Is it an IRC server?",
                None,
            )

    def _stop_timers(self) -> None:
        for timer in self._timers:
            self.root.after_cancel(timer)
        self._timers.clear()

    def _end_attempt(self, text: str, field: str | None = None, error: bool = True) -> None:
        """Close the connection; the form is usable again, with the reason under it."""
        connection, self.connection = self.connection, None
        self._stop_timers()
        if connection is not None:
            connection.close()
        self._set_busy(False)
        self.show(text, error, field)

    def _open_window(self) -> None:
        """Connected: keep the passwords that worked, then the chat window takes over."""
        connection, self.connection = self.connection, None
        assert connection is not None and self.login is not None
        self._stop_timers()
        if self.lan is not None:
            self.lan.close()
        settings = self.settings
        settings.remember()  # reached: a recent server from now on, with its TLS setting
        save_settings(self.folder, settings)
        account = self.login.account or self.login.nick
        store_secret(account_key(settings.host, account), self.login.password or "")
        store_secret(server_key(settings.host, settings.port), self.login.server_password or "")
        self.frame.destroy()
        self.root.unbind("<Return>")
        self.window = ChatWindow(self.root, connection, settings.theme)
        for event in self.kept:
            self.window.handle(event)
