"""SASL reauthentication (sasl-3.2): AUTHENTICATE after registration, logged in or not.

A right password switches the account: 900 and 903 to the client, ACCOUNT to
those sharing a channel that asked for account-notify. A wrong one changes
nothing. The login throttles and nick reservation hold as for any login.
"""

from __future__ import annotations

import base64
from collections.abc import Callable

import pytest

from parley.server.core.reservation import NICKSERV_PREFIX
from support.client import IrcClient
from support.scram_client import client_proof
from support.servers import ThreadServer, run_cli


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    made = make_server(lobby=None)
    for name, password in (("foo", "foo's password"), ("jilles", "sesame street")):
        result = run_cli(made.config.data_dir, "create-account", name, password)
        assert result.returncode == 0, result.stderr
    return made


def authenticate(client: IrcClient, account: str, password: str) -> list[str]:
    """An AUTHENTICATE PLAIN exchange; the numerics up to 903 or 904."""
    client.send("AUTHENTICATE PLAIN")
    assert client.expect("AUTHENTICATE").params == ("+",)
    blob = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
    client.send(f"AUTHENTICATE {blob}")
    replies = client.collect_until_match(lambda m: m.command in ("903", "904"))
    return [m.command for m in replies if m.command.isdigit()]


def whois_account(watcher: IrcClient, nick: str) -> str | None:
    watcher.send(f"WHOIS {nick}")
    replies = watcher.collect_until("318")
    found = [m.params[2] for m in replies if m.command == "330"]
    return found[0] if found else None


def pair(server: ThreadServer, nick: str = "user") -> tuple[IrcClient, IrcClient]:
    """A client logged in as foo and a watcher with account-notify, both in #room."""
    client = IrcClient(server.port)
    client.send("CAP LS 302")
    client.send("CAP REQ sasl")
    client.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    assert authenticate(client, "foo", "foo's password")[-1] == "903"
    client.send("CAP END")
    client.register(nick, lobby=False)
    watcher = IrcClient(server.port)
    watcher.register("watcher", caps=("account-notify",), lobby=False)
    for each in (watcher, client):
        each.send("JOIN #room")
        each.expect("366")
    watcher.sync()
    return client, watcher


def test_reauthenticating_switches_the_account_and_tells_the_channel(
    server: ThreadServer,
) -> None:
    client, watcher = pair(server)
    assert authenticate(client, "jilles", "sesame street") == ["900", "903"]
    notice = watcher.expect("ACCOUNT")
    assert notice.source.startswith("user!") and notice.params == ("jilles",)
    assert whois_account(watcher, "user") == "jilles"


def test_a_wrong_password_changes_nothing(server: ThreadServer) -> None:
    client, watcher = pair(server)
    assert authenticate(client, "jilles", "not the password") == ["904"]
    assert whois_account(watcher, "user") == "foo"
    assert not any(m.command == "ACCOUNT" for m in watcher.sync())
    client.send("AUTHENTICATE *")  # nothing under way: a failure, and still foo
    client.expect("904")
    assert whois_account(watcher, "user") == "foo"


def test_the_same_account_again_is_no_news_to_others(server: ThreadServer) -> None:
    client, watcher = pair(server)
    assert authenticate(client, "foo", "foo's password") == ["900", "903"]
    assert not any(m.command == "ACCOUNT" for m in watcher.sync())


def test_leaving_the_account_of_ones_nick_starts_its_clock(server: ThreadServer) -> None:
    client, watcher = pair(server, nick="foo")
    client.sync()
    assert authenticate(client, "jilles", "sesame street")[-1] == "903"
    notices = [m for m in client.received if m.source == NICKSERV_PREFIX]
    assert len(notices) == 1
    assert "belongs to a registered account" in notices[-1].params[1]
    assert watcher.expect("ACCOUNT").params == ("jilles",)


def test_reauthentication_is_held_to_the_login_throttles(server: ThreadServer) -> None:
    client, watcher = pair(server)
    limit = server.config.limits.login_tries_per_account_address
    for _ in range(limit):
        assert authenticate(client, "jilles", "a wrong guess") == ["904"]
    assert authenticate(client, "jilles", "sesame street") == ["904"]  # held back for now
    assert whois_account(watcher, "user") == "foo"


def test_scram_reauthentication_switches_too(server: ThreadServer) -> None:
    client, watcher = pair(server)
    nonce = "rOprNGfwEbeRWgbNEkqO"
    first_bare = f"n=jilles,r={nonce}"
    client.send("AUTHENTICATE SCRAM-SHA-256")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"n,,{first_bare}".encode()).decode())
    server_first = base64.b64decode(client.expect("AUTHENTICATE").params[0]).decode()
    server_nonce = dict(p.split("=", 1) for p in server_first.split(","))["r"]
    final, _ = client_proof("sesame street", first_bare, server_first, server_nonce)
    client.send("AUTHENTICATE " + base64.b64encode(final.encode()).decode())
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE +")
    client.expect("903")
    assert watcher.expect("ACCOUNT").params == ("jilles",)
