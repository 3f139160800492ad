"""The server console's Files tab on a virtual display: files shared over real HTTP
appear, and the operator deletes one."""

from __future__ import annotations

import tkinter as tk
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from parley.server.admin import Admin
from parley.server.admin.thread import ServerThread
from parley.server.console.window import ConsoleWindow
from parley.server.passwords import credentials
from support.servers import test_config as server_config
from support.servers import web_config
from support.tkpump import pump
from support.uploads import PNG, file_path, get, upload

LIMITS = {"upload_max_bytes": 1 << 20, "upload_disk_floor_bytes": 0}


@pytest.fixture
def running(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> Iterator[tuple[ConsoleWindow, Admin, int]]:
    thread = ServerThread(server_config(tmp_path, web=web_config(), limits=LIMITS))
    admin = thread.start()
    process = admin._process  # (the test reaches in for the web port and an account)
    process.accounts.create("alice", *credentials("wonderland1"))
    web_port = int(process.web_bound[0][0].rsplit(":", 1)[1])
    root = make_root()
    window = ConsoleWindow(root, admin)
    yield window, admin, web_port
    if not admin.stopped.is_set():
        admin.shutdown().result(15)
    assert thread.join(15)


def test_shared_files_are_listed_and_the_operator_deletes_one(
    running: tuple[ConsoleWindow, Admin, int],
) -> None:
    window, _admin, port = running
    root = window.root
    kept = upload(port, PNG, filename="kept.png")
    gone = upload(port, b"bye", kind="text/plain", filename="gone.txt")
    assert kept.status == gone.status == 201
    gone_id = gone.headers["location"].rsplit("/", 1)[1]
    table = window.files.table
    pump([root], lambda: len(table.shown()) == 2, 15)
    rows = {row[0]: row for row in table.shown()}
    assert rows["gone.txt"][1:4] == ("alice", "3 B", "text/plain")
    assert rows["kept.png"][3] == "image/png" and rows["gone.txt"][5] == gone_id
    assert str(window.files.buttons["Delete file…"].cget("state")) == "disabled"
    table.select(gone_id)
    pump([root], lambda: window.files.selected() is not None, 15)
    window.files.buttons["Delete file…"].invoke()
    pump([root], lambda: "delete_file" in window.dialogs, 15)
    window.dialogs["delete_file"].buttons()["Delete file"].invoke()
    pump([root], lambda: [r[0] for r in table.shown()] == ["kept.png"], 15)
    assert window.status.get() == "Deleted gone.txt of alice"
    assert get(port, file_path(gone.headers["location"])).status == 404
    assert get(port, file_path(kept.headers["location"])).status == 200
