"""The web client in a real Chromium: people create accounts (with a mailed code where
the server asks for one), log in and chat with each other and with a raw IRC client;
refusals are shown where they belong."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from parley.server.config import Mail, Registration
from support.accounts import logged_in
from support.browser import PASSWORD, WebUser, url_of
from support.client import IrcClient
from support.servers import ThreadServer, web_config
from support.smtp_sink import SmtpSink
from support.waiting import wait_until


def test_two_browser_users_chat_in_the_lobby_and_privately(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    alice, bob = web_users(url_of(web_server)), web_users(url_of(web_server))
    alice.login("alice", register=True)
    bob.login("bob", register=True)
    alice.in_chat()
    bob.in_chat()
    expect(alice.page.locator("#conv-title")).to_have_text("#lobby")
    expect(alice.page.locator("#member-list")).to_contain_text("bob")

    alice.say("hi bob, see https://example.org/page.")
    line = bob.message("hi bob, see https://example.org/page.")
    expect(line).to_have_count(1)
    link = line.locator("a")
    expect(link).to_have_attribute("href", "https://example.org/page")
    expect(link).to_have_attribute("rel", "noopener noreferrer nofollow")
    expect(line.locator("xpath=ancestor::div[contains(@class,'msg')]")).to_have_class(
        "msg kind-privmsg mention"
    )

    bob.say("<b>not bold</b> & fine")  # text, never markup
    expect(alice.message("<b>not bold</b> & fine")).to_have_count(1)
    expect(alice.page.locator("#messages b")).to_have_count(0)

    bob.say("/msg alice just between us")
    expect(alice.conversation("bob")).to_contain_text("1")  # unread, in the list
    alice.open("bob")
    expect(alice.message("just between us")).to_have_count(1)
    alice.page.locator("#input").press_sequentially("line one")
    alice.page.press("#input", "Shift+Enter")  # a new line, not sent yet
    alice.page.locator("#input").press_sequentially("line two")
    expect(alice.page.locator("#input")).to_have_value("line one\nline two")
    alice.page.press("#input", "Enter")
    bob.open("alice")
    expect(bob.page.locator("#messages .msg .text", has_text="line one")).to_have_text(
        "line one\nline two"
    )  # one message: a draft/multiline batch

    bob.say("/me waves")
    expect(alice.page.locator("#messages .msg.kind-action")).to_contain_text("* bob waves")


def test_a_browser_user_and_an_irc_user_see_presence_topic_and_away(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    carol = web_users(url_of(web_server))
    carol.login("carol", register=True)
    carol.in_chat()
    dave = IrcClient(web_server.port)
    try:
        dave.register("dave")
        expect(carol.page.locator("#member-list")).to_contain_text("dave")
        dave.send("AWAY :lunch")
        expect(carol.page.locator("#member-list .member.away")).to_contain_text("dave")
        carol.say("/join #tea")
        expect(carol.page.locator("#conv-title")).to_have_text("#tea")
        carol.say("/topic all about tea")
        expect(carol.page.locator("#topic")).to_have_text("all about tea")
        dave.send("JOIN #tea")
        expect(carol.page.locator("#member-list")).to_contain_text("dave")
        dave.send("PRIVMSG #tea :carol: green or black?")
        expect(carol.message("carol: green or black?")).to_have_count(1)
        carol.say("green")
        said = dave.expect(lambda m: m.command == "PRIVMSG" and m.params[0] == "#tea")
        assert said.params[1] == "green" and said.source.startswith("carol!")
        carol.say("/part")
        expect(carol.conversation("#tea")).to_have_count(0)
    finally:
        dave.close()


def test_a_wrong_password_and_a_taken_account_are_shown_under_the_form(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    erin = web_users(url_of(web_server))
    erin.login("erin", register=True)
    erin.in_chat()
    other = web_users(url_of(web_server))
    other.login("erin", password="not-the-password")
    expect(other.page.locator("#login-error")).to_have_text("Wrong account name or password.")
    expect(other.page.locator("#password")).to_be_focused()
    expect(other.page.locator("#account")).to_have_value("erin")  # fields as left
    expect(other.page.locator("#chat")).to_be_hidden()
    third = web_users(url_of(web_server))
    third.login("erin", register=True)  # the account (and its nick) exist
    expect(third.page.locator("#login-error")).not_to_be_empty()
    third.login("fr ank")
    expect(third.page.locator("#login-error")).to_contain_text("no spaces")
    other.page.fill("#password", PASSWORD)
    other.page.click("#login-submit")
    other.in_chat()  # the same account on a second device


def test_unknown_commands_and_missing_words_get_a_local_error(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    gina = web_users(url_of(web_server))
    gina.login("gina", register=True)
    gina.in_chat()
    expect(gina.page.locator("#conv-title")).to_have_text("#lobby")
    gina.say("/frobnicate now")
    error = gina.page.locator("#messages .msg.kind-error")
    expect(error).to_contain_text("Unknown command /frobnicate")
    gina.say("/join")
    expect(error.nth(1)).to_contain_text("/join needs more words")
    gina.say("/whois nobody-here")
    expect(error.nth(2)).to_contain_text("nobody-here")  # 401 from the server
    gina.say("/help")
    expect(gina.page.locator("#messages .msg.kind-info").last).to_contain_text("/query nick")


def test_the_browser_user_logs_in_to_an_account_made_elsewhere_with_remember_me(
    web_server: ThreadServer, web_users: Callable[..., WebUser]
) -> None:
    raw = IrcClient(web_server.port)
    raw.register("hank")
    raw.send(f"REGISTER * * {PASSWORD}")
    raw.expect(lambda m: m.command == "REGISTER" and m.params[0] == "SUCCESS")
    raw.close()
    hank = web_users(url_of(web_server))
    hank.page.fill("#account", "hank")
    hank.page.fill("#password", PASSWORD)
    hank.page.check("#remember")
    hank.page.click("#login-submit")
    hank.in_chat()
    stored = hank.page.evaluate("localStorage.getItem('parley.login')")
    assert stored is not None and "hank" in stored
    hank.page.reload()  # logged in again from what was remembered
    hank.in_chat()
    expect(hank.page.locator("#conv-title")).to_have_text("#lobby")
    hank.page.click("#settings-toggle")
    hank.page.click("#logout")
    expect(hank.page.locator("#login")).to_be_visible()
    assert hank.page.evaluate("localStorage.getItem('parley.login')") is None
    # Not ticked: nothing is kept.
    other = web_users(url_of(web_server))
    other.login("hank")
    other.in_chat()
    assert other.page.evaluate("localStorage.getItem('parley.login')") is None
    client = logged_in(web_server.port, "hank", "hank", PASSWORD)
    client.close()


CODE = re.compile(r"VERIFY (\S+) (\S+)")


@pytest.fixture
def sink() -> Iterator[SmtpSink]:
    with SmtpSink() as running:
        yield running


@pytest.fixture
def mailing_server(make_server: Callable[..., ThreadServer], sink: SmtpSink) -> ThreadServer:
    return make_server(
        web=web_config(),
        registration=Registration(email_required=True),
        mail=Mail(smtp_host="127.0.0.1", smtp_port=sink.port, timeout=10.0),
    )


def test_the_mailed_code_creates_the_account(
    mailing_server: ThreadServer, sink: SmtpSink, web_users: Callable[..., WebUser]
) -> None:
    tab = web_users(url_of(mailing_server))
    tab.login("quinn", register=True)  # no address: the server says it needs one
    expect(tab.page.locator("#login-error")).to_contain_text("e-mail address")
    expect(tab.page.locator("#email")).to_be_focused()
    tab.page.fill("#email", "quinn@example.org")
    tab.page.click("#login-submit")
    expect(tab.page.locator("#verify-form")).to_be_visible()
    wait_until(lambda: len(sink.messages) == 1, what="the mail")
    body = sink.messages[0].get_payload(decode=True)
    assert isinstance(body, bytes)
    found = CODE.search(body.decode())
    assert found is not None and found.group(1) == "quinn"
    tab.page.fill("#code", "WRONGCODE1")
    tab.page.click("#verify-form button[type=submit]")
    expect(tab.page.locator("#login-error")).to_contain_text("Check the code")
    expect(tab.page.locator("#chat")).to_be_hidden()
    tab.page.fill("#code", found.group(2))
    tab.page.click("#verify-form button[type=submit]")
    tab.in_chat()
    expect(tab.page.locator("#conv-title")).to_have_text("#lobby")
    again = web_users(url_of(mailing_server))  # the account is made: it logs in
    again.login("quinn", password=PASSWORD)
    again.in_chat()
