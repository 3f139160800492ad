"""What the server writes in its data dir is readable by its own user only.

Real files, made by the real commands, with the umask most systems have (022).
"""

from __future__ import annotations

import os
import sqlite3
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.server.store.accounts import SqliteAccountStore
from parley.server.tls import ensure_certificate
from support.client import IrcClient
from support.servers import ProcessServer


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


@pytest.fixture(autouse=True)
def usual_umask() -> Iterator[None]:
    """The umask of most systems, which leaves new files readable by everyone."""
    old = os.umask(0o022)
    yield
    os.umask(old)


def _everything_private(data_dir: Path) -> None:
    assert _mode(data_dir) == 0o700
    found = [p for p in data_dir.rglob("*")]
    assert data_dir / "parley.db" in found
    for path in found:
        expected = 0o700 if path.is_dir() else 0o600
        assert _mode(path) == expected, f"{path} is {_mode(path):04o}"


def test_a_new_data_dir_and_its_files_are_private(tmp_path: Path) -> None:
    data_dir = tmp_path / "new" / "data"
    created = subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir),
         "create-account", "ann", "a long password"],
        capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert created.returncode == 0, created.stderr
    assert "readable by others" not in created.stderr  # nothing to tighten: made right
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir", str(data_dir)]
    )
    try:
        client = IrcClient(server.port())
        client.register("bob")
        client.send("PRIVMSG #lobby :stored in the database")
        client.sync()
        assert (data_dir / "parley.db-wal").exists() and (data_dir / "tls" / "key.pem").exists()
        _everything_private(data_dir)
        client.close()
    finally:
        server.stop()
    _everything_private(data_dir)


def test_an_old_data_dir_is_tightened_at_start_and_the_log_says_so(tmp_path: Path) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o755)
    old = sqlite3.connect(data_dir / "parley.db")  # as an older Parley left it: 0644
    old.execute("PRAGMA journal_mode=WAL")
    old.execute("CREATE TABLE t (x)")
    old.commit()
    ensure_certificate(data_dir, "test.parley")
    os.chmod(data_dir / "tls", 0o755)
    for name in ("cert.pem", "key.pem"):
        os.chmod(data_dir / "tls" / name, 0o644)
    os.chmod(data_dir, 0o755)
    loose = [data_dir, data_dir / "parley.db", data_dir / "tls", data_dir / "tls" / "key.pem"]
    assert all(_mode(p) & 0o077 for p in loose)
    old.close()
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir", str(data_dir)]
    )
    try:
        _everything_private(data_dir)
        log = "".join(server.output)
        assert f"{data_dir / 'parley.db'} was readable by others (mode 0644): now 0600" in log
        assert f"{data_dir / 'tls' / 'key.pem'} was readable by others" in log
    finally:
        server.stop()


def test_the_account_store_alone_makes_its_database_private(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    store = SqliteAccountStore(path)
    store.create("Cy", "$argon2id$hash")
    store.close()
    for name in ("parley.db", "parley.db-wal", "parley.db-shm"):
        if (tmp_path / name).exists():
            assert _mode(tmp_path / name) == 0o600, name
