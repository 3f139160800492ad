"""A database with damaged pages is found at start: the server refuses it and leaves it alone."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from parley.server.store import schema
from parley.server.store.accounts import SqliteAccountStore
from parley.server.store.history import HistoryItem
from parley.server.store.schema import StoreError
from parley.server.store.sqlite_history import SqliteHistory

START_TIMEOUT = 30.0


@pytest.fixture(scope="module")
def good_database(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database of some pages: an account and a few thousand messages, closed cleanly."""
    path = tmp_path_factory.mktemp("good") / "parley.db"
    accounts = SqliteAccountStore(path)
    accounts.create("Ann", "$argon2id$hash")
    accounts.close()
    history = SqliteHistory(path)
    for n in range(3000):
        text = f"message {n} " + "y" * 100
        history.append(
            HistoryItem(f"m{n}", 1e9 + n, "#room", "#room", "a!a@h", "Ann", "PRIVMSG", text)
        )
    history.close()
    return path


def _damage(path: Path) -> None:
    """Garbage over the cells of a page in the middle of the file (as a bad disk leaves it)."""
    db = sqlite3.connect(path)
    (page_size,) = db.execute("PRAGMA page_size").fetchone()
    (pages,) = db.execute("PRAGMA page_count").fetchone()
    db.close()
    with path.open("r+b") as out:
        out.seek(page_size * (pages // 2 - 1) + 2000)
        out.write(b"garbage " * 100)


def _start(data_dir: Path) -> tuple[int, str]:
    """Run the server; its exit code and output, or fail if it is still running."""
    proc = subprocess.Popen(
        [sys.executable, "-m", "parley.server", "--listen", "127.0.0.1:0", "--no-tls",
         "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
    )  # fmt: skip
    try:
        output, _ = proc.communicate(timeout=START_TIMEOUT)
    except subprocess.TimeoutExpired:
        proc.kill()
        output, _ = proc.communicate()
        pytest.fail(f"the server started on a damaged database:\n{output}")
    return proc.returncode, output


def test_a_damaged_database_stops_the_start_with_one_clear_line(
    good_database: Path, tmp_path: Path
) -> None:
    data_dir = tmp_path / "data"
    data_dir.mkdir(mode=0o700)
    path = data_dir / "parley.db"
    shutil.copy(good_database, path)
    _damage(path)
    before = path.read_bytes()
    code, output = _start(data_dir)
    assert code != 0
    assert "Traceback" not in output
    (line,) = [x for x in output.splitlines() if x.startswith("parley-server: error: ")]
    assert f"{path} is damaged (PRAGMA quick_check: " in line
    assert "left as it is" in line
    assert path.read_bytes() == before  # nothing repaired, checkpointed or replaced


def test_an_intact_database_passes_the_check(good_database: Path, tmp_path: Path) -> None:
    path = tmp_path / "parley.db"
    shutil.copy(good_database, path)
    before = path.read_bytes()
    assert schema.check(path) >= 0.0
    assert schema.check(tmp_path / "absent.db") == 0.0
    assert path.read_bytes() == before
    _damage(path)
    with pytest.raises(StoreError, match="is damaged"):
        schema.check(path)
