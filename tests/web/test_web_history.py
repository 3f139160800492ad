"""History in the browser: a conversation opens on its latest lines, and scrolling to
the top loads older ones (CHATHISTORY BEFORE) until the beginning, each line once."""

from __future__ import annotations

from collections.abc import Callable

from playwright.sync_api import expect

from support.browser import WebUser, url_of
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
