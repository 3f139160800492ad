"""What the connect dialog remembers: recent servers and the last nick in a JSON file in
the user's config folder; passwords only in the OS keyring (`keyring`), never in a file."""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from platformdirs import user_config_dir

KEYRING_SERVICE = "parley"
RECENT_KEPT = 8


@dataclass
class ConnectSettings:
    host: str = "localhost"
    port: int = 6697
    tls: bool = True
    nick: str = ""
    theme: str = "light"
    recent: list[str] = field(default_factory=list)  # "host:port", newest first
    recent_tls: dict[str, bool] = field(default_factory=dict)  # "host:port" -> TLS on

    def remember(self) -> None:
        """Put the current server, just reached, first in the recent list, with its TLS."""
        entry = f"{self.host}:{self.port}"
        self.recent = [entry, *[r for r in self.recent if r != entry]][:RECENT_KEPT]
        tls = {**self.recent_tls, entry: self.tls} if isinstance(self.recent_tls, dict) else {}
        self.recent_tls = {r: bool(tls[r]) for r in self.recent if r in tls}


def account_key(host: str, nick: str) -> str:
    """The keyring entry of an account password."""
    return f"{nick}@{host}"


def server_key(host: str, port: int) -> str:
    """The keyring entry of a server password (PASS): one per server, not per nick."""
    return f"server-password@{host}:{port}"


def stored_secret(key: str) -> str | None:
    """A password from the OS keyring, when `keyring` and a backend exist."""
    try:
        import keyring

        value = keyring.get_password(KEYRING_SERVICE, key)
    except Exception:  # no keyring module, or no usable backend: nothing stored
        return None
    return str(value) if value else None


def store_secret(key: str, value: str) -> bool:
    """Keep a password in the OS keyring (an empty one is forgotten); False if there is none."""
    try:
        import keyring

        if value:
            keyring.set_password(KEYRING_SERVICE, key, value)
        elif keyring.get_password(KEYRING_SERVICE, key) is not None:
            keyring.delete_password(KEYRING_SERVICE, key)
    except Exception:
        return False
    return True


def keyring_problem() -> str | None:
    """Why passwords will not be remembered, in words; None when the OS keyring works."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return ("Passwords are not remembered: the keyring package is not installed "
                "(pip install 'parley[client]').")  # fmt: skip
    try:
        backend = keyring.get_keyring()
    except Exception as exc:
        return f"Passwords are not remembered: the keyring does not work ({exc})."
    empty_chain = type(backend).__name__ == "ChainerBackend" and not getattr(backend, "backends", 1)
    if isinstance(backend, fail.Keyring) or empty_chain:
        return ("Passwords are not remembered: no keyring service is running on this "
                "desktop (such as GNOME Keyring or KWallet).")  # fmt: skip
    return None


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
