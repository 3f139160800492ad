"""A desktop-client user and a web-client user of one server chat: the two clients
Parley ships, each showing what the other said, once."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser
from test_sessions import log_in, said
from test_window import type_line

from parley.client.gui.connect_dialog import ConnectDialog
from support.browser import TIMEOUT_MS, WebUser, debian_chromium, url_of
from support.servers import ThreadServer, web_config
from support.tkpump import pump


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """The default server, with its web listener (plain HTTP on loopback)."""
    return make_server(web=web_config())


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


def test_a_desktop_user_and_a_browser_user_chat(
    server: ThreadServer, open_dialog: Callable[..., ConnectDialog], browser: Browser
) -> None:
    desk = log_in(open_dialog, server.port, create_account=True)  # carol
    context = browser.new_context()
    context.set_default_timeout(TIMEOUT_MS)
    try:
        web = WebUser(context.new_page())
        web.page.goto(url_of(server))
        web.login("wren", register=True)
        web.in_chat()
        pump([desk.root], lambda: "wren" in [n.lstrip("@+") for n in desk.user_list()])
        web.say("hello from the browser")
        pump([desk.root], lambda: said(desk, "#lobby", "<wren> hello from the browser") == 1)
        type_line(desk, "hello from the desktop")
        pump([desk.root], lambda: web.message("hello from the desktop").count() == 1)
        web.say("/msg carol just you")
        pump([desk.root], lambda: said(desk, "wren", "just you") == 1)
        type_line(desk, "/msg wren got it")
        pump([desk.root], lambda: web.conversation("carol").count() == 1)
        web.open("carol")
        pump([desk.root], lambda: web.message("got it").count() == 1)
    finally:
        context.close()
