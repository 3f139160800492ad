"""Make the pictures in docs/ on a virtual display: the chat window, light and dark
(client-light.png, client-dark.png), the connect dialog as it opens and after a
refusal (connect-dialog.png, connect-dialog-error.png), the window's IRCv3 features
(client-ircv3.png: replies, reactions, a bot, typing, a deleted and a multi-line
message, display names and initials, from a scripted server that sends the
specifications' lines), the server console (console.png), the results of a
history search (client-search.png), and the connect dialog's list of servers on
the local network (connect-dialog-lan.png, filled as the mDNS browser fills it,
with two servers as a classroom would see them).

Needs Xvfb and Pillow (`pip install pillow`). Starts its own servers on loopback.
(client-history.png: a day separator, grouped lines and the "new since you left" divider.)
Run from the project root:
`.venv/bin/python scripts/screenshots.py [client] [ircv3] [history] [console] [search] [lan]`
(all when none is named). The console picture comes from a server where a few
people chat for CONSOLE_SECONDS, so its five-minute charts have something to show.
"""

from __future__ import annotations

import math
import os
import subprocess
import sys
import tempfile
import time
import tkinter as tk
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "tests"))

from PIL import ImageGrab

from parley.client import state as cs
from parley.client.commands import interpret
from parley.client.connection import Connection
from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.settings import ConnectSettings
from parley.client.gui.window import ChatWindow
from parley.server.admin import Admin
from parley.server.admin.thread import ServerThread
from parley.server.console.window import ConsoleWindow
from support.client import IrcClient
from support.scripted import ScriptedServer
from support.servers import ThreadServer, test_config

DISPLAY = ":77"
DOCS = Path(__file__).resolve().parent.parent / "docs"
CONSOLE_WIDTH, CONSOLE_HEIGHT = 1220, 800
CONSOLE_SECONDS = 150.0
PEOPLE = ("alice", "bob", "carol", "dave", "erin", "frank")


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


IRCV3_CAPS = (
    "server-time echo-message batch message-tags draft/message-redaction "
    "draft/multiline=max-bytes=4096,max-lines=24 draft/read-marker draft/metadata-3"
)
IRCV3_LINES = (
    ":srv 332 alice #lobby :Release week: 0.4 ships on Friday",
    ":srv METADATA carol display-name * :Carol Shaw",
    ":srv METADATA dave display-name * :Dave Okafor",
    "@msgid=c1 :carol!c@h PRIVMSG #lobby :release notes for 0.4 are up: https://example.org/notes",
    "@msgid=r1;+draft/reply=c1;+draft/react=❤ :bob!b@h TAGMSG #lobby",
    "@msgid=r2;+draft/reply=c1;+draft/react=❤ :dave!d@h TAGMSG #lobby",
    "@msgid=r3;+draft/reply=c1;+draft/react=★ :bob!b@h TAGMSG #lobby",
    "@msgid=d1;+draft/reply=c1 :dave!d@h PRIVMSG #lobby :the changelog link 404s for me",
    "@msgid=b1;bot :buildbot!bb@h PRIVMSG #lobby :build #412 passed on main ✔",
    "@msgid=e1 :erin!e@h PRIVMSG #lobby :cheap followers, DM me!!",
    ":carol!c@h REDACT #lobby e1 :spam",
    "@msgid=m1 :bob!b@h BATCH +ml draft/multiline #lobby",
    "@batch=ml :bob!b@h PRIVMSG #lobby :found it, the link needs the version:",
    '@batch=ml :bob!b@h PRIVMSG #lobby :    notes_url = f"{base}/notes/{version}"',
    "@batch=ml :bob!b@h PRIVMSG #lobby :    return notes_url",
    "BATCH -ml",
    "@msgid=r4;+draft/reply=m1;+draft/react=✔ :carol!c@h TAGMSG #lobby",
    "@+typing=active :dave!d@h TAGMSG #lobby",
)


def shoot_ircv3(out: Path) -> None:
    """The window's IRCv3 features, fed by a scripted server (loopback, port 0)."""
    server = ScriptedServer(IRCV3_CAPS, names="bob carol dave erin buildbot")
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("alice"))
    root = tk.Tk()
    window = ChatWindow(root, connection, "light")
    root.geometry("980x560+0+0")
    connection.start()
    settle(root, 1.5)
    for line in IRCV3_LINES:
        server.send(line)
        settle(root, 0.1)
    window.select("#lobby")
    window.entry.insert(0, "thanks, merging")
    settle(root, 1.0)
    ImageGrab.grab(bbox=(0, 0, 980, 560), xdisplay=DISPLAY).save(out)
    connection.close()
    root.destroy()
    server.close()


