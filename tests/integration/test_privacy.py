"""Privacy of history, from the attacker's side (docs/privacy.md): a line is read later
only by those who could read it when it was said."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.servers import ThreadServer

HISTORY_CAPS = ("batch", "server-time", "message-tags", "draft/chathistory")


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def history(client: IrcClient, target: str, limit: int = 50) -> list[str]:
    """The texts CHATHISTORY LATEST gives `client` for `target` (FAIL: raises)."""
    client.send(f"CHATHISTORY LATEST {target} * {limit}")
    start = client.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [m.params[-1] for m in lines if m.command in ("PRIVMSG", "NOTICE")]


def test_private_history_without_accounts_stays_with_the_connection(
    connect: Callable[..., IrcClient],
) -> None:
    """Whoever takes a nick later (even having connected earlier) reads none of its DMs."""
    mallory = connect("mallory", caps=HISTORY_CAPS)  # signed on before the talk
    alice = connect("alice", caps=HISTORY_CAPS)
    bob = connect("bob", caps=HISTORY_CAPS)
    alice.send("PRIVMSG bob :my secret")
    bob.expect("PRIVMSG")
    bob.send("PRIVMSG alice :your secret")
    alice.expect("PRIVMSG")
    assert history(alice, "bob") == ["my secret", "your secret"]
    alice.send("NICK alice_away")  # the nick is free, its holder still online
    alice.expect("NICK")
    mallory.send("NICK alice")
    mallory.expect("NICK")
    assert history(mallory, "bob") == []
    alice.send("QUIT")
    alice.wait_closed()
    assert history(mallory, "bob") == []
    assert history(bob, "alice") == ["my secret", "your secret"]  # bob's own side stays his
