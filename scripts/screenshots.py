"""Make docs/client-light.png and docs/client-dark.png: the chat window on a virtual display.

Needs Xvfb and Pillow (`pip install pillow`). Starts its own server on loopback.
Run from the project root: `.venv/bin/python scripts/screenshots.py`.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from PIL import ImageGrab

from parley.client import state as cs
from parley.client.connection import Connection
from parley.client.gui.window import ChatWindow
from support.client import IrcClient
from support.servers import ThreadServer, test_config

DISPLAY = ":77"


def settle(root: tk.Tk, seconds: float) -> None:
    end = time.monotonic() + seconds
    while time.monotonic() < end:
        root.update()
        time.sleep(0.02)


def shoot(theme: str, port: int, out: Path) -> None:
    connection = Connection("127.0.0.1", port, False, lambda: cs.ClientState("alice"))
    root = tk.Tk()
    window = ChatWindow(root, connection, theme)
    root.geometry("980x560+0+0")
    connection.start()
    settle(root, 1.5)
    friends = []
    for nick, line in (
        ("bob", "morning all! the build is green again"),
        ("carol", "\x02nice\x02, alice: can you look at https://example.org/pr/42 ?"),
        ("dave", "\x01ACTION brings coffee\x01"),
    ):
        friend = IrcClient(port)
        friend.register(nick)
        friend.send(f"PRIVMSG #lobby :{line}")
        friends.append(friend)
        settle(root, 0.3)
    window.select("#lobby")
    settle(root, 1.0)
    ImageGrab.grab(bbox=(0, 0, 980, 560), xdisplay=DISPLAY).save(out)
    connection.close()
    root.destroy()
    for friend in friends:
        friend.close()


def main() -> int:
    xvfb = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", "1000x600x24", "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        time.sleep(1.0)
        os.environ["DISPLAY"] = DISPLAY
        with tempfile.TemporaryDirectory() as data:
            server = ThreadServer(test_config(Path(data), limits={"flood_enabled": False})).start()
            docs = Path(__file__).resolve().parent.parent / "docs"
            for theme in ("light", "dark"):
                shoot(theme, server.port, docs / f"client-{theme}.png")
            server.stop()
    finally:
        xvfb.terminate()
        xvfb.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
