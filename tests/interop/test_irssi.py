"""irssi, in a tmux pane as a person would use it, chats through Parley."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from conftest import require, wait_until
from support.client import IrcClient
from support.servers import ThreadServer

IRSSI_CONFIG = """
settings = {
  core = { real_name = "Irssi User"; user_name = "irssiuser"; nick = "irssiuser"; };
  "fe-common/core" = { autolog = "no"; };
};
"""


class Tmux:
    """A private tmux server (its own socket) holding one pane."""

    def __init__(self, socket_name: str) -> None:
        self.binary = require("tmux")
        self.socket = socket_name

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
    (home / "config").write_text(IRSSI_CONFIG)
    tmux = Tmux(f"parley-test-{os.getpid()}-{tmp_path.name}")  # unique across parallel runs
    command = f"{binary} --home={home} -c 127.0.0.1 -p {server.port} -n irssiuser"
    tmux.run("new-session", "-d", "-s", "main", "-x", "160", "-y", "40", command)
    try:
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
