"""Long replies (LIST, WHO) are made as the client reads them, not all at once.

The network is filled from inside the server: a session on a connection that
takes everything and keeps nothing joins thousands of channels (or thousands of
such sessions register), through the core's own entry points on its loop.
"""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Callable, Iterator

import pytest

import support.servers
from parley.irc.message import parse
from parley.server.core.context import STREAM_FIRST
from parley.server.core.server import Server
from parley.server.net.connection import PULL_BYTES, ClientConnection
from parley.server.net.hub import Hub
from support.client import IrcClient
from support.servers import ThreadServer
from support.sink import Sink
from support.waiting import wait_until

CHANNELS = 3000
TOPIC = "a topic long enough that three thousand of them pass the send queue " * 2
HIGH_WATER = 64 * 1024  # asyncio's and uvloop's default for a transport's write buffer


def hub_of(server: ThreadServer) -> Hub:
    assert server.process is not None
    return server.process.hub


def fill_channels(hub: Hub) -> None:
    """CHANNELS channels, each with one member and a topic."""
    core: Server = hub.core
    session = core.connect(Sink())
    core.receive(session, b"NICK filler")
    core.receive(session, b"USER filler 0 * :filler")
    for i in range(CHANNELS):
        core.receive(session, f"JOIN #room{i:04}".encode())
        core.receive(session, f"TOPIC #room{i:04} :{TOPIC}".encode())


def fill_users(hub: Hub, count: int) -> None:
    """`count` registered users with long real names."""
    core: Server = hub.core
    for i in range(count):
        session = core.connect(Sink())
        core.receive(session, f"NICK user{i:04}".encode())
        core.receive(session, f"USER u{i} 0 * :{'r' * 90}".encode())


def channel_server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    server = make_server(limits={"channels_per_user": CHANNELS + 10})
    server.call(fill_channels, hub_of(server))
    return server


