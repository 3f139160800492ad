"""A real Chromium (Debian's) driven by Playwright against real Parley servers: one
browser per test module, a new context (its own storage) per simulated user, and a
check that no page logged an error (a CSP violation is one)."""

from __future__ import annotations

import os
import shutil
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field

import pytest

from support.servers import ThreadServer, web_config

playwright_api = pytest.importorskip("playwright.sync_api")
from playwright.sync_api import Browser, Page, expect  # noqa: E402

TIMEOUT_MS = 10_000
PASSWORD = "correct-horse-1"


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is not installed: apt-get install chromium (scripts/test-deps does it)")
    with playwright_api.sync_playwright() as p:
        args = ["--no-sandbox"] if os.getuid() == 0 else []
        launched = p.chromium.launch(executable_path=binary, args=args)
        yield launched
        launched.close()


@dataclass
class WebUser:
    """One person's browser tab, with what it logged."""

    page: Page
    errors: list[str] = field(default_factory=list)
    server_may_vanish: bool = False  # then the browser's failed reconnects are expected

    def login(self, account: str, password: str = PASSWORD, register: bool = False) -> None:
        """Fill the login form (or the account-creation one) and send it."""
        page = self.page
        if register:
            page.click("#tab-register")
        page.fill("#account", account)
        page.fill("#password", password)
        page.click("#login-submit")

    def in_chat(self) -> None:
        expect(self.page.locator("#chat")).to_be_visible()

    def say(self, text: str) -> None:
        self.page.fill("#input", text)
        self.page.press("#input", "Enter")

    def open(self, name: str) -> None:
        """Open a conversation from the list."""
        self.page.locator(f"#conversations button.conversation[data-key='{name.lower()}']").click()
        expect(self.page.locator("#conv-title")).to_have_text(name)

    def conversation(self, name: str):  # type: ignore[no-untyped-def]
        return self.page.locator(f"#conversations button.conversation[data-key='{name.lower()}']")

    def message(self, text: str):  # type: ignore[no-untyped-def]
        """The messages of the open conversation whose text is exactly `text`."""
        return self.page.locator("#messages .msg .text", has_text=text)


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


def url_of(server: ThreadServer) -> str:
    return f"http://127.0.0.1:{server.web_port}/"


expect.set_options(timeout=TIMEOUT_MS)
