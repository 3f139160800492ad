"""Creating an account from the browser on a server that confirms e-mail addresses:
the address is asked for, the mailed code typed in, a wrong code said so."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import pytest
from playwright.sync_api import expect

from parley.server.config import Mail, Registration
from support.browser import PASSWORD, WebUser, url_of
from support.servers import ThreadServer, web_config
from support.smtp_sink import SmtpSink
from support.waiting import wait_until

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
