"""What a TLS connection hands its transport: long replies in small pieces, and
nothing piled into the TLS layer while the client is not reading.

The TLS layer encrypts each write whole into a memory buffer that keeps, for the
connection's life, the size of the largest write it took; so a big channel's
NAMES, written at once, would stay in memory on every member that joined it.
"""

from __future__ import annotations

import socket
from collections.abc import Callable
from typing import Any

import pytest

from parley.server.core.context import TLS_PIECE
from parley.server.core.server import Server
from parley.server.net.connection import MAX_LINE, ClientConnection
from parley.server.net.hub import Hub
from support.client import IrcClient
from support.servers import ThreadServer, use_loop
from support.sink import Sink
from support.waiting import wait_until

MEMBERS = 1500  # a NAMES reply of about 15 kB
BATCH = 20  # lines the sender sends between two PINGs: one turn's output to the reader
MAX_BATCHES = 2000  # a bound on the loop: far more than the socket buffers hold
TEXT = "x" * 100
CHANNELS = 4000  # a LIST of about 900 kB: past the send queue, and the kernel's buffers
TOPIC = "a topic long enough that four thousand of them pass the send queue " * 3


class Recording:
    """A transport that notes the size of every write before passing it on."""

    def __init__(self, inner: Any) -> None:
        self.inner = inner
        self.sizes: list[int] = []

    def write(self, data: bytes) -> None:
        self.sizes.append(len(data))
        self.inner.write(data)

    def __getattr__(self, name: str) -> Any:
        return getattr(self.inner, name)


def hub_of(server: ThreadServer) -> Hub:
    assert server.process is not None
    return server.process.hub


def connection_of(hub: Hub, nick: str) -> ClientConnection:
    found = [c for c in hub.connections if c.session is not None and c.session.nick == nick]
    assert found, f"{nick}'s connection is gone (dropped for its send queue?)"
    return found[0]


def fill_channel(hub: Hub, first: int, count: int) -> None:
    core: Server = hub.core
    for i in range(first, first + count):
        session = core.connect(Sink())
        core.receive(session, f"NICK member{i:04}".encode())
        core.receive(session, f"USER m{i} 0 * :member".encode())
        core.receive(session, b"JOIN #big")


def fill_channels(hub: Hub) -> None:
    core: Server = hub.core
    session = core.connect(Sink())
    core.receive(session, b"NICK filler")
    core.receive(session, b"USER filler 0 * :filler")
    for i in range(CHANNELS):
        core.receive(session, f"JOIN #room{i:04}".encode())
        core.receive(session, f"TOPIC #room{i:04} :{TOPIC}".encode())


def record_writes(hub: Hub, nick: str) -> Recording:
    conn = connection_of(hub, nick)
    recording = Recording(conn._transport)
    conn._transport = recording  # type: ignore[assignment]
    return recording


@pytest.fixture(autouse=True, params=["uvloop", "asyncio"])
def loop_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both event loops the server runs on (uvloop when installed, asyncio otherwise)."""
    return use_loop(str(request.param), monkeypatch)


def tls_server(make_server: Callable[..., ThreadServer], **limits: Any) -> ThreadServer:
    return make_server(tls=True, lobby=None, limits={"flood_enabled": False, **limits})


def test_a_big_names_reply_reaches_a_tls_client_whole_in_small_writes(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = tls_server(make_server)
    hub = hub_of(server)
    for first in range(0, MEMBERS, 250):
        server.call(fill_channel, hub, first, 250)
    client = IrcClient(server.tls_port, tls=True)
    try:
        client.register("alice", lobby=False)
        recording = server.call(record_writes, hub, "alice")
        client.send("JOIN #big")
        replies = client.collect_until("366")
    finally:
        client.close()
    names = {
        name.lstrip("@+") for m in replies if m.command == "353" for name in m.params[-1].split()
    }
    assert names == {f"member{i:04}" for i in range(MEMBERS)} | {"alice"}
    sizes = list(recording.sizes)
    assert sum(sizes) > 3 * TLS_PIECE
    # Whole lines, a piece at a time: never much past TLS_PIECE (the JOIN and one line more).
    assert max(sizes) <= TLS_PIECE + 2 * MAX_LINE, sizes


def small_send_buffer(hub: Hub, nick: str) -> None:
    """The kernel's buffer for the reader stays small: the transport backs up soon."""
    transport = connection_of(hub, nick)._transport
    assert transport is not None
    transport.get_extra_info("socket").setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 4096)