def history_lines() -> list[str]:
    """Yesterday's and today's lines of #lobby as a chathistory batch, read up to a marker."""
    now = datetime.now(UTC).replace(microsecond=0)

    def at(ago: timedelta) -> str:
        return (now - ago).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    said = [
        (timedelta(days=1, minutes=40), "bob", "anyone around for the 0.4 release notes?"),
        (timedelta(days=1, minutes=39), "bob", "I drafted the part on history search"),
        (timedelta(days=1, minutes=30), "carol", "looks good, I'll add the screenshots tomorrow"),
        (timedelta(minutes=50), "dave", "morning! coffee is on"),
        (timedelta(minutes=49), "dave", "the build went green overnight"),
        (timedelta(minutes=20), "bob", "the screenshots are in"),
        (timedelta(minutes=19), "bob", "one shows the day separators"),
        (timedelta(minutes=19), "bob", "and the divider where you stopped reading"),
        (timedelta(minutes=5), "carol", "merged, thanks all"),
    ]
    lines = [f"@time={at(timedelta(minutes=45))} :srv MARKREAD #lobby timestamp="
             f"{at(timedelta(minutes=45))}", "BATCH +h chathistory #lobby"]  # fmt: skip
    for i, (ago, nick, text) in enumerate(said):
        lines.append(f"@batch=h;msgid=h{i};time={at(ago)} :{nick}!u@h PRIVMSG #lobby :{text}")
    return [*lines, "BATCH -h"]


def shoot_history(out: Path) -> None:
    """A day separator, grouped lines and the divider where reading stopped (read marker)."""
    server = ScriptedServer(IRCV3_CAPS + " draft/chathistory", names="bob carol dave")
    connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("alice"))
    root = tk.Tk()
    window = ChatWindow(root, connection, "light")
    root.geometry("980x560+0+0")
    connection.start()
    settle(root, 1.5)
    for line in history_lines():
        server.send(line)
        settle(root, 0.05)
    window.select("#lobby")
    settle(root, 1.0)
    ImageGrab.grab(bbox=(0, 0, 980, 560), xdisplay=DISPLAY).save(out)
    connection.close()
    root.destroy()
    server.close()


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


def shoot_lan(out: Path) -> None:
    """The connect dialog with servers seen on the local network, one chosen."""
    import queue

    from parley.client.discovery import Sighting
    from parley.irc.dnssd import Description, Found

    class Announced:
        def __init__(self) -> None:
            self.events: queue.Queue[Sighting] = queue.Queue()

        def close(self) -> None:
            pass

    source = Announced()
    print_ = ":".join(f"{(i * 37 + 11) % 256:02X}" for i in range(32))
    classroom = Description("parley.local", "Parley", 6697, print_, "https://room-12.local:8097/")
    source.events.put(Found("Parley on room-12", "192.168.1.20", 6697, True, classroom))
    source.events.put(Found("Chess club on lab-3", "192.168.1.31", 6667, False,
                            Description("chess.local", "Chess club")))  # fmt: skip
    root = tk.Tk()
    root.geometry("+0+0")
    with tempfile.TemporaryDirectory() as folder:
        settings = ConnectSettings("localhost", 6697, True, "alice", "light")
        dialog = ConnectDialog(root, settings, Path(folder), lan=lambda: source)
        settle(root, 1.0)
        assert dialog.lan is not None
        tree = dialog.lan.tree
        tree.selection_set(next(r for r in tree.get_children() if "room-12" in str(
            tree.item(r, "values")[0])))  # fmt: skip
        settle(root, 0.5)
        width, height = root.winfo_width(), root.winfo_height()
        ImageGrab.grab(bbox=(0, 0, width, height), xdisplay=DISPLAY).save(out)
    root.destroy()


def drain(clients: list[IrcClient]) -> None:
    """Read what the clients were sent, so the server never drops them as slow readers."""
    for client in clients:
        client.sock.settimeout(0)
        try:
            while client.sock.recv(65536):
                pass
        except OSError:
            pass


def chat(root: tk.Tk, admin: Admin, plain: int, tls: int, seconds: float) -> list[IrcClient]:
    """People arrive, talk in waves, one leaves, one is banned: `seconds` of a small server."""
    clients: list[IrcClient] = []
    for i, nick in enumerate(PEOPLE):
        client = IrcClient(tls if i % 2 else plain, tls=bool(i % 2))
        client.register(nick)
        if nick in ("bob", "carol", "erin"):
            client.send("JOIN #python")
        if nick in ("dave", "frank"):
            client.send("JOIN #music")
        if nick in ("alice", "dave"):
            client.send(f"PRIVMSG NickServ :REGISTER {nick}-likes-tea")
        clients.append(client)
        settle(root, 1.0)
    clients[1].send("TOPIC #python :Python questions welcome; paste long code elsewhere")
    clients[3].send("TOPIC #music :Now playing: whatever dave says")
    start = time.monotonic()
    tick = 0
    visited = False
    while (elapsed := time.monotonic() - start) < seconds:
        wave = 0.5 + 0.5 * math.sin(elapsed / 20)  # busier, then quieter
        for client in clients[: 2 + round(wave * 4)]:
            client.send(f"PRIVMSG #lobby :message {tick}")
        if tick % 7 == 0:
            clients[2].send(f"PRIVMSG #python :a question {tick}")
        if not visited and elapsed > seconds - 8:  # near the end: a visitor, a troll banned
            visit(admin, plain)
            visited = True
        tick += 1
        settle(root, 0.25)
        drain(clients)
    return clients