def test_list_of_3000_channels_arrives_whole_and_in_order_with_what_follows(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = channel_server(make_server)
    asker = IrcClient(server.port, timeout=30)
    asker.register("asker")
    asker.send("LIST\r\nPING :after")
    replies = asker.collect_until("323")
    listed = [m.params[1] for m in replies if m.command == "322"]
    assert len(listed) == CHANNELS + 1  # and the lobby
    assert set(listed) == {"#lobby"} | {f"#room{i:04}" for i in range(CHANNELS)}
    assert not [m for m in replies if m.command == "ERROR"]
    # The line sent after LIST is answered after the whole of it.
    assert asker.expect("PONG").params[-1] == "after"
    asker.send("PRIVMSG #lobby :still connected")
    asker.sync()


def test_labelled_list_is_one_batch_around_every_line(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = channel_server(make_server)
    asker = IrcClient(server.port, timeout=30)
    asker.register("asker", caps=("labeled-response", "batch"))
    asker.send("@label=big LIST")
    start = asker.expect("BATCH")
    assert start.tags == {"label": "big"} and start.params[1] == "labeled-response"
    ref = start.params[0][1:]
    inner = asker.collect_until_match(lambda m: m.command == "BATCH")
    end = inner.pop()
    assert end.params == (f"-{ref}",)
    assert [m.command for m in inner] == ["321"] + ["322"] * (CHANNELS + 1) + ["323"]
    assert all(m.tags == {"batch": ref} for m in inner)


def test_who_over_3000_users_arrives_whole(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None)
    server.call(fill_users, hub_of(server), 3000)
    asker = IrcClient(server.port, timeout=30)
    asker.register("asker", lobby=False)
    asker.send("WHO *")
    replies = asker.collect_until("315")
    assert len([m for m in replies if m.command == "352"]) == 3001  # and the asker


def _connection_of(hub: Hub, nick: str) -> ClientConnection:
    for conn in hub.connections:
        client = conn.session.client if conn.session is not None else None
        if client is not None and client.nick == nick:
            return conn
    raise LookupError(nick)


@pytest.mark.parametrize("loop", ["uvloop", "asyncio"])
def test_a_slow_reader_gets_everything_and_the_server_holds_little_for_it(
    make_server: Callable[..., ThreadServer], monkeypatch: pytest.MonkeyPatch, loop: str
) -> None:
    if loop == "asyncio":
        monkeypatch.setattr(support.servers, "new_event_loop", asyncio.new_event_loop)
    else:
        pytest.importorskip("uvloop")
    server = channel_server(make_server)
    hub = hub_of(server)
    reader = socket.socket()
    reader.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    reader.connect(("127.0.0.1", server.port))
    reader.settimeout(10)
    reader.sendall(b"NICK slow\r\nUSER slow 0 * :reads slowly\r\n")
    received = b""
    while b" 366 slow #lobby " not in received:
        received += reader.recv(4096)

    def shrink_send_buffer(hub: Hub) -> None:  # a slow network: the kernel holds little
        sock = _connection_of(hub, "slow")._transport.get_extra_info("socket")
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, 8192)

    server.call(shrink_send_buffer, hub)
    reader.sendall(b"LIST\r\n")

    def held(hub: Hub) -> tuple[bool, int]:
        """Whether the reply is still being made, and what the server holds for the peer."""
        conn = _connection_of(hub, "slow")
        assert conn.session is not None
        transport = conn._transport
        queued = sum(map(len, conn.out)) + (transport.get_write_buffer_size() if transport else 0)
        return conn.session.pending is not None, queued

    most_held, steps_waiting = 0, 0
    for _ in range(2000):  # each step reads at most 4 KiB of a reply of about 500 KiB
        if b" 323 slow " in received:
            break
        wait_until(lambda: not server.call(held, hub)[0] or _stalled(reader), what="the server")
        pending, queued = server.call(held, hub)
        most_held = max(most_held, queued)
        steps_waiting += pending
        received += reader.recv(4096)
    lines = [parse(line) for line in received.split(b"\r\n") if line]
    assert [m.params[1] for m in lines if m.command == "322"][-1] == f"#room{CHANNELS - 1:04}"
    assert len([m for m in lines if m.command == "322"]) == CHANNELS + 1
    assert not [m for m in lines if m.command == "ERROR"]
    assert steps_waiting > 10  # the reply was made as the reader read, not all at once
    assert most_held <= HIGH_WATER + PULL_BYTES  # far below the 256 KiB send queue
    reader.close()


def _stalled(reader: socket.socket) -> bool:
    """Whether the reader has something waiting to be read (the server wrote to it)."""
    try:
        return bool(reader.recv(1, socket.MSG_PEEK | socket.MSG_DONTWAIT))
    except BlockingIOError:
        return False


def test_names_of_a_big_channel_waits_on_the_session_until_pulled() -> None:
    """Sans-IO: the core sends the first piece, and the rest as the net layer pulls it."""
    from core.fake import Harness, commands_of

    harness = Harness(lobby=None)
    for i in range(600):
        harness.user(f"member{i:03}{'x' * 20}", "#big")
    session, conn = harness.connect()
    harness.say(session, "CAP REQ :labeled-response batch", "NICK asker", "USER a 0 * :a")
    harness.say(session, "CAP END")
    conn.take()
    harness.say(session, "@label=n NAMES #big")
    assert sum(map(len, conn.sent)) < STREAM_FIRST + 600  # the first piece only
    assert session.pending is not None
    while session.pending is not None:
        conn.send(session.pull(PULL_BYTES))
    messages = conn.take()
    assert commands_of(messages)[0] == "BATCH" and messages[0].tags == {"label": "n"}
    assert commands_of(messages)[-2:] == ["366", "BATCH"]
    names = " ".join(m.params[-1] for m in messages if m.command == "353").split()
    assert sorted(name.lstrip("@") for name in names) == [
        f"member{i:03}{'x' * 20}" for i in range(600)
    ]


def test_a_failing_stream_ends_its_reply_not_the_server() -> None:
    from core.fake import Harness

    harness = Harness()
    session, conn = harness.user("asker")

    def broken() -> Iterator[bytes]:
        yield b":test.parley NOTICE asker :one\r\n"
        raise RuntimeError("a bug")

    session.queue(broken())
    assert session.pull(PULL_BYTES) == b":test.parley NOTICE asker :one\r\n"
    assert session.pending is None
    harness.say(session, "PING :still")
    assert conn.take()[-1].command == "PONG"


def test_replies_to_later_commands_wait_behind_a_long_reply() -> None:
    """Lines the core handles while a reply is still pending (those held for a slow
    job) are answered after it."""
    from core.fake import Harness

    harness = Harness(lobby=None)
    session, conn = harness.user("asker")
    session.queue(iter([b":test.parley NOTICE asker :long reply, last line\r\n"]))
    harness.say(session, "PING :next")
    assert conn.take() == []
    conn.send(session.pull(PULL_BYTES))
    assert [m.command for m in conn.take()] == ["NOTICE", "PONG"]
