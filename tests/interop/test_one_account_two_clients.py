"""WeeChat (SASL) and irssi (PASS account:password) logged into one account at once:
two devices of one person, each showing what the other says and what others say."""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from test_irssi import IRSSI_CONFIG, Tmux, read
from test_weechat import start_weechat

from support.binaries import require
from support.client import IrcClient
from support.servers import ThreadServer
from support.waiting import wait_until

ACCOUNT, PASSWORD = "pat", "two-devices"


@pytest.fixture
def weechat(server: ThreadServer, tmp_path: Path) -> Iterator[Path]:
    """WeeChat as pat in #tea, logged in with SASL; the path of its command pipe."""
    subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(server.config.data_dir),
         "create-account", ACCOUNT, PASSWORD],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip
    home = tmp_path / "weechat"
    fifo = tmp_path / "weechat.fifo"
    process = start_weechat(home, server.port, ACCOUNT, PASSWORD, autojoin="#tea", fifo=fifo)
    try:
        tea = home / "logs" / "irc.parley.#tea.weechatlog"
        wait_until(lambda: "has joined #tea" in read(tea), timeout=15, what="weechat in #tea")
        wait_until(fifo.exists, what="weechat's command pipe")
        yield home / "logs"
    finally:
        process.terminate()
        process.wait(timeout=10)


def weechat_says(logs: Path, command: str) -> None:
    """A command typed into WeeChat, through its pipe."""
    fifo = logs.parent.parent / "weechat.fifo"
    with fifo.open("w") as pipe:
        pipe.write(f"irc.server.parley */{command}\n")


@pytest.fixture
def irssi(server: ThreadServer, tmp_path: Path, weechat: Path) -> Iterator[Tmux]:
    """irssi as pat's second device: its server password field holds pat:password."""
    binary = require("irssi")
    home = tmp_path / "irssi"
    home.mkdir()
    (home / "config").write_text(IRSSI_CONFIG.replace("LOGS", str(home / "logs")))
    tmux = Tmux(f"parley-test-{os.getpid()}-{tmp_path.name}")
    command = (
        f"{binary} --home={home} -c 127.0.0.1 -p {server.port} -n {ACCOUNT} -w {ACCOUNT}:{PASSWORD}"
    )
    tmux.run("new-session", "-d", "-s", "main", "-x", "160", "-y", "40", command)
    try:
        tmux.logs = home / "logs"
        yield tmux
    finally:
        subprocess.run(
            [tmux.binary, "-L", tmux.socket, "kill-server"], capture_output=True, timeout=10
        )


def test_weechat_and_irssi_on_one_account_are_in_step(
    server: ThreadServer, weechat: Path, irssi: Tmux, connect: Callable[..., IrcClient]
) -> None:
    irssi_tea = irssi.logs / "#tea.log"
    wait_until(lambda: "#tea" in read(irssi_tea), timeout=15, what="irssi shown pat's #tea")
    bob = connect("bob")
    bob.send("JOIN #tea")
    names = bob.collect_until("366")
    nicks = next(m.params[-1] for m in names if m.command == "353").split()
    assert sorted(n.lstrip("@+") for n in nicks) == ["bob", ACCOUNT]  # one pat
    weechat_tea = weechat / "irc.parley.#tea.weechatlog"

    bob.send("PRIVMSG #tea :the kettle is on")
    bob.send(f"PRIVMSG {ACCOUNT} :psst")
    wait_until(lambda: "the kettle is on" in read(weechat_tea), what="bob's line in WeeChat")
    wait_until(lambda: "the kettle is on" in read(irssi_tea), what="bob's line in irssi")
    weechat_bob, irssi_bob = weechat / "irc.parley.bob.weechatlog", irssi.logs / "bob.log"
    wait_until(lambda: "psst" in read(weechat_bob), what="bob's private line in WeeChat")
    wait_until(lambda: "psst" in read(irssi_bob), what="bob's private line in irssi")

    irssi.type("/window goto #tea")
    irssi.type("typed in irssi")
    said = bob.expect("PRIVMSG")
    assert said.params == ("#tea", "typed in irssi") and said.source.startswith(f"{ACCOUNT}!")
    wait_until(lambda: "typed in irssi" in read(weechat_tea), what="irssi's line in WeeChat")

    weechat_says(weechat, "msg #tea typed in weechat")
    said = bob.expect("PRIVMSG")
    assert said.params == ("#tea", "typed in weechat") and said.source.startswith(f"{ACCOUNT}!")
    wait_until(lambda: "typed in weechat" in read(irssi_tea), what="WeeChat's line in irssi")
    assert read(weechat_tea).count("the kettle is on") == 1
    assert read(irssi_tea).count("the kettle is on") == 1
    assert [m for m in bob.sync() if m.command in ("QUIT", "JOIN")] == []  # one pat
