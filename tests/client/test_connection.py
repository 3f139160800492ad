"""The client's connection thread against a real server: TLS pinning, chat, reconnect."""

from __future__ import annotations

import queue
import socket
import time
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from parley.client import state as cs
from parley.client.connection import (
    CertificateChanged,
    CertificatePinned,
    Connected,
    Connection,
    Disconnected,
    Lag,
    describe_connect_error,
)
from parley.client.pins import PinStore
from parley.irc.message import Message
from parley.server.config import Address
from support.client import IrcClient
from support.servers import ThreadServer
from support.servers import test_config as server_config


def wait_event(conn: Connection, test: Callable[[object], bool], timeout: float = 10.0) -> object:
    """The first event (from now on) that passes `test`."""
    deadline = time.monotonic() + timeout
    while True:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise AssertionError("no such event in time")
        try:
            event = conn.events.get(timeout=remaining)
        except queue.Empty:
            continue
        if test(event):
            return event


def test_first_tls_connection_pins_the_certificate_and_chats(
    make_server: Callable[..., ThreadServer], tmp_path: Path
) -> None:
    server = make_server(tls=True)
    pins = PinStore(tmp_path / "pins.json")
    conn = Connection("127.0.0.1", server.tls_port, True, lambda: cs.ClientState("gui"), pins)
    conn.start()
    try:
        pinned = wait_event(conn, lambda e: isinstance(e, CertificatePinned))
        assert isinstance(pinned, CertificatePinned)
        assert pins.get("127.0.0.1", server.tls_port) == pinned.fingerprint
        wait_event(conn, lambda e: e == cs.Joined("#lobby"))
        other = IrcClient(server.port)
        other.register("other")
        assert conn.send(Message.of("PRIVMSG", "#lobby", "from the gui"))
        assert other.expect("PRIVMSG").params == ("#lobby", "from the gui")
        other.send("PRIVMSG #lobby :to the gui")
        line = wait_event(conn, lambda e: isinstance(e, cs.ChatLine) and not e.own)
        assert isinstance(line, cs.ChatLine) and line.text == "to the gui"
    finally:
        conn.close()


def test_changed_certificate_waits_for_the_user(
    make_server: Callable[..., ThreadServer], tmp_path: Path
) -> None:
    server = make_server(tls=True)
    pins = PinStore(tmp_path / "pins.json")
    pins.pin("127.0.0.1", server.tls_port, "00:11:22")  # what we saw last time
    conn = Connection("127.0.0.1", server.tls_port, True, lambda: cs.ClientState("wary"), pins)
    conn.start()
    try:
        changed = wait_event(conn, lambda e: isinstance(e, CertificateChanged))
        assert isinstance(changed, CertificateChanged) and changed.old == "00:11:22"
        stopped = wait_event(conn, lambda e: isinstance(e, Disconnected))
        assert isinstance(stopped, Disconnected) and stopped.retry_in is None
        assert not conn.send(Message.of("PRIVMSG", "#lobby", "refused while disconnected"))
        conn.trust(changed.new)
        wait_event(conn, lambda e: isinstance(e, cs.Registered))
        assert pins.get("127.0.0.1", server.tls_port) == changed.new
    finally:
        conn.close()


def test_reconnects_after_the_server_restarts_and_rejoins_with_its_nick(tmp_path: Path) -> None:
    first = ThreadServer(server_config(tmp_path / "a")).start()
    port = first.port
    conn = Connection("127.0.0.1", port, False, lambda: cs.ClientState("stayer"))
    conn.start()
    second: ThreadServer | None = None
    try:
        wait_event(conn, lambda e: e == cs.Joined("#lobby"))
        assert conn.send(Message.of("JOIN", "#room"))
        wait_event(conn, lambda e: e == cs.Joined("#room"))
        assert conn.send(Message.of("NICK", "renamed"))
        wait_event(conn, lambda e: isinstance(e, cs.Membership) and e.detail == "renamed")
        first.stop()
        gone = wait_event(conn, lambda e: isinstance(e, Disconnected))
        assert isinstance(gone, Disconnected) and gone.retry_in is not None
        config = server_config(tmp_path / "b")
        second = ThreadServer(replace(config, listen=(Address("127.0.0.1", port),))).start()
        wait_event(conn, lambda e: isinstance(e, Connected), timeout=20)
        wait_event(conn, lambda e: e == cs.Registered("renamed"))
        wait_event(conn, lambda e: e == cs.Joined("#room"))
    finally:
        conn.close()
        if second is not None:
            second.stop()


def test_lag_is_measured_with_pings(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server()
    conn = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("timer"))
    conn.lag_interval = 0.2
    conn.start()
    try:
        lag = wait_event(conn, lambda e: isinstance(e, Lag))
        assert isinstance(lag, Lag) and 0 <= lag.seconds < 5
    finally:
        conn.close()


def test_joining_fetches_what_was_said_before(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server()
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("PRIVMSG #lobby :said before you came")
    bob.sync()
    conn = Connection("127.0.0.1", server.port, False, lambda: cs.ClientState("late"))
    conn.start()
    try:
        line = wait_event(conn, lambda e: isinstance(e, cs.ChatLine))
        assert isinstance(line, cs.ChatLine)
        assert (line.sender, line.text) == ("bob", "said before you came")
        assert line.time is not None  # shown with its own time
    finally:
        conn.close()


def failure(port: int, tls: bool, timeout: float = 15.0) -> tuple[Disconnected, Connection]:
    """Connect once, not retrying, and return why it ended."""
    conn = Connection("127.0.0.1", port, tls, lambda: cs.ClientState("x"), retry_first=False)
    conn.connect_timeout = timeout
    conn.start()
    try:
        ended = wait_event(conn, lambda e: isinstance(e, Disconnected), timeout=timeout + 10)
    finally:
        conn.close()
    assert isinstance(ended, Disconnected)
    return ended, conn


def closed_port() -> int:
    """A loopback port with nothing listening on it."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_refused_connection_is_explained_and_not_retried() -> None:
    ended, conn = failure(closed_port(), tls=False)
    assert "connection refused" in ended.reason and ended.retry_in is None
    assert "Errno" not in ended.reason and "Connect call failed" not in ended.reason
    assert not conn.registered_once


def test_tls_against_a_plain_port_says_it_is_plain(
    make_server: Callable[..., ThreadServer],
) -> None:
    ended, _ = failure(make_server().port, tls=True)
    assert "plain port" in ended.reason and "Encrypted (TLS)" in ended.reason


def test_plain_against_a_tls_port_suggests_tls(make_server: Callable[..., ThreadServer]) -> None:
    ended, _ = failure(make_server(tls=True).tls_port, tls=False)
    assert "without a word" in ended.reason and "tick Encrypted (TLS)" in ended.reason


def test_a_silent_server_is_a_timeout_in_words() -> None:
    with socket.socket() as silent:  # accepts (the kernel does) but never speaks TLS
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        ended, _ = failure(silent.getsockname()[1], tls=True, timeout=0.5)
    assert "did not finish within 0.5 seconds" in ended.reason


def test_an_unknown_server_name_is_worded() -> None:
    error = socket.gaierror(socket.EAI_NONAME, "Name or service not known")
    text = describe_connect_error(error, "chat.example.invalid", 6697, 15)
    assert text.startswith("The server name chat.example.invalid was not found")
