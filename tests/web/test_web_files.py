"""Every file of the web client is loaded by the page under the server's strict
content-security policy, with no violation and no script error."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from playwright.sync_api import expect

import parley.web
from support.browser import WebUser, url_of
from support.servers import ThreadServer

WEB = Path(parley.web.__file__).parent
NOT_SERVED = {"__init__.py"}
LOADED_ON_DEMAND = {"push.js"}  # imported from settings only when the server offers VAPID


def test_every_file_loads_without_a_csp_violation(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    wanted = {
        p.name for p in WEB.iterdir() if p.is_file() and p.name not in NOT_SERVED | LOADED_ON_DEMAND
    }
    tab = web_users("about:blank")
    tab.page.add_init_script(
        "window.violations = [];"
        "document.addEventListener('securitypolicyviolation',"
        " e => window.violations.push(e.violatedDirective + ' ' + e.blockedURI));"
    )
    requested: set[str] = set()
    csp: list[str] = []

    def seen(response) -> None:  # type: ignore[no-untyped-def]
        requested.add(urlparse(response.url).path.lstrip("/") or "index.html")
        csp.append(response.headers.get("content-security-policy", ""))

    tab.page.on("response", seen)
    tab.page.goto(url_of(web_server))
    tab.login("ivy", register=True)
    tab.in_chat()
    tab.say("/join #second")
    expect(tab.page.locator("#conv-title")).to_have_text("#second")
    tab.page.click("#settings-toggle")
    tab.page.click("#theme-toggle")
    tab.page.click("#settings-close")
    assert wanted <= requested, sorted(wanted - requested)
    assert all("default-src 'self'" in c for c in csp)
    assert tab.page.evaluate("window.violations") == []
