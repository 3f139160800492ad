"""Junk from a client gets a clear answer or is ignored; the server never breaks."""

from __future__ import annotations

import logging
import random
from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """Flood control off: the fuzzer sends far more than 2 lines a second."""
    return make_server(limits={"flood_enabled": False})


def test_invalid_utf8_is_refused_not_relayed(connect: Callable[..., IrcClient]) -> None:
    alice, bob = connect("alice"), connect("bob")
    alice.send(b"PRIVMSG #lobby :caf\xe9 \xff\xfe ok\r\n")
    assert alice.expect("FAIL").params[:2] == ("PRIVMSG", "INVALID_UTF8")
    assert [m for m in bob.sync() if m.command == "PRIVMSG"] == []


def test_nul_in_a_line_gets_400_and_the_connection_goes_on(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice")
    alice.send(b"PRIVMSG #lobby :a\x00b\r\n")
    assert alice.expect("400")
    alice.send("PING :fine")
    assert alice.expect("PONG").params[-1] == "fine"


def test_empty_and_blank_lines_are_ignored(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice")
    alice.send(b"\r\n\n   \r\n\r\r\n")
    assert alice.sync() == []


def test_random_bytes_never_break_the_server(
    connect: Callable[..., IrcClient], caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.ERROR)
    rng = random.Random(20261124)
    fuzzer, bystander = connect("fuzzer", caps=()), connect("bystander")
    commands = [b"PRIVMSG", b"JOIN", b"MODE", b"NICK", b"KICK", b"WHO", b"CAP", b"TOPIC", b""]
    for _ in range(40):  # bounded: 40 rounds of 50 lines
        lines = []
        for _ in range(50):
            junk = bytes(rng.randrange(256) for _ in range(rng.randrange(60)))
            junk = junk.replace(b"\n", b"").replace(b"\r", b"")
            lines.append(rng.choice(commands) + b" " + junk + b"\r\n")
        fuzzer.send(b"".join(lines))
        fuzzer.sync()  # the server still answers, in order
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR]
    bystander.send("PING :alive")
    assert bystander.expect("PONG").params[-1] == "alive"
