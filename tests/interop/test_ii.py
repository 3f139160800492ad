"""ii (suckless's FIFO client) chats with one of our test clients through Parley."""

from __future__ import annotations

import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.binaries import require
from support.client import IrcClient
from support.one_word import CHANNEL, op_of_channel, say_one_word_lines
from support.servers import ThreadServer
from support.waiting import wait_until


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


def test_ii_shows_every_kind_of_one_word_text(ii: Path, connect: Callable[..., IrcClient]) -> None:
    """Notices, actions, a topic, kick and quit reasons of one word; text starting with ':'."""
    wait_until(lambda: (ii / "in").exists(), what="ii's input FIFO")
    bob = op_of_channel(connect)
    with open(ii / "in", "w") as fifo:
        fifo.write(f"/j {CHANNEL}\n")
    say_one_word_lines(bob, connect, "iiuser")
    tea, private = ii / CHANNEL, ii / "bob"
    shown = {
        "the one-word private message": (private, "<bob> psst"),
        "the one-word private notice": (private, '"psst2"'),
        "the private action": (private, "<bob> \x01ACTION nods\x01"),
        "the channel notice": (tea, '"heads-up"'),
        "the channel action": (tea, "<bob> \x01ACTION waves\x01"),
        "the text starting with ':'": (tea, "<bob> :)"),
        "the one-word topic": (tea, 'changed topic to "tea"'),
        "the one-word part": (tea, "carol(carol@127.0.0.1) has left #tea"),
        "the empty part": (tea, "dave(dave@127.0.0.1) has left #tea"),
        "the one-word kick reason": (tea, 'bob kicked erin  ("out")'),
        "the empty kick reason": (tea, 'bob kicked frank  ("bob")'),
        "the empty quit reason": (ii, 'gina(gina@127.0.0.1) has quit "Quit"'),
        "the new nick": (ii, "hank changed nick to henry"),
    }
    for what, (window, text) in shown.items():
        wait_until(lambda w=window, t=text: t in read(w / "out"), what=what)
    windows = sorted(path.name for path in ii.iterdir() if path.is_dir())
    assert windows == ["#lobby", CHANNEL, "bob"]  # no window named after a reason
