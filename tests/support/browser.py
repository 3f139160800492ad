"""Driving the web client in a browser tab (Playwright): logging in, saying things,
finding conversations and messages. The fixtures are in tests/web/conftest.py."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field

import pytest
from playwright.sync_api import Browser, Locator, Page, expect, sync_playwright

from support.servers import ThreadServer

TIMEOUT_MS = 10_000  # for every wait on the page
PASSWORD = "correct-horse-1"


@dataclass
class WebUser:
    """One person's browser tab, with what it logged."""

    page: Page
    errors: list[str] = field(default_factory=list)
    server_may_vanish: bool = False  # then the browser's failed reconnects are expected

    def login(self, account: str, password: str = PASSWORD, register: bool = False) -> None:
        """Fill the login form (or the account-creation one) and send it."""
        page = self.page
        expect(page.locator("html[data-ready]")).to_have_count(1)  # (its script has run)
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

    def conversation(self, name: str) -> Locator:
        return self.page.locator(f"#conversations button.conversation[data-key='{name.lower()}']")

    def message(self, text: str) -> Locator:
        """The messages of the open conversation whose text is exactly `text`."""
        return self.page.locator("#messages .msg .text", has_text=text)


def url_of(server: ThreadServer) -> str:
    return f"http://127.0.0.1:{server.web_port}/"


@contextmanager
def debian_chromium() -> Iterator[Browser]:
    """Debian's chromium under Playwright (`--no-sandbox` as root, as on these machines)."""
    binary = shutil.which("chromium")
    if binary is None:
        pytest.fail("chromium is not installed: apt-get install chromium (scripts/test-deps)")
    with sync_playwright() as p:
        args = ["--no-sandbox"] if os.getuid() == 0 else []
        launched = p.chromium.launch(executable_path=binary, args=args)
        try:
            yield launched
        finally:
            launched.close()
