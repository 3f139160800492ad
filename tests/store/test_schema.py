"""The database file: upgraded when old, refused when newer or not a database."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from parley.server.store import schema
from parley.server.store.accounts import SqliteAccountStore
from parley.server.store.schema import StoreError


def test_new_database_gets_the_current_schema(tmp_path: Path) -> None:
    db = schema.connect(tmp_path / "p.db")
    assert db.execute("PRAGMA user_version").fetchone() == (schema.VERSION,)
    tables = {r[0] for r in db.execute("SELECT name FROM sqlite_master WHERE type='table'")}
    assert {"accounts", "history"} <= tables


def test_old_database_is_upgraded_and_keeps_its_accounts(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    old = sqlite3.connect(path)
    old.executescript(schema.MIGRATIONS[0])
    old.execute("INSERT INTO accounts VALUES ('ann', 'Ann', '$argon2id$x', 1.0)")
    old.execute("PRAGMA user_version=1")
    old.commit()
    old.close()
    store = SqliteAccountStore(path)
    account = store.get("ANN")
    assert account is not None and account.name == "Ann"
    assert schema.connect(path).execute("PRAGMA user_version").fetchone() == (schema.VERSION,)


def test_newer_database_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "p.db"
    db = sqlite3.connect(path)
    db.execute(f"PRAGMA user_version={schema.VERSION + 1}")
    db.close()
    with pytest.raises(StoreError, match="newer Parley"):
        schema.connect(path)


def test_corrupt_database_is_reported_and_left_alone(tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    junk = b"this is not a database" * 100
    path.write_bytes(junk)
    result = subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(tmp_path), "list-accounts"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 2
    assert "parley.db" in result.stderr and "Traceback" not in result.stderr
    assert path.read_bytes() == junk
