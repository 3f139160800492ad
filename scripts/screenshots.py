"""Make the client's screenshots in docs/: the chat window, light and dark
(client-light.png, client-dark.png), and the connect dialog, as it opens and
after a refusal (connect-dialog.png, connect-dialog-error.png).

Needs Xvfb and Pillow (`pip install pillow`). Starts its own server on loopback.
Run from the project root: `.venv/bin/python scripts/screenshots.py [OUT_DIR]`.
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
from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.settings import ConnectSettings
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


def shoot_dialog(theme: str, port: int, out: Path, refused: bool) -> None:
    """The connect dialog; `refused`: after trying a nick that is taken."""
    root = tk.Tk()
    root.geometry("+0+0")
    with tempfile.TemporaryDirectory() as folder:
        settings = ConnectSettings("127.0.0.1", port, False, "alice", theme)
        if not refused:  # nothing is connected to: show the usual defaults
            settings = ConnectSettings("chat.example.org", 6697, True, "alice", theme)
        dialog = ConnectDialog(root, settings, Path(folder))
        holder = IrcClient(port)
        holder.register("alice")
        if refused:
            dialog.button.invoke()
            end = time.monotonic() + 10
            while dialog.connection is not None and time.monotonic() < end:
                settle(root, 0.05)
        settle(root, 0.5)
        width, height = root.winfo_width(), root.winfo_height()
        ImageGrab.grab(bbox=(0, 0, width, height), xdisplay=DISPLAY).save(out)
        holder.close()
    root.destroy()


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
            quiet = {"flood_enabled": False}
            server = ThreadServer(test_config(Path(data) / "light", limits=quiet)).start()
            docs = Path(__file__).resolve().parent.parent / "docs"
            if len(sys.argv) > 1:
                docs = Path(sys.argv[1])
            shoot("light", server.port, docs / "client-light.png")
            server.stop()  # a fresh server: no history from the first shot
            server = ThreadServer(test_config(Path(data) / "dark", limits=quiet)).start()
            shoot("dark", server.port, docs / "client-dark.png")
            shoot_dialog("light", server.port, docs / "connect-dialog.png", refused=False)
            shoot_dialog("dark", server.port, docs / "connect-dialog-error.png", refused=True)
            server.stop()
    finally:
        xvfb.terminate()
        xvfb.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
