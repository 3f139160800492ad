"""Connections are counted at accept, before TLS: silent sockets cannot take the server.

Attackers come from 127.0.0.2 and 127.0.0.3 and open many TCP connections to
the TLS port without ever starting a handshake; the normal client comes from
127.0.0.1. The caps are small here so the counts stay in the hundreds.
"""

from __future__ import annotations

import select
import socket
import ssl
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from parley.server.config import Limits
from parley.server.configfile import ConfigError, read_toml
from parley.server.net.admission import (
    SERVER_FULL,
    TOO_MANY_FROM_ADDRESS,
    TOO_MANY_WAITING,
    TRIM_AFTER,
    TRIM_PAUSE,
    Admission,
    Trimmer,
)
from parley.server.net.hub import Hub
from parley.server.store.bans import Ban
from support.client import Closed, IrcClient
from support.servers import ThreadServer, use_loop
from support.waiting import wait_until

ATTACKERS = ("127.0.0.2", "127.0.0.3")


def silent(port: int, source: str, count: int) -> list[socket.socket]:
    """`count` TCP connections from `source` that never say anything."""
    socks = []
    for _ in range(count):
        sock = socket.create_connection(("127.0.0.1", port), timeout=5, source_address=(source, 0))
        socks.append(sock)
    return socks


