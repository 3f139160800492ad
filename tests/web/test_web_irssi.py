"""A browser user and an irssi user (in a tmux pane, as a person runs it) chat in the
lobby and privately through the same server."""

from __future__ import annotations

import os
import shutil
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from playwright.sync_api import expect

from support.browser import WebUser, url_of
from support.servers import ThreadServer
from support.waiting import wait_until

IRSSI_CONFIG = """
settings = {
  core = { real_name = "Irssi User"; user_name = "ircuser"; nick = "ircuser"; };
  "fe-common/core" = { autolog = "yes"; autolog_path = "LOGS/$0.log"; };
};
"""


def need(command: str, package: str) -> str:
    path = shutil.which(command)
    if path is None:
        pytest.fail(f"{command} is not installed: apt-get install {package} (scripts/test-deps)")
    return path


class Pane:
    """irssi in a private tmux server (its own socket), typed into like a person would."""

    def __init__(self, socket_name: str, logs: Path) -> None:
        self.tmux = need("tmux", "tmux")
        self.socket = socket_name
        self.logs = logs

    def run(self, *args: str) -> str:
        done = subprocess.run(
            [self.tmux, "-L", self.socket, *args],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
        return done.stdout

    def type(self, text: str) -> None:
        self.run("send-keys", "-t", "main", "-l", text)
        self.run("send-keys", "-t", "main", "Enter")

    def log(self, name: str) -> str:
        path = self.logs / f"{name}.log"
        return path.read_text(errors="replace") if path.exists() else ""


@pytest.fixture
def irssi(web_server: ThreadServer, tmp_path: Path) -> Iterator[Pane]:
    binary = need("irssi", "irssi")
    home = tmp_path / "irssi"
    home.mkdir()
    (home / "config").write_text(IRSSI_CONFIG.replace("LOGS", str(home / "logs")))
    pane = Pane(f"parley-web-{os.getpid()}-{tmp_path.name}", home / "logs")
    command = f"{binary} --home={home} -c 127.0.0.1 -p {web_server.port} -n ircuser"
    pane.run("new-session", "-d", "-s", "main", "-x", "160", "-y", "40", command)
    try:
        yield pane
    finally:
        subprocess.run(
            [pane.tmux, "-L", pane.socket, "kill-server"], capture_output=True, timeout=10
        )


def test_a_browser_user_and_an_irssi_user_chat(
    web_server: ThreadServer, irssi: Pane, web_users: Callable[..., WebUser]
) -> None:
    tab = web_users(url_of(web_server))
    tab.login("webber", register=True)
    tab.in_chat()
    expect(tab.page.locator("#member-list")).to_contain_text("ircuser", timeout=15_000)
    irssi.type("/window goto #lobby")
    irssi.type("hello from irssi")
    expect(tab.message("hello from irssi")).to_have_count(1)
    tab.say("hello from the browser")
    wait_until(lambda: "hello from the browser" in irssi.log("#lobby"), what="irssi's lobby log")
    tab.say("/msg ircuser a private word")
    wait_until(lambda: "a private word" in irssi.log("webber"), what="irssi's query log")
    irssi.type("/msg webber a private answer")
    expect(tab.conversation("ircuser")).to_be_visible()
    tab.open("ircuser")
    expect(tab.message("a private answer")).to_have_count(1)
    expect(tab.message("a private word")).to_have_count(1)
