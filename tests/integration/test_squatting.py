"""Sitting on someone's registered nick gets one nothing of theirs (docs/privacy.md)."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from support.client import IrcClient
from support.privacy import HISTORY_CAPS, history, register_account
from support.servers import ThreadServer

PASSWORD = "wonderland1"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "nick_grace": 1.0})


def owner_offline(server: ThreadServer) -> None:
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    register_account(alice, PASSWORD)
    alice.send("QUIT")
    alice.wait_closed()


def test_messages_to_a_squatted_nick_are_kept_for_its_owner(server: ThreadServer) -> None:
    owner_offline(server)
    mallory = IrcClient(server.port, source="127.0.0.2")
    mallory.register("alice", caps=HISTORY_CAPS, lobby=False)
    bob = IrcClient(server.port)
    bob.register("bob", lobby=False)
    bob.send("PRIVMSG alice :for alice's eyes only")
    kept = bob.expect("301")
    assert "owner" in kept.params[-1]
    bob.send("NOTICE alice :a notice for alice")
    bob.sync()
    mallory.sync()
    assert not [m for m in mallory.received if "alice's eyes" in m.params[-1]]
    assert not [m for m in mallory.received if "a notice for alice" in m.params[-1]]
    assert history(mallory, "bob") == []
    owner = IrcClient(server.port)
    owner.register("alice_", lobby=False)
    owner.send(f"PRIVMSG NickServ :IDENTIFY alice {PASSWORD}")
    owner.expect(lambda m: m.command == "NOTICE" and "logged in as" in m.params[1])
    owner.sync()  # what was kept is read after the login, before the next line's answer
    texts = [m.params[-1] for m in owner.received]
    assert any(t.endswith("for alice's eyes only") for t in texts)
    assert any(t.endswith("a notice for alice") for t in texts)


def test_taking_a_registered_nick_again_after_a_rename_is_refused_for_a_while(
    server: ThreadServer,
) -> None:
    owner_offline(server)
    mallory = IrcClient(server.port, source="127.0.0.2")
    mallory.register("alice", lobby=False)
    renamed = mallory.expect(lambda m: m.command == "NICK", timeout=10)
    assert renamed.params[0].startswith("Guest")
    mallory.send("NICK alice")
    refused = mallory.expect(lambda m: m.command in ("433", "NICK"))
    assert refused.command == "433"
    notice = mallory.expect(lambda m: m.command == "NOTICE")
    assert "IDENTIFY" in notice.params[1]
    again = IrcClient(server.port, source="127.0.0.2")  # a new connection, same address
    again.send("NICK alice")
    again.send("USER m 0 * :m")
    assert again.expect(lambda m: m.command in ("433", "001")).command == "433"
    again.send("NICK other")
    again.expect("001")
    elsewhere = IrcClient(server.port, source="127.0.0.3")  # someone else may still try
    elsewhere.register("alice", lobby=False)
    owner = IrcClient(server.port, source="127.0.0.2")  # the owner, logged in, may take it
    owner.register("alice_", lobby=False)
    owner.send(f"PRIVMSG NickServ :IDENTIFY alice {PASSWORD}")
    owner.expect(lambda m: m.command == "NOTICE" and "logged in as" in m.params[1])
    elsewhere.send("QUIT")
    elsewhere.wait_closed()
    owner.send("NICK alice")
    assert owner.expect(lambda m: m.command in ("433", "NICK")).command == "NICK"


def test_messages_to_a_squatted_nick_reach_its_owner_online_under_another_nick(
    server: ThreadServer,
) -> None:
    owner_offline(server)
    owner = IrcClient(server.port)
    owner.register("alice_", lobby=False)
    owner.send(f"PRIVMSG NickServ :IDENTIFY alice {PASSWORD}")
    owner.expect(lambda m: m.command == "NOTICE" and "logged in as" in m.params[1])
    mallory = IrcClient(server.port, source="127.0.0.2")
    mallory.register("alice", lobby=False)
    bob = IrcClient(server.port)
    bob.register("bob", lobby=False)
    bob.send("PRIVMSG alice :for alice's eyes only")
    got = owner.expect(lambda m: m.command == "PRIVMSG")
    assert got.source.startswith("bob!") and got.params[1] == "for alice's eyes only"
    mallory.sync()
    assert not [m for m in mallory.received if "alice's eyes" in m.params[-1]]
