"""The server's secret: made once, 0600, the same after a restart; SCRAM's fake salts
follow it."""

from __future__ import annotations

import base64
import stat
from pathlib import Path

import pytest

from parley.server.secret import SECRET_FILE, load_secret
from parley.server.store.schema import StoreError
from support.client import IrcClient
from support.servers import ThreadServer
from support.servers import test_config as server_config


def test_the_secret_is_made_once_and_readable_by_its_owner_only(tmp_path: Path) -> None:
    first = load_secret(tmp_path)
    assert len(first) == 32
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600
    assert load_secret(tmp_path) == first
    assert [p.name for p in tmp_path.iterdir()] == [SECRET_FILE]  # no temporary left


def test_a_loose_secret_file_is_made_private(tmp_path: Path) -> None:
    secret = load_secret(tmp_path)
    (tmp_path / SECRET_FILE).chmod(0o644)
    assert load_secret(tmp_path) == secret
    assert stat.S_IMODE((tmp_path / SECRET_FILE).stat().st_mode) == 0o600


def test_a_damaged_secret_is_refused_not_replaced(tmp_path: Path) -> None:
    (tmp_path / SECRET_FILE).write_bytes(b"short")
    (tmp_path / SECRET_FILE).chmod(0o600)
    with pytest.raises(StoreError, match="damaged"):
        load_secret(tmp_path)
    assert (tmp_path / SECRET_FILE).read_bytes() == b"short"


def fake_salt(port: int, name: str) -> str:
    client = IrcClient(port)
    try:
        client.send("CAP REQ sasl")
        client.expect("CAP")
        client.send("AUTHENTICATE SCRAM-SHA-256")
        client.expect("AUTHENTICATE")
        first = base64.b64encode(f"n,,n={name},r=abcdef".encode()).decode()
        client.send(f"AUTHENTICATE {first}")
        server_first = base64.b64decode(client.expect("AUTHENTICATE").params[0]).decode()
        return dict(p.split("=", 1) for p in server_first.split(","))["s"]
    finally:
        client.close()


def test_an_unknown_names_salt_survives_a_restart(tmp_path: Path) -> None:
    config = server_config(tmp_path / "data")
    server = ThreadServer(config).start()
    try:
        before = fake_salt(server.port, "nobody")
        assert fake_salt(server.port, "nobody") == before
        assert fake_salt(server.port, "somebody") != before
    finally:
        server.stop()
    server = ThreadServer(config).start()
    try:
        assert fake_salt(server.port, "nobody") == before
    finally:
        server.stop()
