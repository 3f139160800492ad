"""irssi, in a tmux pane as a person would use it, chats through Parley."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.binaries import require
from support.client import IrcClient
from support.one_word import CHANNEL, op_of_channel, say_one_word_lines
from support.servers import ThreadServer
from support.waiting import wait_until

IRSSI_CONFIG = """
settings = {
  core = { real_name = "Irssi User"; user_name = "irssiuser"; nick = "irssiuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "LOGS/$0.log"; };
};
"""


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


class Tmux:
    """A private tmux server (its own socket) holding one pane."""

    def __init__(self, socket_name: str) -> None:
        self.binary = require("tmux")
        self.socket = socket_name
        self.logs = Path()  # where irssi writes each window's log

    def run(self, *args: str) -> str:
        result = subprocess.run(
            [self.binary, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return result.stdout

    def screen(self) -> str:
        return self.run("capture-pane", "-p", "-t", "main")

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)
        self.run("send-keys", "-t", "main", "Enter")


@pytest.fixture
def irssi(server: ThreadServer, tmp_path: Path) -> Iterator[Tmux]:
    """irssi connected as `irssiuser`, inside its own tmux server."""
    binary = require("irssi")
    home = tmp_path / "irssi"
    home.mkdir()
    (home / "config").write_text(IRSSI_CONFIG.replace("LOGS", str(home / "logs")))
    tmux = Tmux(f"parley-test-{os.getpid()}-{tmp_path.name}")  # unique across parallel runs
    command = f"{binary} --home={home} -c 127.0.0.1 -p {server.port} -n irssiuser"
    tmux.run("new-session", "-d", "-s", "main", "-x", "160", "-y", "40", command)
    try:
        tmux.logs = home / "logs"
        yield tmux
    finally:
        subprocess.run(
            [tmux.binary, "-L", tmux.socket, "kill-server"], capture_output=True, timeout=10
        )


def test_irssi_joins_the_lobby_and_chats(irssi: Tmux, connect: Callable[..., IrcClient]) -> None:
    bob = connect("bob")
    bob.expect(lambda m: m.command == "JOIN" and m.source.startswith("irssiuser!"), timeout=15)
    irssi.type("/window goto #lobby")
    wait_until(lambda: "#lobby" in irssi.screen(), what="irssi's #lobby window")

    irssi.type("hello from irssi")
    said = bob.expect("PRIVMSG")
    assert said.params == ("#lobby", "hello from irssi")
    assert said.source.startswith("irssiuser!")

    bob.send("PRIVMSG #lobby :hi irssi")
    wait_until(lambda: "hi irssi" in irssi.screen(), what="bob's message on irssi's screen")

    carol = connect("carol")
    wait_until(lambda: "carol" in irssi.screen() and "has joined" in irssi.screen(), what="join")
    carol.send("QUIT :gone fishing")
    wait_until(lambda: "gone fishing" in irssi.screen(), what="carol's quit with its reason")


def test_irssi_shows_every_kind_of_one_word_text(
    irssi: Tmux, connect: Callable[..., IrcClient]
) -> None:
    """Messages, notices, actions, a topic and reasons of one word or none, as irssi logs them."""
    bob = op_of_channel(connect)
    bob.expect(lambda m: m.command == "JOIN" and m.source.startswith("irssiuser!"), timeout=15)
    irssi.type(f"/join {CHANNEL}")  # once connected: irssi is in the lobby
    say_one_word_lines(bob, connect, "irssiuser")
    tea, private = irssi.logs / f"{CHANNEL}.log", irssi.logs / "bob.log"
    shown = {
        "the one-word private message": (private, "<bob> psst"),
        "the one-word private notice": (private, "-bob(bob@127.0.0.1)- psst2"),
        "the private action": (private, " * bob nods"),
        "the channel notice": (tea, "-bob:#tea- heads-up"),
        "the channel action": (tea, " * bob waves"),
        "the text starting with ':'": (tea, "<@bob> :)"),
        "the one-word topic": (tea, "bob changed the topic of #tea to: tea"),
        "the one-word part": (tea, "carol [carol@127.0.0.1] has left #tea [bye]"),
        "the empty part": (tea, "dave [dave@127.0.0.1] has left #tea []"),
        "the one-word kick reason": (tea, "erin was kicked from #tea by bob [out]"),
        "the empty kick reason": (tea, "frank was kicked from #tea by bob [bob]"),
        "the empty quit reason": (tea, "gina [gina@127.0.0.1] has quit [Quit]"),
        "the new nick": (tea, "hank is now known as henry"),
    }
    for what, (log, text) in shown.items():
        wait_until(lambda f=log, t=text: t in read(f), what=what)


def test_irssi_searches_history_through_histserv(
    irssi: Tmux, connect: Callable[..., IrcClient]
) -> None:
    """`/msg HistServ SEARCH words`: the results come back as NOTICEs irssi shows."""
    bob = connect("bob")
    bob.expect(lambda m: m.command == "JOIN" and m.source.startswith("irssiuser!"), timeout=15)
    bob.send("PRIVMSG #lobby :the kettle is on")
    bob.send("PRIVMSG #lobby :something else")
    bob.sync()
    irssi.type("/msg HistServ SEARCH kettle")
    log = irssi.logs / "histserv.log"  # (irssi names a query's log in lower case)
    wait_until(lambda: "#lobby <bob> the kettle is on" in read(log) + irssi.screen(),
               what="HistServ's result in irssi")  # fmt: skip
    assert "something else" not in read(log)
    irssi.type("/msg HistServ SEARCH nothing-like-it")
    wait_until(lambda: "No messages found" in read(log) + irssi.screen(), what="no results")
