"""The web client's push code in a real Chromium: the keys as WEBPUSH REGISTER takes
them, what the service worker shows of a pushed line, and clear answers when push
cannot be had. (A real subscription needs a push service this machine cannot reach.)"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import Browser

from support.servers import ThreadServer, web_config


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


@pytest.fixture
def page(make_server: Callable[..., ThreadServer], browser: Browser) -> Iterator[Any]:
    """A page of the server's own web listener (http on loopback: a secure context), in
    the module's browser (tests/web/conftest.py)."""
    server = make_server(lobby=None, web=web_config())
    context = browser.new_context()
    try:
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{server.web_port}/")
        yield page
    finally:
        context.close()


def test_the_keys_are_formatted_as_webpush_register_takes_them(page: Any) -> None:
    point, auth = b"\x04" + os.urandom(64), os.urandom(16)
    keys = page.evaluate(
        """async ([point, auth]) => {
            const push = await import("/push.js");
            const subscription = {getKey: (name) =>
                push.fromBase64url(name === "p256dh" ? point : auth).buffer};
            return push.formatKeys(subscription);
        }""",
        [base64.b64encode(point).decode(), b64url(auth)],
    )
    assert keys == f"p256dh={b64url(point)};auth={b64url(auth)}"
    assert "=" not in keys.replace("p256dh=", "").replace("auth=", "")  # no padding


def test_enable_push_says_why_not_without_a_key_or_a_push_service(page: Any) -> None:
    answers = page.evaluate(
        """async () => {
            const push = await import("/push.js");
            const sent = [];
            const none = await push.enablePush("", (line) => sent.push(line));
            const key = "BJ4Q" + "A".repeat(83);
            const blocked = await Promise.race([
                push.enablePush(key, (line) => sent.push(line)),
                new Promise((done) => setTimeout(() => done("no answer"), 10000)),
            ]);
            return {none, blocked, sent};
        }"""
    )
    assert answers["none"].startswith("Push notifications unavailable")
    assert answers["blocked"].startswith(
        ("Push notifications unavailable", "Push notifications blocked")
    )
    assert answers["sent"] == []  # nothing registered with the server


def test_the_service_worker_shows_nick_and_text(page: Any) -> None:
    page.add_script_tag(url="/sw.js")
    lines = [
        "@msgid=abc;time=2026-01-01T00:00:00.000Z :bob!b@host PRIVMSG #tea :alice, \x02tea\x02?",
        ":bob!b@host PRIVMSG alice :are you there?",
        ":bob!b@host PRIVMSG alice :\x01ACTION waves\x01",
        ":bob!b@host JOIN #tea",
    ]
    shown = page.evaluate("(lines) => lines.map(describePush)", lines)
    channel, private, action, other = shown
    assert channel == {"title": "#tea", "body": "bob: alice, tea?", "conversation": "#tea",
                       "msgid": "abc"}  # fmt: skip
    assert private["title"] == "bob (private)" and private["body"] == "bob: are you there?"
    assert action["body"] == "* bob waves"
    assert other is None
