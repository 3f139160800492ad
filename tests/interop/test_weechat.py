"""WeeChat (weechat-headless) logs in with SASL and finds its channels and mail waiting."""

from __future__ import annotations

import base64
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from support.binaries import require
from support.client import IrcClient
from support.one_word import CHANNEL, op_of_channel, say_one_word_lines
from support.servers import ThreadServer
from support.waiting import wait_until


def read(path: Path) -> str:
    return path.read_text(errors="replace") if path.exists() else ""


def sasl_client(port: int, nick: str, password: str) -> IrcClient:
    client = IrcClient(port)
    client.send("CAP REQ :sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{nick}\0{password}".encode()).decode())
    client.expect("903")
    client.send("CAP END")
    client.register(nick)
    return client


@pytest.fixture
def weechat_dir(tmp_path: Path) -> Path:
    return tmp_path / "weechat"


def start_weechat(
    home: Path,
    port: int,
    nick: str,
    password: str | None = None,
    autojoin: str = "",
    fifo: Path | None = None,
) -> subprocess.Popen[bytes]:
    """weechat-headless logging every buffer, logged in with SASL when given a password;
    with `fifo`, it takes commands written to that pipe (`irc.server.parley */msg ...`)."""
    binary = require("weechat-headless")
    settings = [
        "/set logger.file.flush_delay 0",
        *([f"/set fifo.file.path {fifo}"] if fifo is not None else []),
        f"/server add parley 127.0.0.1/{port} -notls",
        f"/set irc.server.parley.nicks {nick}",
    ]
    if password is not None:
        settings += [
            "/set irc.server.parley.sasl_mechanism plain",
            f"/set irc.server.parley.sasl_username {nick}",
            f"/set irc.server.parley.sasl_password {password}",
        ]
    if autojoin:
        settings.append(f"/set irc.server.parley.autojoin {autojoin}")
    commands = ";".join([*settings, "/connect parley"])
    return subprocess.Popen(
        [binary, "--dir", str(home), "-r", commands],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )


@pytest.fixture
def server_with_account(server: ThreadServer) -> Iterator[ThreadServer]:
    subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(server.config.data_dir),
         "create-account", "wcuser", "weechat-pass"],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    yield server


def test_weechat_logs_in_and_finds_channels_and_missed_messages(
    server_with_account: ThreadServer, weechat_dir: Path
) -> None:
    server = server_with_account
    earlier = sasl_client(server.port, "wcuser", "weechat-pass")  # last time, elsewhere
    earlier.send("JOIN #tea")
    earlier.expect("366")
    earlier.send("QUIT :bye for now")
    earlier.wait_closed()
    bob = IrcClient(server.port)
    bob.register("bob")
    bob.send("JOIN #tea")
    bob.expect("366")
    bob.send("PRIVMSG #tea :the kettle is on")
    bob.send("PRIVMSG wcuser :ping me when you are back")
    assert "Offline" in bob.expect("301").params[-1]

    weechat = start_weechat(weechat_dir, server.port, "wcuser", "weechat-pass")
    try:
        logs = weechat_dir / "logs"
        tea = logs / "irc.parley.#tea.weechatlog"
        wait_until(lambda: "has joined #tea" in read(tea), timeout=15, what="weechat in #tea")
        wait_until(lambda: "the kettle is on" in read(tea), what="#tea's recent lines")
        private = logs / "irc.parley.bob.weechatlog"
        wait_until(lambda: "ping me when you are back" in read(private), what="the missed message")
        whois = IrcClient(server.port)
        whois.register("asker")
        whois.send("WHOIS wcuser")
        assert whois.expect("330").params[2] == "wcuser"  # logged in with SASL
    finally:
        weechat.terminate()
        weechat.wait(timeout=10)


def test_weechat_shows_every_kind_of_one_word_text(
    server: ThreadServer, connect: Callable[..., IrcClient], weechat_dir: Path
) -> None:
    """Messages, notices, actions, a topic and reasons of one word or none, as WeeChat logs them."""
    bob = op_of_channel(connect)
    weechat = start_weechat(weechat_dir, server.port, "wcuser", autojoin=CHANNEL)
    try:
        say_one_word_lines(bob, connect, "wcuser")
        logs = weechat_dir / "logs"
        tea, private = logs / f"irc.parley.{CHANNEL}.weechatlog", logs / "irc.parley.bob.weechatlog"
        shown = {
            "the one-word private message": (private, "\tbob\tpsst"),
            "the one-word private notice": (private, "\t--\tbob: psst2"),
            "the private action": (private, "\t *\tbob nods"),
            "the channel notice": (tea, "\t--\tNotice(bob): heads-up"),
            "the channel action": (tea, "\t *\tbob waves"),
            "the text starting with ':'": (tea, "\t@bob\t:)"),
            "the one-word topic": (tea, 'bob has changed topic for #tea to "tea"'),
            "the one-word part": (tea, "carol (carol@127.0.0.1) has left #tea (bye)"),
            "the empty part": (tea, "dave (dave@127.0.0.1) has left #tea\n"),
            "the one-word kick reason": (tea, "bob has kicked erin (out)"),
            "the empty kick reason": (tea, "bob has kicked frank (bob)"),
            "the empty quit reason": (tea, "gina (gina@127.0.0.1) has quit (Quit)"),
            "the new nick": (tea, "hank is now known as henry"),
        }
        for what, (log, text) in shown.items():
            wait_until(lambda f=log, t=text: t in read(f), timeout=15, what=what)
    finally:
        weechat.terminate()
        weechat.wait(timeout=10)
