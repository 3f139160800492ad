"""A deleted account leaves nothing to whoever registers its name next (docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.privacy import (
    HISTORY_CAPS,
    history,
    identify,
    join,
    make_channel,
    register_account,
    say,
)
from support.servers import ThreadServer, run_cli

PASSWORD = "wonderland1"
TRACES = ("the vault's secret", "a secret for bob", "a secret for alice", "while you were away")


def traces(texts: list[str]) -> list[str]:
    return [t for t in texts if any(trace in t for trace in TRACES)]


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def leave_traces(server: ThreadServer) -> tuple[IrcClient, IrcClient]:
    """alice (an account) talks with bob in private and in a secret channel, and is
    sent a message while offline; returns alice, logged in again, and bob."""
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS, lobby=False)
    register_account(alice, PASSWORD)
    bob = IrcClient(server.port)
    bob.register("bob", caps=HISTORY_CAPS, lobby=False)
    make_channel(alice, "#vault", "+s")
    join(bob, "#vault")
    say(alice, "#vault", "the vault's secret")
    alice.send("PRIVMSG bob :a secret for bob")
    bob.expect("PRIVMSG")
    bob.send("PRIVMSG alice :a secret for alice")
    alice.expect("PRIVMSG")
    alice.send("QUIT")
    alice.wait_closed()
    bob.send("PRIVMSG alice :while you were away")
    bob.expect("301")  # kept for the account
    alice = IrcClient(server.port)
    alice.register("alice", caps=HISTORY_CAPS, lobby=False)
    identify(alice, PASSWORD)
    assert "while you were away" in [m.params[-1] for m in alice.received]
    return alice, bob


def nothing_inherited(server: ThreadServer, bob: IrcClient) -> None:
    """mallory registers the freed name `alice`: none of the old alice's past is hers."""
    mallory = IrcClient(server.port, source="127.0.0.2")
    mallory.register("alice", caps=HISTORY_CAPS, lobby=False)
    register_account(mallory, "mallorys-own")
    seen = [m.params[-1] for m in mallory.received + mallory.sync()]
    assert traces(seen) == []  # no missed messages
    assert not any(m.command == "JOIN" for m in mallory.received)  # no channels brought back
    assert history(mallory, "bob") == []
    mallory.send("QUIT")
    mallory.wait_closed()
    again = IrcClient(server.port, source="127.0.0.2")  # logging in again: still nothing
    again.register("alice", caps=HISTORY_CAPS, lobby=False)
    identify(again, "mallorys-own")
    seen = [m.params[-1] for m in again.received + again.sync()]
    assert traces(seen) == []
    join(again, "#vault")
    assert history(again, "#vault") == []
    assert history(again, "bob") == []
    mine = ["a secret for bob", "a secret for alice", "while you were away"]
    assert history(bob, "alice") == mine  # bob's side of the conversation stays his


def test_dropped_account_leaves_nothing_to_the_next_owner_of_the_name(
    server: ThreadServer,
) -> None:
    alice, bob = leave_traces(server)
    alice.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
    alice.expect(lambda m: m.command == "NOTICE" and "deleted" in m.params[1])
    alice.send("QUIT")
    alice.wait_closed()
    nothing_inherited(server, bob)


def test_account_deleted_from_the_shell_is_logged_out_and_leaves_nothing(
    server: ThreadServer,
) -> None:
    alice, bob = leave_traces(server)
    alice.send("CAP REQ account-notify")
    alice.expect("CAP")
    done = run_cli(server.config.data_dir, "delete-account", "alice")
    assert done.returncode == 0, done.stderr
    logged_out = alice.expect(lambda m: m.command == "ACCOUNT", timeout=10)
    assert logged_out.params == ("*",)
    alice.send("PRIVMSG NickServ :SET HISTORY OFF")  # needs a login: there is none now
    alice.expect(lambda m: m.command == "NOTICE" and "Usage" in m.params[1])
    say(alice, "#vault", "said after the deletion")
    alice.send("QUIT")
    alice.wait_closed()
    nothing_inherited(server, bob)
