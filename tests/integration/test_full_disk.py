"""A full disk, for what is written at once: bans, accounts (history: tests/store).

The disk is a real one, a small tmpfs filled with a file. What cannot be saved
is said to whoever asked, in one line; nothing shows a traceback.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from parley.server.config import Oper
from parley.server.passwords import hash_password
from support import servers
from support.client import IrcClient
from support.disk import fill_disk, mounted_tmpfs
from support.servers import run_cli


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk") as mount:
        yield mount


def test_account_commands_on_a_full_disk_say_so_in_one_line(small_disk: Path) -> None:
    data = small_disk / "data"
    made = run_cli(data, "create-account", "ann", stdin="a long password\n")
    assert made.returncode == 0, made.stderr
    # As with the server running: the database is open, its -wal and -shm files exist,
    # so the commands get as far as writing.
    running = sqlite3.connect(data / "parley.db")
    running.execute("SELECT count(*) FROM accounts").fetchone()
    filler = fill_disk(small_disk)
    for args, stdin in (
        (("create-account", "bob"), "a long password\n"),
        (("reset-password", "ann"), "another password\n"),
        (("delete-account", "ann"), ""),
    ):
        refused = run_cli(data, *args, stdin=stdin)
        assert refused.returncode != 0, (args, refused.stdout, refused.stderr)
        assert "Traceback" not in refused.stderr
        (line,) = refused.stderr.strip().splitlines()  # one line, saying why
        assert line.startswith("parley-server: error:") and "could not be saved" in line, line
    filler.unlink()  # space again: nothing was lost, and the commands work
    running.close()
    listed = run_cli(data, "list-accounts")
    assert listed.stdout.split() == ["ann"]
    assert run_cli(data, "create-account", "bob", stdin="a long password\n").returncode == 0


def test_a_kline_on_a_full_disk_holds_and_says_it_is_not_saved(small_disk: Path) -> None:
    config = servers.test_config(
        small_disk / "data",
        opers=(Oper("boss", hash_password("hunter2")),),
        limits={"flood_enabled": False},
    )
    server = servers.ThreadServer(config).start()
    try:
        boss = IrcClient(server.port)
        boss.register("boss")
        boss.send("OPER boss hunter2")
        boss.expect("381")
        troll = IrcClient(server.port)
        troll.register("troll")
        fill_disk(small_disk)
        boss.send("KLINE troll!*@* :spam")
        notices = [m.params[-1] for m in boss.sync() if m.command == "NOTICE"]
        assert any(text.startswith("Banned troll!*@*") for text in notices), notices
        assert any("holds until the server restarts" in text for text in notices), notices
        gone = troll.wait_closed()
        assert any(m.command == "ERROR" and "Banned" in m.params[-1] for m in gone)
        again = IrcClient(server.port)  # the ban is in force, if not on the disk
        again.send("NICK troll")
        again.send("USER troll 0 * :Troll")
        assert again.expect("465")
        boss.send("UNKLINE troll!*@*")  # it was never on the disk: nothing to write
        assert boss.expect("NOTICE").params[-1] == "Removed the ban on troll!*@*"
        assert server.call(lambda: server.process and server.process.core.stats.handler_errors) == 0
    finally:
        server.stop()
