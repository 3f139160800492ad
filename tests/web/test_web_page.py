"""The page around the chat: every file loaded under the CSP, features plugged in
through hooks.js, the drawer on a phone-sized screen, keyboard navigation, the
remembered theme, the labels a screen reader reads, notifications and push."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

import pytest
from playwright.sync_api import expect

import parley.web
from parley.server.config import Push
from support.browser import WebUser, url_of
from support.client import IrcClient
from support.servers import ThreadServer, web_config

PLUGIN = """async () => {
  const hooks = await import("/hooks.js");
  hooks.addMessageAction({
    id: "reply", label: "Reply",
    available: (message) => !message.self,
    run: (message, conversation, ctx) => { window.replied = [conversation.name, message.msgid]; },
  });
  hooks.addMessageRenderer((message, conversation, container) => {
    if (!message.text.includes("thumbs")) return;
    const span = document.createElement("span");
    span.className = "reactions";
    span.textContent = "+1 x2";
    container.append(span);
  });
  hooks.addComposeItem((container, ctx) => {
    const button = document.createElement("button");
    button.type = "button";
    button.id = "upload";
    button.textContent = "Upload";
    button.addEventListener("click", () => ctx.send("PRIVMSG", ["#lobby", "uploaded"]));
    container.append(button);
  });
  hooks.on("line", ({ msg }) => {
    if (msg.command === "PRIVMSG") window.lines = (window.lines || 0) + 1;
  });
}"""


def test_features_add_actions_content_and_compose_items(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    tab = web_users(url_of(web_server))
    tab.login("rita", register=True)
    tab.in_chat()
    tab.page.evaluate(PLUGIN)
    sid = IrcClient(web_server.port)
    sid.register("sid", caps=("message-tags",))
    sid.send("PRIVMSG #lobby :thumbs up for this")
    row = tab.page.locator("#messages .msg", has_text="thumbs up for this")
    expect(row.locator(".extra .reactions")).to_have_text("+1 x2")
    row.hover()
    row.get_by_role("button", name="Reply").click()
    replied = tab.page.evaluate("window.replied")
    assert replied[0] == "#lobby" and replied[1]  # the message's msgid
    assert tab.page.evaluate("window.lines") >= 1
    tab.page.click("#upload")
    assert sid.expect("PRIVMSG").params == ("#lobby", "uploaded")
    mine = tab.page.locator("#messages .msg.self", has_text="uploaded")
    expect(mine).to_have_count(1)
    expect(mine.get_by_role("button", name="Reply")).to_have_count(0)  # not offered there
    sid.close()


def test_a_phone_sized_screen_keyboard_navigation_and_the_theme(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    tab = web_users(url_of(web_server), width=390, height=844)
    page = tab.page
    tab.login("sam", register=True)
    tab.in_chat()
    tab.say("/join #second")
    expect(page.locator("#conv-title")).to_have_text("#second")
    sidebar = page.locator("#sidebar")
    expect(sidebar).not_to_be_in_viewport()  # a drawer, closed
    page.get_by_role("button", name="Conversations").click()
    expect(sidebar).to_be_in_viewport()
    expect(page.get_by_role("button", name="Conversations")).to_have_attribute(
        "aria-expanded", "true"
    )
    page.keyboard.press("Escape")
    expect(sidebar).not_to_be_in_viewport()
    expect(page.locator("#input")).to_be_focused()
    page.get_by_role("button", name="Conversations").click()
    page.locator("#conversations button", has_text="#lobby").click()
    expect(page.locator("#conv-title")).to_have_text("#lobby")
    expect(sidebar).not_to_be_in_viewport()

    page.keyboard.press("Alt+ArrowDown")
    expect(page.locator("#conv-title")).to_have_text("#second")
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#conv-title")).to_have_text("#lobby")
    page.keyboard.press("Alt+ArrowUp")
    expect(page.locator("#conv-title")).to_have_text("Server")

    expect(page.get_by_role("log", name="Messages")).to_have_attribute("aria-live", "polite")
    expect(page.get_by_role("textbox", name="Message")).to_be_visible()
    theme = page.evaluate("document.documentElement.dataset.theme")
    page.get_by_role("button", name="Settings").click()
    page.locator("#theme-toggle").click()
    page.locator("#settings-close").click()
    flipped = "dark" if theme == "light" else "light"
    expect(page.locator("html")).to_have_attribute("data-theme", flipped)
    page.reload()  # remembered
    expect(page.locator("html")).to_have_attribute("data-theme", flipped)
    expect(page.locator("#login")).to_be_visible()  # "remember me" was not ticked


FAKE_NOTIFICATIONS = """
window.shown = [];
window.asked = 0;
window.hiddenTab = false;
Object.defineProperty(Document.prototype, "visibilityState", {
  configurable: true, get() { return window.hiddenTab ? "hidden" : "visible"; },
});
window.Notification = class {
  static permission = "default";
  static async requestPermission() {
    window.asked++;
    this.permission = "granted";
    return "granted";
  }
  constructor(title, options) { window.shown.push([title, options.body]); }
  addEventListener() {}
  close() {}
};
"""


def test_notifications_are_asked_for_by_a_button_and_shown_for_mentions_and_private_lines(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    tab = web_users("about:blank")
    page = tab.page
    page.add_init_script(FAKE_NOTIFICATIONS)  # the browser's own would need a person to allow
    page.goto(url_of(web_server))
    tab.login("tess", register=True)
    tab.in_chat()
    assert page.evaluate("window.asked") == 0  # never on load
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Turn on notifications").click()
    expect(page.get_by_role("button", name="Turn off notifications")).to_be_visible()
    page.locator("#settings-close").click()
    assert page.evaluate("window.asked") == 1
    page.evaluate("window.hiddenTab = true")
    uma = IrcClient(web_server.port)
    uma.register("uma")
    uma.send("PRIVMSG #lobby :nothing for anyone")
    uma.send("PRIVMSG #lobby :tess: look at this")
    uma.send("PRIVMSG tess :psst")
    expect(tab.conversation("uma")).to_have_count(1)
    shown = page.evaluate("window.shown")
    assert shown == [["uma in #lobby", "tess: look at this"], ["uma", "psst"]]
    uma.close()


FAKE_PUSH = """
export async function enablePush(vapidKey, sendLine) {
  window.pushedWith = vapidKey;
  sendLine("PRIVMSG #lobby :push is on");
}
"""


def test_a_server_with_vapid_offers_push_through_push_js(
    make_server: Callable[..., ThreadServer],
    web_users: Callable[..., WebUser],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from parley.server.core.handlers import registration

    tokens = registration.isupport_tokens
    monkeypatch.setattr(
        registration, "isupport_tokens", lambda config: {**tokens(config), "VAPID": "BPublicKey"}
    )
    server = make_server(web=web_config())
    tab = web_users("about:blank")
    page = tab.page
    page.route(  # push.js is another module's; here, one that says it was called
        "**/push.js",
        lambda route: route.fulfill(body=FAKE_PUSH, content_type="text/javascript"),
    )
    page.goto(url_of(server))
    tab.login("vera", register=True)
    tab.in_chat()
    page.get_by_role("button", name="Settings").click()
    page.get_by_role("button", name="Enable notifications on this device").click()
    expect(page.locator("#push-status")).to_contain_text("even when Parley is closed")
    assert page.evaluate("window.pushedWith") == "BPublicKey"
    page.locator("#settings-close").click()
    expect(tab.message("push is on")).to_have_count(1)  # its sendLine reached the server


def test_without_vapid_there_is_no_push_button(
    make_server: Callable[..., ThreadServer], web_users: Callable[..., WebUser]
) -> None:
    server = make_server(web=web_config(), push=Push(enabled=False))
    tab = web_users(url_of(server))
    tab.login("walt", register=True)
    tab.in_chat()
    tab.page.get_by_role("button", name="Settings").click()
    expect(tab.page.locator("#push-enable")).to_be_hidden()


WEB = Path(parley.web.__file__).parent
NOT_SERVED = {"__init__.py"}
LOADED_ON_DEMAND = {
    "push.js",
    "sw.js",
}  # push.js from settings when the server offers VAPID; sw.js by it


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
