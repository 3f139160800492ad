"""TLS trust on first use: each server's certificate fingerprint, pinned like SSH's known_hosts."""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path


def fingerprint(der: bytes) -> str:
    """SHA-256 of a DER certificate as `AB:CD:...`, as the server prints it at start."""
    return hashlib.sha256(der).digest().hex(":").upper()


class PinStore:
    """Pinned fingerprints by `host:port`, in a small JSON file."""

    def __init__(self, path: Path) -> None:
        self.path = Path(path)

    def _load(self) -> dict[str, str]:
        try:
            data = json.loads(self.path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return {}
        return {str(k): str(v) for k, v in data.items()} if isinstance(data, dict) else {}

    def get(self, host: str, port: int) -> str | None:
        return self._load().get(f"{host}:{port}")

    def pin(self, host: str, port: int, print_: str) -> None:
        """Trust this fingerprint for the server from now on."""
        pins = self._load()
        pins[f"{host}:{port}"] = print_
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(pins, indent=1, sort_keys=True), encoding="utf-8")
        os.replace(tmp, self.path)
