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

    def remember(self) -> None:
        """Put the current server first in the recent list."""
        entry = f"{self.host}:{self.port}"
        self.recent = [entry, *[r for r in self.recent if r != entry]][:RECENT_KEPT]


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
