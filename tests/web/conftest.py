"""A real Chromium (Debian's) driven by Playwright against real Parley servers: one
browser per test module, a new context (its own storage) per simulated user, and a
check that no page logged an error (a CSP violation is one)."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import Browser, expect

from support.browser import TIMEOUT_MS, WebUser, debian_chromium
from support.servers import ThreadServer, web_config


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with debian_chromium() as launched:
        yield launched


@pytest.fixture
def web_users(browser: Browser) -> Iterator[Callable[[str], WebUser]]:
    """Open pages at a URL, each in its own context; after the test, none may have
    logged an error (a script error, a refused load, a CSP violation)."""
    contexts = []
    users: list[WebUser] = []

    def make(url: str, width: int = 1280, height: int = 800) -> WebUser:
        context = browser.new_context(viewport={"width": width, "height": height})
        context.set_default_timeout(TIMEOUT_MS)
        contexts.append(context)
        page = context.new_page()
        user = WebUser(page)
        page.on("console", lambda m: user.errors.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: user.errors.append(str(e)))
        page.goto(url)
        users.append(user)
        return user

    yield make
    for context in contexts:
        context.close()
    for user in users:
        errors = user.errors
        if user.server_may_vanish:
            errors = [e for e in errors if not e.startswith("WebSocket connection to")]
        assert not errors, errors


@pytest.fixture
def web_server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(web=web_config(), limits={"flood_enabled": False})


expect.set_options(timeout=TIMEOUT_MS)
