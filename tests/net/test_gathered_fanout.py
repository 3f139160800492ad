"""A sender's lines to a channel are gathered and written once per member per turn:
each member still gets exactly the lines said while it was there, in order."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from parley.server.config import Config, HistoryPolicy, Limits
from parley.server.core.server import Server
from parley.server.net.connection import ClientConnection
from parley.server.net.hub import Hub


class Recording:
    """Stands in for a socket: keeps every write, so a test reads what a client got."""

    def __init__(self, index: int) -> None:
        self.peer = (f"127.0.0.{index + 1}", 40000 + index)
        self.writes: list[bytes] = []
        self.closing = False

    def write(self, data: bytes) -> None:
        self.writes.append(data)

    def lines(self) -> list[str]:
        return b"".join(self.writes).decode().splitlines()

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


class Room:
    """A server's Hub with clients on recording transports; `turn` runs one loop turn."""

    def __init__(self, tmp: Path) -> None:
        self.loop = asyncio.new_event_loop()
        limits = replace(Limits(), flood_enabled=False, connections_per_ip=0)
        history = HistoryPolicy(replay_lines=0)  # live lines only: no replay on JOIN
        config = Config(
            data_dir=tmp, lobby=None, listen=(), tls_listen=(), limits=limits, history=history
        )
        self.hub = Hub(Server(config), self.loop)
        self.conns: dict[str, tuple[ClientConnection, Recording]] = {}

    def connect(self, nick: str, caps: str = "") -> None:
        conn, transport = ClientConnection(self.hub, None), Recording(len(self.conns))
        conn.connection_made(transport)  # type: ignore[arg-type]
        self.conns[nick] = (conn, transport)
        opening = f"CAP REQ :{caps}\r\nCAP END\r\n" if caps else ""
        self.feed(nick, f"{opening}NICK {nick}\r\nUSER u 0 * :{nick}\r\n")
        self.turn()

    def feed(self, nick: str, lines: str) -> None:
        """One read of the client's: every line of it handled before the turn ends."""
        self.conns[nick][0].data_received(lines.encode())

    def turn(self) -> None:
        self.loop.run_until_complete(asyncio.sleep(0))

    def got(self, nick: str, command: str = "PRIVMSG") -> list[str]:
        """The texts of the lines of `command` the client got, in order."""
        return [
            line.split(" :", 1)[1] if command == "PRIVMSG" else line
            for line in self.conns[nick][1].lines()
            if line.split(" ")[1:2] == [command]
        ]

    def writes(self, nick: str) -> int:
        return len(self.conns[nick][1].writes)


@pytest.fixture
def room(tmp_path: Path) -> Iterator[Room]:
    made = Room(tmp_path)
    yield made
    made.loop.close()


def test_a_burst_reaches_every_member_in_order_in_one_write(room: Room) -> None:
    for nick in ("ann", "bob", "cat"):
        room.connect(nick)
        room.feed(nick, "JOIN #talk\r\n")
        room.turn()
    before = room.writes("bob")
    room.feed("ann", "".join(f"PRIVMSG #talk :line {n}\r\n" for n in range(50)))
    room.turn()
    expected = [f"line {n}" for n in range(50)]
    assert room.got("bob") == expected
    assert room.got("cat") == expected
    assert room.got("ann") == []  # never echoed back without echo-message
    assert room.writes("bob") == before + 1


def test_a_joiner_in_the_same_turn_gets_only_what_was_said_after_its_join(room: Room) -> None:
    for nick in ("ann", "bob"):
        room.connect(nick)
        room.feed(nick, "JOIN #talk\r\n")
        room.turn()
    room.connect("eve")
    room.feed("ann", "PRIVMSG #talk :before eve\r\n")
    room.feed("eve", "JOIN #talk\r\n")  # read in the same turn, between ann's two reads
    room.feed("ann", "PRIVMSG #talk :after eve\r\n")
    room.turn()
    assert room.got("eve") == ["after eve"]
    assert room.got("bob") == ["before eve", "after eve"]


def test_a_member_leaving_in_the_same_turn_still_gets_what_was_said_before(room: Room) -> None:
    for nick in ("ann", "bob", "cat"):
        room.connect(nick)
        room.feed(nick, "JOIN #talk\r\n")
        room.turn()
    room.feed("ann", "PRIVMSG #talk :one\r\nPRIVMSG #talk :two\r\n")
    room.feed("bob", "PART #talk :bye\r\n")
    room.feed("ann", "PRIVMSG #talk :three\r\n")
    room.turn()
    bob = room.conns["bob"][1].lines()
    assert room.got("bob") == ["one", "two"]
    assert [line.split(" ")[1] for line in bob[-3:]] == ["PRIVMSG", "PRIVMSG", "PART"]
    assert room.got("cat") == ["one", "two", "three"]


def test_other_lines_keep_their_place_among_channel_lines(room: Room) -> None:
    for nick in ("ann", "bob"):
        room.connect(nick, caps="echo-message")
        room.feed(nick, "JOIN #talk\r\n")
        room.turn()
    room.feed(
        "ann",
        "PRIVMSG #talk :first\r\nPRIVMSG bob :private\r\nPRIVMSG #talk :second\r\n"
        "NOTICE #talk :third\r\n",
    )
    room.turn()
    bob = [line.split(" :", 1)[1] for line in room.conns["bob"][1].lines()[-4:]]
    assert bob == ["first", "private", "second", "third"]
    assert room.got("ann") == ["first", "private", "second"]  # its echoes, in order
