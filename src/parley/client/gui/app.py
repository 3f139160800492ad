"""The desktop client's start: the connect dialog, then the chat window.

Recent servers and the last nick are remembered in the user's config folder;
passwords never are (they go to the OS keyring when `keyring` is installed).
"""

from __future__ import annotations

import json
import tkinter as tk
from dataclasses import asdict, dataclass, field
from pathlib import Path
from tkinter import simpledialog, ttk

from platformdirs import user_config_dir

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from parley.client.pins import PinStore
from parley.irc.casemap import valid_nick


@dataclass
class ConnectSettings:
    host: str = "localhost"
    port: int = 6697
    tls: bool = True
    nick: str = ""
    theme: str = "light"
    recent: list[str] = field(default_factory=list)  # "host:port", newest first

    def remember(self) -> None:
        """Put the current server first in the recent list (at most 8 kept)."""
        entry = f"{self.host}:{self.port}"
        self.recent = [entry, *[r for r in self.recent if r != entry]][:8]


KEYRING_SERVICE = "parley"


def stored_password(host: str, nick: str) -> str | None:
    """The account password from the OS keyring, when `keyring` and a backend exist."""
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, f"{nick}@{host}")
    except Exception:  # no keyring module, or no usable backend: nothing stored
        return None
    return str(value) if value else None


def store_password(host: str, nick: str, password: str) -> bool:
    """Keep the password in the OS keyring; never in a file. False if there is none."""
    try:
        import keyring

        keyring.set_password(KEYRING_SERVICE, f"{nick}@{host}", password)
    except Exception:
        return False
    return True


def config_dir() -> Path:
    return Path(user_config_dir("parley", appauthor=False))


def load_settings(folder: Path) -> ConnectSettings:
    try:
        data = json.loads((folder / "client.json").read_text(encoding="utf-8"))
        return ConnectSettings(
            **{k: v for k, v in data.items() if k in ConnectSettings.__annotations__}
        )
    except (OSError, ValueError, TypeError):
        return ConnectSettings()


def save_settings(folder: Path, settings: ConnectSettings) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "client.json").write_text(json.dumps(asdict(settings), indent=1), encoding="utf-8")


class ConnectDialog:
    """Server, port, TLS, nickname and account password; problems shown in place."""

    def __init__(self, root: tk.Tk, settings: ConnectSettings, folder: Path) -> None:
        self.root, self.folder = root, folder
        self.window: ChatWindow | None = None
        self.frame = ttk.Frame(root, padding=16)
        self.frame.pack(fill="both", expand=True)
        self.host = tk.StringVar(value=settings.host)
        self.port = tk.StringVar(value=str(settings.port))
        self.tls = tk.BooleanVar(value=settings.tls)
        self.nick = tk.StringVar(value=settings.nick)
        self.password = tk.StringVar()
        self.error = tk.StringVar()
        self.theme = settings.theme
        self.recent = settings.recent
        ttk.Label(self.frame, text="Server").grid(row=0, column=0, sticky="w", pady=2)
        servers = ttk.Combobox(self.frame, textvariable=self.host, width=26, values=self.recent)
        servers.grid(row=0, column=1, pady=2)
        servers.bind("<<ComboboxSelected>>", self._recent_chosen)
        for row, (label, var) in enumerate([("Port", self.port), ("Nickname", self.nick)], 1):
            ttk.Label(self.frame, text=label).grid(row=row, column=0, sticky="w", pady=2)
            ttk.Entry(self.frame, textvariable=var, width=28).grid(row=row, column=1, pady=2)
        self.password.set(stored_password(settings.host, settings.nick) or "")
        ttk.Label(self.frame, text="Account password (optional)").grid(row=3, column=0, sticky="w")
        ttk.Entry(self.frame, textvariable=self.password, show="•", width=28).grid(row=3, column=1)
        ttk.Checkbutton(self.frame, text="Encrypted (TLS)", variable=self.tls).grid(
            row=4, column=1, sticky="w"
        )
        ttk.Label(self.frame, textvariable=self.error, foreground="#cf222e", wraplength=360).grid(
            row=5, column=0, columnspan=2, sticky="w", pady=6
        )
        self.button = ttk.Button(self.frame, text="Connect", command=self.connect)
        self.button.grid(row=6, column=1, sticky="e")
        root.title("Parley: connect")
        root.bind("<Return>", lambda _e: self.connect())

    def _recent_chosen(self, _event: object) -> None:
        host, _, port = self.host.get().rpartition(":")
        if host and port.isdigit():
            self.host.set(host)
            self.port.set(port)

    def problem(self) -> str | None:
        """What is wrong with the form, in words, or None."""
        if not self.host.get().strip():
            return "Enter the server's name or address."
        if not self.port.get().isdigit() or not 0 < int(self.port.get()) < 65536:
            return "The port is a number from 1 to 65535."
        if not valid_nick(self.nick.get(), 30):
            return "A nickname starts with a letter and has no spaces (at most 30 characters)."
        return None

    def connect(self) -> None:
        problem = self.problem()
        if problem is not None:
            self.error.set(problem)
            return
        settings = ConnectSettings(
            self.host.get().strip(), int(self.port.get()), self.tls.get(), self.nick.get(),
            self.theme, list(self.recent),
        )  # fmt: skip
        settings.remember()
        save_settings(self.folder, settings)
        password = self.password.get() or None
        if password:
            store_password(settings.host, settings.nick, password)
        connection = Connection(
            settings.host, settings.port, settings.tls,
            lambda: cs.ClientState(settings.nick, password=password),
            PinStore(self.folder / "pins.json"),
        )  # fmt: skip
        self.frame.destroy()
        self.root.unbind("<Return>")
        self.window = ChatWindow(self.root, connection, settings.theme)
        self.window.on_nick_refused = self._nick_refused
        connection.start()

    def _nick_refused(self, event: cs.NickRefused) -> None:
        assert self.window is not None
        nick = simpledialog.askstring(
            "Nickname",
            f"The nickname {event.nick} is {event.reason}. Choose another:",
            parent=self.root,
        )
        if nick:
            self.window.connection.choose_nick(nick)


def main() -> int:
    root = tk.Tk()
    folder = config_dir()
    ConnectDialog(root, load_settings(folder), folder)
    root.mainloop()
    return 0
