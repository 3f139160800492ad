"""ii (suckless's FIFO client) chats with one of our test clients through Parley."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import require, wait_until
from support.client import IrcClient
from support.servers import ThreadServer


@pytest.fixture
def ii(server: ThreadServer, tmp_path: Path) -> Iterator[Path]:
    """ii connected as `iiuser`; yields its directory for the server."""
    binary = require("ii")
    proc = subprocess.Popen(
        [binary, "-s", "127.0.0.1", "-p", str(server.port), "-n", "iiuser", "-i", str(tmp_path)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        yield tmp_path / "127.0.0.1"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def test_ii_is_joined_to_the_lobby_and_chats(ii: Path, connect: Callable[..., IrcClient]) -> None:
    lobby = ii / "#lobby"
    wait_until(lambda: "has joined #lobby" in read(lobby / "out"), what="ii in #lobby")
    bob = connect("bob")
    wait_until(lambda: "bob(bob@" in read(lobby / "out"), what="ii to see bob join")

    with open(lobby / "in", "w") as fifo:  # ii's input FIFO for the channel
        fifo.write("hello from ii\n")
    said = bob.expect("PRIVMSG")
    assert said.params == ("#lobby", "hello from ii")
    assert said.source.startswith("iiuser!")

    bob.send("PRIVMSG #lobby :hi ii, bob here")
    wait_until(lambda: "<bob> hi ii, bob here" in read(lobby / "out"), what="bob's message")

    bob.send("QUIT :off to lunch")
    wait_until(lambda: "off to lunch" in read(ii / "out"), what="bob's quit with its reason")
    quits = [line for line in read(ii / "out").splitlines() if "has quit" in line]
    assert quits and "bob(bob@127.0.0.1)" in quits[-1]


def test_ii_shows_one_word_messages_and_reasons(
    ii: Path, connect: Callable[..., IrcClient]
) -> None:
    """ii reads a message's text and a quit's reason after ':', one word too."""
    lobby = ii / "#lobby"
    wait_until(lambda: "has joined #lobby" in read(lobby / "out"), what="ii in #lobby")
    bob = connect("bob")
    wait_until(lambda: "bob(bob@" in read(lobby / "out"), what="ii to see bob join")
    bob.send("PRIVMSG iiuser psst")  # one word, sent without ':' as a client may
    wait_until(lambda: "<bob> psst" in read(ii / "bob" / "out"), what="the one-word message")
    bob.send("PRIVMSG #lobby :hi")
    wait_until(lambda: "<bob> hi" in read(lobby / "out"), what="the one-word channel message")
    bob.send("QUIT Quit")
    wait_until(lambda: "has quit" in read(ii / "out"), what="bob's quit")
    quits = [line for line in read(ii / "out").splitlines() if "has quit" in line]
    assert "Quit" in quits[-1]
    assert not (ii / "quit").exists() and not (ii / "Quit").exists()  # no window for it