def held_and_buffered(hub: Hub, nick: str) -> tuple[int, int]:
    conn = connection_of(hub, nick)
    assert conn._transport is not None
    return conn._held_bytes, conn._transport.get_write_buffer_size()


def test_a_tls_client_that_stops_reading_costs_the_tls_layer_one_write_and_loses_nothing(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = tls_server(make_server, sendq_bytes=4 * 1024 * 1024)
    hub = hub_of(server)
    reader = IrcClient(server.tls_port, tls=True)
    sender = IrcClient(server.port)
    try:
        reader.register("reader", lobby=False)
        reader.send("JOIN #c")
        reader.collect_until("366")
        sender.register("sender", lobby=False)
        sender.send("JOIN #c")
        sender.collect_until("366")
        server.call(small_send_buffer, hub, "reader")
        turn = len(f":sender!sender@127.0.0.1 PRIVMSG #c :00000 {TEXT}\r\n") * BATCH
        sent = 0
        held = buffered = 0
        for _ in range(MAX_BATCHES):  # until the reader's socket is backed up
            for _ in range(BATCH):
                sender.send(f"PRIVMSG #c :{sent:05} {TEXT}")
                sent += 1
            sender.send(f"PING :{sent}")
            sender.expect(lambda m, n=sent: m.command == "PONG" and m.params[-1] == str(n))
            held, buffered = server.call(held_and_buffered, hub, "reader")
            if held > 4 * turn:
                break
        # The output waits in the connection, counted against the send queue; the TLS
        # layer holds what it took before the socket backed up, a turn at most.
        assert held > 4 * turn, (sent, held, buffered)
        assert buffered <= turn + MAX_LINE, (held, buffered)
        sender.send("PRIVMSG #c :last")
        got = reader.collect_until_match(
            lambda m: m.command == "PRIVMSG" and m.params[-1] == "last"
        )
        wait_until(lambda: server.call(held_and_buffered, hub, "reader") == (0, 0))
    finally:
        reader.close()
        sender.close()
    texts = [m.params[-1] for m in got if m.command == "PRIVMSG"]
    assert texts == [f"{i:05} {TEXT}" for i in range(sent)] + ["last"]


def writing_paused(hub: Hub, nick: str) -> bool:
    conn = connection_of(hub, nick)
    assert not conn.closing
    return conn._writing_paused


def test_a_tls_client_reading_a_long_reply_slowly_gets_all_of_it(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = tls_server(make_server, channels_per_user=CHANNELS + 10)
    hub = hub_of(server)
    server.call(fill_channels, hub)
    client = IrcClient(server.tls_port, tls=True)
    try:
        client.register("alice", lobby=False)
        server.call(small_send_buffer, hub, "alice")
        client.send("LIST")
        # The reply waits for the client (not the send queue's drop) while it does not read.
        wait_until(lambda: server.call(writing_paused, hub, "alice"), what="writing paused")
        held, buffered = server.call(held_and_buffered, hub, "alice")
        assert buffered <= 2 * TLS_PIECE, (held, buffered)
        replies = client.collect_until("323")
    finally:
        client.close()
    listed = [m for m in replies if m.command == "322"]
    assert len(listed) == CHANNELS
    assert all(m.params[-1] == TOPIC for m in listed), listed[0]