def hung_up(sock: socket.socket) -> bool:
    """Whether the server has closed `sock` (without a byte of TLS or IRC first)."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1, socket.MSG_PEEK) == b""
    except ConnectionResetError:
        return True


def count_hung_up(socks: list[socket.socket]) -> int:
    return sum(hung_up(sock) for sock in socks)


def hub_of(server: ThreadServer) -> Hub:
    assert server.process is not None
    return server.process.hub


def on_loop(server: ThreadServer, read: Callable[[Hub], object]) -> Callable[[], object]:
    """A condition read on the server's loop (the hub's counters belong to it)."""
    return lambda: server.call(read, hub_of(server))


@pytest.fixture
def sockets() -> Iterator[list[socket.socket]]:
    """Sockets a test opened, closed at its end."""
    opened: list[socket.socket] = []
    yield opened
    for sock in opened:
        sock.close()


@pytest.fixture(params=["uvloop", "asyncio"])
def loop_kind(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    """Both event loops the server runs on (uvloop when installed, asyncio otherwise)."""
    return use_loop(str(request.param), monkeypatch)


def test_silent_tls_connections_are_refused_past_the_per_address_cap_before_any_handshake(
    make_server: Callable[..., ThreadServer], sockets: list[socket.socket], loop_kind: str
) -> None:
    server = make_server(tls=True, limits={"connections_per_ip": 20, "handshake_timeout": 60.0})
    for source in ATTACKERS:
        sockets.extend(silent(server.tls_port, source, 150))
    # 130 of each address's 150 are closed at once, with no handshake begun.
    wait_until(lambda: count_hung_up(sockets) == 260, what="refusals past the cap")
    held = [sock for sock in sockets if not hung_up(sock)]
    assert sorted(sock.getsockname()[0] for sock in held) == sorted(ATTACKERS * 20)
    assert server.call(lambda hub: len(hub.handshakes), hub_of(server)) == 40
    # Meanwhile a normal client connects over TLS and registers.
    client = IrcClient(server.tls_port, tls=True)
    client.register("alice")
    client.send("PRIVMSG #lobby :still here")
    client.sync()
    client.close()


def test_silent_tls_connections_time_out_and_their_places_are_freed(
    make_server: Callable[..., ThreadServer], sockets: list[socket.socket], loop_kind: str
) -> None:
    server = make_server(tls=True, limits={"connections_per_ip": 20, "handshake_timeout": 0.5})
    for source in ATTACKERS:
        sockets.extend(silent(server.tls_port, source, 20))
    wait_until(lambda: count_hung_up(sockets) == 40, what="handshakes to time out")
    wait_until(on_loop(server, lambda hub: not hub.connections and not hub.per_ip))
    assert server.call(lambda hub: hub.handshake_failures, hub_of(server)) == 40
    # The places are free again: the same address gets in, and finishes its handshake.
    client = IrcClient(server.tls_port, tls=True, source=ATTACKERS[0])
    client.register("back")
    client.close()


def test_a_handshake_that_starts_slowly_still_completes(
    make_server: Callable[..., ThreadServer], loop_kind: str
) -> None:
    """Bytes of the ClientHello that arrive in pieces and late all reach the TLS layer."""
    server = make_server(tls=True)
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing)
    with pytest.raises(ssl.SSLWantReadError):
        tls.do_handshake()
    hello = outgoing.read()
    raw = socket.create_connection(("127.0.0.1", server.tls_port), timeout=5)
    for piece in (hello[:1], hello[1:5], hello[5:]):  # record header split, as a slow peer may
        raw.sendall(piece)
        wait_until(on_loop(server, lambda hub: bool(hub.handshakes)), what="the handshake")
    while True:
        try:
            tls.do_handshake()
            break
        except ssl.SSLWantReadError:
            raw.sendall(outgoing.read())
            incoming.write(raw.recv(65536))
    raw.sendall(outgoing.read())
    tls.write(b"NICK slow\r\nUSER slow 0 * :slow\r\n")
    raw.sendall(outgoing.read())
    received = b""
    deadline = time.monotonic() + 5
    while b" 001 " not in received and time.monotonic() < deadline:
        incoming.write(raw.recv(65536))
        try:
            received += tls.read(65536)
        except ssl.SSLWantReadError:
            continue
    assert b" 001 slow " in received
    raw.close()


def test_connections_waiting_to_register_are_capped_and_loopback_still_gets_in(
    make_server: Callable[..., ThreadServer], sockets: list[socket.socket]
) -> None:
    server = make_server(
        tls=True, limits={"connections_per_ip": 25, "max_unregistered": 30, "handshake_timeout": 60}
    )
    for source in ATTACKERS:
        sockets.extend(silent(server.tls_port, source, 25))
    wait_until(lambda: count_hung_up(sockets) == 20, what="the unregistered cap")
    # Over plain TCP the refusal says why.
    stranger = IrcClient(server.port, source="127.0.0.4")
    assert stranger.wait_closed()[-1].params == (TOO_MANY_WAITING,)
    # 127.0.0.1 is exempt from the global caps (not from the per-address one).
    for tls in (True, False):
        client = IrcClient(server.tls_port if tls else server.port, tls=tls)
        client.register(f"oper{int(tls)}")
        client.close()


def test_all_connections_are_capped_with_a_reason_and_registered_users_keep_theirs(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"connections_per_ip": 0, "max_connections": 4})
    users = [IrcClient(server.port, source=ATTACKERS[i % 2]) for i in range(4)]
    for i, user in enumerate(users):
        user.register(f"user{i}")
    refused = IrcClient(server.port, source="127.0.0.4")
    assert refused.wait_closed()[-1].params == (SERVER_FULL,)
    users[0].send("PRIVMSG #lobby :still fine")
    assert users[1].expect("PRIVMSG").params[1] == "still fine"
    exempt = IrcClient(server.port)  # 127.0.0.1: the operator's way in
    exempt.register("oper")
    for leaving in (users[0], exempt):  # the exempt one is counted too
        leaving.send("QUIT")
        leaving.wait_closed()

    def gets_in() -> bool:
        try:
            IrcClient(server.port, source="127.0.0.4").register("late")
        except (Closed, OSError):  # refused: full still
            return False
        return True

    wait_until(gets_in, what="a freed place")


def test_a_dlined_address_is_refused_before_its_tls_handshake(
    make_server: Callable[..., ThreadServer], sockets: list[socket.socket]
) -> None:
    server = make_server(tls=True, limits={"handshake_timeout": 60.0})
    ban = Ban(ATTACKERS[0], "abuse", "oper", time.time(), None)
    server.call(lambda hub: hub.core.bans.add(ban), hub_of(server))
    sockets.extend(silent(server.tls_port, ATTACKERS[0], 10))
    wait_until(lambda: count_hung_up(sockets) == 10, what="D-line refusals")
    assert server.call(
        lambda hub: (hub.handshake_failures, len(hub.connections)), hub_of(server)
    ) == (
        0,
        0,
    )
    with pytest.raises((ssl.SSLError, OSError)):
        IrcClient(server.tls_port, tls=True, source=ATTACKERS[0])
    IrcClient(server.tls_port, tls=True, source=ATTACKERS[1]).register("fine")


def test_config_reads_the_new_limits(tmp_path: Path) -> None:
    path = tmp_path / "parley.toml"
    path.write_text(
        "[limits]\nmax_connections = 0\nmax_unregistered = 100\nhandshake_timeout = 5\n"
        'connection_exempt = ["10.0.0.0/8", "::1"]\n'
    )
    limits = read_toml(path)["limits"]
    assert (limits.max_connections, limits.max_unregistered) == (0, 100)
    assert limits.handshake_timeout == 5.0
    assert limits.connection_exempt == ("10.0.0.0/8", "::1")
    path.write_text('[limits]\nconnection_exempt = ["everyone"]\n')
    with pytest.raises(ConfigError, match="connection_exempt: 'everyone' is not an IP"):
        read_toml(path)
    path.write_text("[limits]\nhandshake_timeout = 0\n")
    with pytest.raises(ConfigError, match="handshake_timeout: must be above 0"):
        read_toml(path)


def test_memory_is_trimmed_after_a_fall_from_the_peak_not_under_churn() -> None:
    trims: list[int] = []
    trimmer = Trimmer()
    trimmer._trim = lambda: trims.append(1)  # count, rather than trim the test's heap
    for _ in range(100):  # churn: connections come and go, the count stays near 500
        trimmer.seen(510)
        assert not trimmer.sweep(500)
    trimmer.seen(500 + TRIM_AFTER)  # a burst...
    assert trimmer.sweep(500)  # ...gone: handed back
    trimmer.seen(500 + TRIM_AFTER)
    assert not any(trimmer.sweep(500) for _ in range(TRIM_PAUSE))  # not again at once
    assert trimmer.sweep(500)
    assert len(trims) == 2


def test_an_ipv6_user_s_whole_64_counts_as_one_address() -> None:
    """Each IPv6 user holds 2**64 addresses: one per connection would dodge the cap."""
    limits = Limits(connections_per_ip=3, connection_exempt=())
    admission = Admission()
    for host in ("2001:db8:0:1::a", "2001:db8:0:1::b", "2001:db8:0:1:ffff::c"):
        assert admission.refusal(limits, host, 0, 0) is None
        admission.count(host)
    assert admission.refusal(limits, "2001:db8:0:1::d", 3, 0) == TOO_MANY_FROM_ADDRESS
    assert admission.refusal(limits, "2001:db8:0:2::a", 3, 0) is None  # the next /64
    assert admission.refusal(limits, "192.0.2.1", 3, 0) is None
    admission.uncount("2001:db8:0:1::b")
    assert admission.refusal(limits, "2001:db8:0:1::d", 2, 0) is None
