"""The server restarts under an open tab: the tab comes back by itself (back-off) and
fills the gap from history, each line once."""

from __future__ import annotations

import socket
from collections.abc import Callable
from pathlib import Path

from playwright.sync_api import expect

from support.browser import PASSWORD, WebUser
from support.client import IrcClient
from support.servers import ProcessServer


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(data: Path, web_port: int) -> ProcessServer:
    return ProcessServer(["--data-dir", str(data), "--listen", "127.0.0.1:0",
                          "--websocket", f"127.0.0.1:{web_port}"])  # fmt: skip


def test_a_restart_is_survived_and_its_gap_filled_without_duplicates(
    tmp_path: Path, web_users: Callable[..., WebUser]
) -> None:
    web_port = free_port()
    server = start(tmp_path / "data", web_port)
    try:
        tab = web_users(f"http://127.0.0.1:{web_port}/")
        tab.server_may_vanish = True
        tab.login("nina", password=PASSWORD, register=True)
        tab.in_chat()
        omar = IrcClient(server.port())
        omar.register("omar")
        omar.send("PRIVMSG #lobby :before the restart")
        expect(tab.message("before the restart")).to_have_count(1)
        omar.send("PRIVMSG nina :private before")
        expect(tab.conversation("omar")).to_have_count(1)
        omar.close()

        server.stop()
        status = tab.page.locator("#status")
        expect(status).to_contain_text("Disconnected")
        tab.page.context.set_offline(True)  # the tab cannot come back before the gap is said
        server = start(tmp_path / "data", web_port)
        omar = IrcClient(server.port())
        omar.register("omar")
        for n in range(1, 4):
            omar.send(f"PRIVMSG #lobby :while you were away {n}")
        omar.send("PRIVMSG nina :private during")
        omar.sync()
        omar.close()
        expect(status).to_contain_text("Disconnected")  # still: the lines are a gap to fill
        expect(tab.message("while you were away 1")).to_have_count(0)

        tab.page.context.set_offline(False)
        tab.page.click("#retry")  # or wait out the back-off
        for n in range(1, 4):
            expect(tab.message(f"while you were away {n}")).to_have_count(1)
        expect(tab.page.locator("#status")).to_have_text("")
        expect(tab.message("before the restart")).to_have_count(1)
        tab.say("back again")
        expect(tab.message("back again")).to_have_count(1)
        tab.open("omar")  # the private conversation's gap is filled too
        expect(tab.message("private during")).to_have_count(1)
        expect(tab.message("private before")).to_have_count(1)
        tab.open("#lobby")
        texts = tab.page.locator("#messages .msg .text").all_inner_texts()
        said = [t for t in texts if "restart" in t or "away" in t or "back again" in t]
        assert said == ["before the restart", *(f"while you were away {n}" for n in range(1, 4)),
                        "back again"]  # fmt: skip
    finally:
        server.stop()
