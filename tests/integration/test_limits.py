"""Limits a client meets: line length, flood, send queue, per-address cap, timeouts."""

from __future__ import annotations

import socket
import time
from collections.abc import Callable

from support.client import IrcClient
from support.servers import ThreadServer


def test_overlong_line_gets_417_and_the_connection_goes_on(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice")
    alice.send("PRIVMSG #lobby :" + "x" * 600)
    assert alice.expect("417")
    alice.send("PING :after")
    assert alice.expect("PONG").params[-1] == "after"


def test_flood_is_paced_not_dropped(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"flood_burst": 5, "flood_rate": 20.0})
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    alice.register("alice")
    bob.register("bob")
    start = time.monotonic()
    alice.send(b"".join(f"PRIVMSG #lobby :line {i}\r\n".encode() for i in range(25)))
    texts = [bob.expect("PRIVMSG").params[1] for _ in range(25)]
    elapsed = time.monotonic() - start
    assert texts == [f"line {i}" for i in range(25)]  # all of them, in order
    assert elapsed >= 0.9  # 20 lines past the burst at 20 a second: about one second


def test_flood_before_registration_is_paced_too(make_server: Callable[..., ThreadServer]) -> None:
    """A connection that never registers cannot send at wire speed for the 30 s it has."""
    server = make_server(limits={"flood_burst": 5, "flood_rate": 50.0})
    hub = server.process.hub if server.process else None
    assert hub is not None
    unregistered = IrcClient(server.port)
    unregistered.send(b"".join(f"PING :n{i}\r\n".encode() for i in range(60)))
    answers = [unregistered.expect("PONG").params[-1] for _ in range(60)]
    assert answers == [f"n{i}" for i in range(60)]  # paced, in order, none dropped
    assert server.call(lambda: hub.flood_throttles) >= 1
    registering = IrcClient(server.port)  # a registration's own lines pass at once
    registering.send("CAP LS 302\r\nNICK bob\r\nUSER bob 0 * :Bob\r\nCAP END")
    registering.expect("001")


def test_without_flood_control_a_burst_passes_at_once(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False})
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    alice.register("alice")
    bob.register("bob")
    start = time.monotonic()
    alice.send(b"".join(f"PRIVMSG #lobby :n{i}\r\n".encode() for i in range(200)))
    for i in range(200):
        assert bob.expect("PRIVMSG").params[1] == f"n{i}"
    assert time.monotonic() - start < 0.9


def test_client_that_never_reads_is_dropped_for_sendq(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"flood_enabled": False, "sendq_bytes": 16384})
    talker, listener = IrcClient(server.port), IrcClient(server.port)
    talker.register("talker")
    listener.register("listener")
    sleeper = socket.socket()
    sleeper.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # before connect: small window
    sleeper.connect(("127.0.0.1", server.port))
    sleeper.sendall(b"NICK sleeper\r\nUSER s 0 * :never reads\r\n")
    talker.expect(lambda m: m.command == "JOIN" and m.source.startswith("sleeper!"))
    line = "PRIVMSG #lobby :" + "z" * 400 + "\r\n"
    quit_ = None
    for _round in range(2000):  # bounded: 2000 x 30 lines, under 14 kB a round
        talker.send(line.encode() * 30)
        listener.sync()  # the listener reads everything; only the sleeper falls behind
        got = talker.sync()
        quit_ = next((m for m in got if m.command == "QUIT"), None)
        if quit_ is not None:
            break
    assert quit_ is not None and quit_.source.startswith("sleeper!")
    assert quit_.params[0] == "SendQ exceeded"
    talker.send("PRIVMSG #lobby :still here")
    assert listener.expect(lambda m: m.params[-1:] == ("still here",))
    sleeper.close()


def test_connections_per_address_are_capped(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"connections_per_ip": 3})
    first = [IrcClient(server.port) for _ in range(3)]
    for i, client in enumerate(first):
        client.register(f"user{i}")
    extra = IrcClient(server.port)
    closing = extra.wait_closed()
    assert closing[-1].command == "ERROR"
    first[0].send("QUIT")
    first[0].wait_closed()
    deadline = time.monotonic() + 5
    while True:  # the slot frees when the server sees the close
        again = IrcClient(server.port)
        try:
            again.register("again")
            break
        except Exception:
            again.close()
            assert time.monotonic() < deadline, "no slot freed after a client left"


def test_unregistered_client_times_out(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"registration_timeout": 1.0})
    client = IrcClient(server.port)
    client.send("NICK lingerer")
    messages = client.wait_closed(timeout=5)
    assert messages[-1].command == "ERROR"
    assert "Registration timed out" in messages[-1].params[0]


def test_silent_client_is_pinged_and_dropped(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"ping_interval": 1.0, "ping_timeout": 1.0})
    watcher, silent = IrcClient(server.port), IrcClient(server.port)
    watcher.register("watcher")
    silent.register("silent")
    ping = silent.expect("PING", timeout=5)
    assert ping.params
    deadline = time.monotonic() + 8
    while time.monotonic() < deadline:  # the watcher answers its own PINGs meanwhile
        got = watcher.expect(lambda m: m.command in ("PING", "QUIT"), timeout=8)
        if got.command == "PING":
            watcher.send(f"PONG :{got.params[0]}")
            continue
        assert got.source.startswith("silent!") and "Ping timeout" in got.params[0]
        break
    else:
        raise AssertionError("the silent client was never dropped")


def test_client_answering_pings_stays(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"ping_interval": 1.0, "ping_timeout": 1.0})
    client = IrcClient(server.port)
    client.register("alive")
    for _ in range(2):
        ping = client.expect("PING", timeout=5)
        client.send(f"PONG :{ping.params[0]}")
    client.send("PING :ok")
    assert client.expect("PONG").params[-1] == "ok"