def visit(admin: Admin, plain: int) -> None:
    guest = IrcClient(plain)
    guest.register("guest42")
    guest.send("QUIT :see you")
    troll = IrcClient(plain, source="127.0.0.2")
    troll.register("troll")
    admin.ban("127.0.0.2", 60, "spamming links", address=True).result(10)


def client_shots() -> None:
    with tempfile.TemporaryDirectory() as data:
        quiet = {"flood_enabled": False}
        server = ThreadServer(test_config(Path(data) / "light", limits=quiet)).start()
        shoot("light", server.port, DOCS / "client-light.png")
        server.stop()  # a fresh server: no history from the first shot
        server = ThreadServer(test_config(Path(data) / "dark", limits=quiet)).start()
        shoot("dark", server.port, DOCS / "client-dark.png")
        shoot_dialog("light", server.port, DOCS / "connect-dialog.png", refused=False)
        shoot_dialog("dark", server.port, DOCS / "connect-dialog-error.png", refused=True)
        server.stop()


def console_shot() -> None:
    """The console of a small, busy server, with a user selected."""
    with tempfile.TemporaryDirectory() as data:
        config = test_config(Path(data), tls=True, limits={"flood_enabled": False})
        thread = ServerThread(config)
        admin = thread.start()
        root = tk.Tk()
        window = ConsoleWindow(root, admin)
        root.geometry(f"{CONSOLE_WIDTH}x{CONSOLE_HEIGHT}+0+0")
        listeners = admin.info().result(10).listeners
        plain, tls = (next(int(x.address.rsplit(":", 1)[1]) for x in listeners if x.tls == t)
                      for t in (False, True))  # fmt: skip
        clients = chat(root, admin, plain, tls, CONSOLE_SECONDS)
        window.users.table.select("carol")
        settle(root, 1.5)
        bottom = root.winfo_rooty() + root.winfo_height()  # the menu bar is above rooty
        ImageGrab.grab(bbox=(0, 0, CONSOLE_WIDTH, bottom), xdisplay=DISPLAY).save(
            DOCS / "console.png"
        )
        for client in clients:
            client.close()
        admin.shutdown().result(10)
        settle(root, 1.0)
        thread.join(10)


SEARCH_LINES = (
    ("bob", "#lobby", "who has the kettle key? the office one is locked"),
    ("carol", "#lobby", "morning! build is green"),
    ("carol", "#kitchen", "the kettle descaler is under the sink"),
    ("dave", "#kitchen", "new kettle ordered, arrives Thursday"),
    ("bob", "alice", "I put the spare kettle in your drawer"),
    ("dave", "#lobby", "kettle's on, anyone want tea?"),
)


def shoot_search(out: Path) -> None:
    """/search kettle: the results window over the chat window."""
    with tempfile.TemporaryDirectory() as data:
        quiet = {"flood_enabled": False}
        server = ThreadServer(test_config(Path(data) / "search", limits=quiet)).start()
        connection = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("alice"))
        root = tk.Tk()
        window = ChatWindow(root, connection, "light")
        root.geometry("980x560+0+0")
        connection.start()
        settle(root, 1.5)
        window.perform(interpret("/join #kitchen", None))
        settle(root, 0.5)
        friends: dict[str, IrcClient] = {}
        for nick, where, line in SEARCH_LINES:
            if nick not in friends:
                friends[nick] = IrcClient(server.port)
                friends[nick].register(nick)
                friends[nick].send("JOIN #kitchen")
            friends[nick].send(f"PRIVMSG {where} :{line}")
            settle(root, 0.3)
        window.select("#lobby")
        window.perform(interpret("/search kettle", "#lobby"))
        settle(root, 1.5)
        window.dialogs["search"].geometry("+110+140")
        settle(root, 1.0)
        ImageGrab.grab(bbox=(0, 0, 980, 560), xdisplay=DISPLAY).save(out)
        connection.close()
        root.destroy()
        for friend in friends.values():
            friend.close()
        server.stop()


def main() -> int:
    wanted = set(sys.argv[1:]) or {"client", "ircv3", "history", "console", "search", "lan"}
    xvfb = subprocess.Popen(
        ["Xvfb", DISPLAY, "-screen", "0", f"{CONSOLE_WIDTH}x{CONSOLE_HEIGHT + 60}x24",
         "-nolisten", "tcp"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1.0)
        os.environ["DISPLAY"] = DISPLAY
        if "client" in wanted:
            client_shots()
        if "ircv3" in wanted:
            shoot_ircv3(DOCS / "client-ircv3.png")
        if "history" in wanted:
            shoot_history(DOCS / "client-history.png")
        if "console" in wanted:
            console_shot()
        if "search" in wanted:
            shoot_search(DOCS / "client-search.png")
        if "lan" in wanted:
            shoot_lan(DOCS / "connect-dialog-lan.png")
    finally:
        xvfb.terminate()
        xvfb.wait()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
