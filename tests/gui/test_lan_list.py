"""The connect dialog's list of servers on the local network, fed by a stand-in for the
mDNS browser (discovery itself is tested in tests/server/test_announce.py)."""

from __future__ import annotations

import queue
import tkinter as tk
from collections.abc import Callable
from pathlib import Path

from parley.client.discovery import Gone, Sighting
from parley.client.gui.connect_dialog import ConnectDialog
from parley.client.gui.lan_list import MAX_SIGHTINGS, short_fingerprint
from parley.client.gui.settings import ConnectSettings
from parley.irc.dnssd import Description, Found
from support.servers import ThreadServer
from support.tkpump import attempt, pump

FP = ":".join(f"{i:02X}" for i in range(32))


class FakeSource:
    """What the browser would put on its queue; `closed` once the dialog is done with it."""

    def __init__(self) -> None:
        self.events: queue.Queue[Sighting] = queue.Queue()
        self.closed = False

    def close(self) -> None:
        self.closed = True


def rows(dialog: ConnectDialog) -> list[tuple[str, ...]]:
    assert dialog.lan is not None
    tree = dialog.lan.tree
    return [tuple(str(v) for v in tree.item(row, "values")) for row in tree.get_children()]


def open_with(make_root: Callable[[], tk.Tk], tmp_path: Path, source: FakeSource | None,
              nick: str = "") -> ConnectDialog:  # fmt: skip
    settings = ConnectSettings(host="localhost", port=6697, tls=True, nick=nick)
    return ConnectDialog(make_root(), settings, tmp_path / "config", lan=lambda: source)


def test_servers_seen_are_listed_with_name_address_and_fingerprint(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    source = FakeSource()
    dialog = open_with(make_root, tmp_path, source)
    assert dialog.lan is not None and "Looking" in dialog.lan.status.get()
    classroom = Description("parley.local", "Parley", 6697, FP, "https://pc.local:8097/")
    source.events.put(Found("Parley on pc", "192.168.1.20", 6667, False, classroom))
    source.events.put(Found("Parley on pc", "192.168.1.20", 6697, True, classroom))
    source.events.put(Found("Other on lab", "192.168.1.30", 6667, False, Description("o.x", "O")))
    pump([dialog.root], lambda: len(rows(dialog)) == 2)
    assert rows(dialog) == [
        ("Other on lab", "192.168.1.30:6667", "no TLS"),
        ("Parley on pc", "192.168.1.20:6697 (TLS)", short_fingerprint(FP)),
    ]
    assert short_fingerprint(FP) == "00:01:02:03…1E:1F"
    source.events.put(Gone("Other on lab", False))
    pump([dialog.root], lambda: len(rows(dialog)) == 1)
    assert rows(dialog)[0][0] == "Parley on pc"


def test_choosing_a_server_fills_the_form(make_root: Callable[[], tk.Tk], tmp_path: Path) -> None:
    source = FakeSource()
    dialog = open_with(make_root, tmp_path, source)
    found = Found("Parley on pc", "192.168.1.20", 7000, False, Description("p.local", "P"))
    source.events.put(found)
    pump([dialog.root], lambda: len(rows(dialog)) == 1)
    assert dialog.lan is not None
    tree = dialog.lan.tree
    tree.selection_set(tree.get_children()[0])
    pump([dialog.root], lambda: dialog.host.get() == "192.168.1.20")
    assert (dialog.port.get(), dialog.tls.get()) == ("7000", False)
    assert dialog.announced == found
    assert "p.local" in dialog.message.get()


def test_a_server_found_on_the_list_is_connected_to(
    make_root: Callable[[], tk.Tk], tmp_path: Path, make_server: Callable[..., ThreadServer]
) -> None:
    server = make_server()
    source = FakeSource()
    dialog = open_with(make_root, tmp_path, source, nick="ada")
    source.events.put(Found("Parley on here", "127.0.0.1", server.port, False,
                            Description("parley.local", "Parley")))  # fmt: skip
    pump([dialog.root], lambda: len(rows(dialog)) == 1)
    assert dialog.lan is not None
    dialog.lan.tree.selection_set(dialog.lan.tree.get_children()[0])
    pump([dialog.root], lambda: dialog.port.get() == str(server.port))
    try:
        assert attempt(dialog) == ""
        assert source.closed  # the search stops once the chat window is open
    finally:
        if dialog.window is not None:
            dialog.window.connection.close()


def test_without_the_lan_extra_the_list_says_how_to_get_it(
    make_root: Callable[[], tk.Tk], tmp_path: Path
) -> None:
    dialog = open_with(make_root, tmp_path, None)
    assert dialog.lan is not None and "parley[lan]" in dialog.lan.status.get()
    assert rows(dialog) == []


def test_a_flood_of_sightings_is_bounded(make_root: Callable[[], tk.Tk], tmp_path: Path) -> None:
    source = FakeSource()
    dialog = open_with(make_root, tmp_path, source)
    for n in range(3000):
        source.events.put(Found(f"S{n}", "10.0.0.1", 6667, False, Description("s.x", "S")))
    pump([dialog.root], lambda: source.events.empty() and len(rows(dialog)) > 0, timeout=30)
    assert dialog.lan is not None and len(dialog.lan.sightings) <= MAX_SIGHTINGS
    assert len(rows(dialog)) <= 200
