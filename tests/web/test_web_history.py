"""History in the browser: a conversation opens on its latest lines, scrolling to the
top loads older ones (CHATHISTORY BEFORE) until the beginning, each line once; unread
counts and read markers are shared with a raw IRC session of the same account."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from support.accounts import logged_in
from support.browser import PASSWORD, WebUser, url_of
from support.client import IrcClient
from support.servers import ThreadServer

LINES = 130


def test_scrolling_up_loads_older_lines_down_to_the_first(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    talker = IrcClient(web_server.port)
    talker.register("talker")
    for n in range(1, LINES + 1):
        talker.send(f"PRIVMSG #lobby :line {n}")
    talker.sync()
    tab = web_users(url_of(web_server))
    tab.login("reader", register=True)
    tab.in_chat()
    texts = tab.page.locator("#messages .msg.kind-privmsg .text")
    expect(texts.last).to_have_text(f"line {LINES}")
    first_page = texts.count()
    assert 0 < first_page < LINES  # only the latest lines at first
    edge = tab.page.locator("#messages .history-edge")
    for _ in range(LINES // first_page + 2):  # a page per scroll to the top
        if edge.text_content() == "The beginning of this conversation.":
            break
        before = texts.count()
        tab.page.locator("#messages").evaluate("list => list.scrollTop = 0")
        expect(texts).not_to_have_count(before)
    expect(edge).to_have_text("The beginning of this conversation.")
    assert texts.all_inner_texts() == [f"line {n}" for n in range(1, LINES + 1)]
    talker.close()


CAPS = ("draft/read-marker", "server-time", "message-tags", "echo-message")


def said_time(client: IrcClient, text: str) -> str:
    """The server time of a line the client sent (echo-message)."""
    echo = client.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == text)
    return echo.tags["time"]


def test_unread_counts_follow_the_read_marker_of_the_other_device(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    port = web_server.port
    maker = IrcClient(port)
    maker.register("kim")
    maker.send(f"REGISTER * * {PASSWORD}")
    maker.expect(lambda m: m.command == "REGISTER" and m.params[0] == "SUCCESS")
    maker.close()
    kim = logged_in(port, "kim", "kim", PASSWORD, CAPS)  # the raw device
    lee = IrcClient(port)
    try:
        kim.send("JOIN #tea")
        kim.expect(lambda m: m.command == "366")
        lee.register("lee", caps=("server-time", "echo-message"))
        lee.send("JOIN #tea")
        lee.expect(lambda m: m.command == "366")
        lee.send("PRIVMSG #tea :first, read already")
        first = said_time(lee, "first, read already")
        kim.send(f"MARKREAD #tea timestamp={first}")
        kim.expect(lambda m: m.command == "MARKREAD" and m.params[0] == "#tea")
        for text in ("second", "kim: third", "fourth"):
            lee.send(f"PRIVMSG #tea :{text}")
        fourth = said_time(lee, "fourth")

        tab = web_users(url_of(web_server))
        tab.login("kim")
        tab.in_chat()
        expect(tab.page.locator("#conv-title")).to_have_text("#lobby")
        tea = tab.conversation("#tea")
        expect(tea).to_have_attribute("aria-label", "#tea, 3 unread, 1 mention")
        expect(tea).to_have_class("conversation unread mentioned")

        kim.send(f"MARKREAD #tea timestamp={fourth}")  # read on the other device
        expect(tea).to_have_attribute("aria-label", "#tea")
        expect(tea.locator(".badge")).to_have_count(0)

        lee.send("PRIVMSG #tea :fifth")
        fifth = said_time(lee, "fifth")
        expect(tea).to_have_attribute("aria-label", "#tea, 1 unread")
        kim.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "fifth")
        tab.open("#tea")  # the tab sees the bottom: it tells the account's devices
        expect(tab.page.locator("#messages .divider")).to_be_visible()
        marked = kim.expect(lambda m: m.command == "MARKREAD" and m.params[0] == "#tea")
        assert marked.params[1] == f"timestamp={fifth}"
        expect(tea).to_have_attribute("aria-label", "#tea")
        # The divider sits right above the first line not read when the tab opened it.
        rows = tab.page.locator("#messages > div")
        texts = rows.evaluate_all("rs => rs.map(r => r.className + ':' + r.textContent)")
        at = next(i for i, t in enumerate(texts) if t.startswith("divider"))
        assert "fifth" in texts[at + 1], texts
    finally:
        kim.close()
        lee.close()
