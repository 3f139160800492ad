"""IRCv3 draft/channel-rename: a channel operator renames a channel; everything but the
name stays, its history included; members without the capability see a part and a join."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from support import servers
from support.client import IrcClient
from support.privacy import HISTORY_CAPS, history, make_channel, register_account
from support.servers import ThreadServer

CAP = "draft/channel-rename"
CAPS = ("echo-message", *HISTORY_CAPS, CAP)
PLAIN = ("echo-message", *HISTORY_CAPS)


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False, "channel_rename_interval": 0.0})


def members(connect: Callable[..., IrcClient], channel: str, *who: tuple[str, tuple[str, ...]]):
    """Clients (nick, caps) in `channel`; the first made it and is its operator."""
    clients = [connect(nick, caps=caps) for nick, caps in who]
    make_channel(clients[0], channel)
    for client in clients[1:]:
        client.send(f"JOIN {channel}")
        client.expect("366")
    for client in clients:
        client.sync()
    return clients


def answer(client: IrcClient, line: str) -> Message:
    client.send(line)
    return client.expect(lambda m: m.command in ("RENAME", "FAIL", "PART") or m.command.isdigit())


def test_members_with_the_cap_see_rename_the_others_part_and_join(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob, plain = members(
        connect, "#boaring", ("alice", CAPS), ("bob", CAPS), ("plain", ("extended-join",))
    )
    alice.send("TOPIC #boaring :all about boring")
    alice.expect("TOPIC")
    plain.sync()
    renamed = answer(alice, "RENAME #boaring #boring :typo fix")
    assert renamed.params == ("#boaring", "#boring", "typo fix") and renamed.source.startswith(
        "alice!"
    )
    assert [m.params for m in bob.sync() if m.command == "RENAME"] == [
        ("#boaring", "#boring", "typo fix")
    ]
    seen = plain.sync()
    assert [(m.command, m.params) for m in seen[:2]] == [
        ("PART", ("#boaring", "typo fix")),
        ("JOIN", ("#boring", "*", "plain's real name")),  # in its extended-join form
    ]
    assert seen[0].source.startswith("plain!")
    assert [m.command for m in seen[2:]] == ["332", "333", "353", "366"]
    assert seen[2].params[1:] == ("#boring", "all about boring")
    assert sorted(seen[4].params[3].split()) == ["@alice", "bob", "plain"]
    # No reason: the third parameter is there all the same, empty.
    assert answer(alice, "RENAME #boring #dull").params == ("#boring", "#dull", "")


def test_modes_topic_lists_and_history_follow_the_channel(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob = members(connect, "#old", ("alice", CAPS), ("bob", PLAIN))
    alice.send("MODE #old +snk sesame")
    alice.send("MODE #old +b mallory!*@*")
    alice.send("PRIVMSG #old :said under the old name")
    alice.sync()
    assert answer(alice, "RENAME #old #new").command == "RENAME"
    assert history(alice, "#new") == ["said under the old name"]  # at once
    assert history(bob, "#new") == ["said under the old name"]
    alice.send("MODE #new")
    assert alice.expect("324").params[2:] == ("+nstk", "sesame")
    alice.send("MODE #new b")
    assert alice.expect("367").params[2] == "mallory!*@*"
    mallory = connect("mallory", caps=CAPS)
    mallory.send("JOIN #old")  # the old name is free: a new, empty channel
    mallory.expect("366")
    assert history(mallory, "#old") == []
    mallory.send("JOIN #new sesame")
    assert mallory.expect("474").params[1] == "#new"  # still banned there


def test_refusals(connect: Callable[..., IrcClient]) -> None:
    alice, bob = members(connect, "#tea", ("alice", CAPS), ("bob", CAPS))
    make_channel(alice, "#coffee")
    outsider = connect("outsider", caps=CAPS)
    assert answer(bob, "RENAME #tea #chai").command == "482"
    assert answer(outsider, "RENAME #tea #chai").command == "442"
    assert answer(outsider, "RENAME #nowhere #chai").command == "403"
    fail = answer(alice, "RENAME #tea #coffee")
    assert fail.params[:4] == ("RENAME", "CHANNEL_NAME_IN_USE", "#tea", "#coffee")
    for bad in ("chai", "&tea", "#a,b", "#" + "x" * 300, "#tea"):
        fail = answer(alice, f"RENAME #tea {bad}")
        assert fail.params[:3] == ("RENAME", "CANNOT_RENAME", "#tea"), fail
    alice.send("RENAME #tea")
    assert alice.expect("461").params[1] == "RENAME"
    assert [m for m in bob.sync() if m.command == "RENAME"] == []


def test_a_change_of_case_renames_without_part_and_join(
    connect: Callable[..., IrcClient],
) -> None:
    alice, plain = members(connect, "#tea", ("alice", CAPS), ("plain", PLAIN))
    alice.send("PRIVMSG #tea :hello")
    alice.sync()
    assert answer(alice, "RENAME #tea #TEA").params[:2] == ("#tea", "#TEA")
    assert [m for m in plain.sync() if m.command in ("PART", "JOIN", "RENAME")] == []
    plain.send("NAMES #tea")
    assert plain.expect("353").params[2] == "#TEA"
    assert history(plain, "#TEA") == ["hello"]


def test_a_channel_is_renamed_once_in_a_while(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(lobby=None, limits={"flood_enabled": False})
    alice = IrcClient(server.port)
    alice.register("alice", caps=CAPS, lobby=False)
    make_channel(alice, "#one")
    assert answer(alice, "RENAME #one #two").command == "RENAME"
    fail = answer(alice, "RENAME #two #three")
    assert fail.params[:4] == ("RENAME", "CANNOT_RENAME", "#two", "#three")
    alice.close()


def test_history_stays_renamed_after_a_restart(tmp_path: Path) -> None:
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    server = ThreadServer(config).start()
    try:
        alice = IrcClient(server.port)
        alice.register("alice", caps=CAPS, lobby=False)
        make_channel(alice, "#old")
        alice.send("PRIVMSG #old :kept")
        alice.sync()
        assert answer(alice, "RENAME #old #new").command == "RENAME"
    finally:
        server.stop()
    server = ThreadServer(config).start()
    try:
        bob = IrcClient(server.port)
        bob.register("bob", caps=CAPS, lobby=False)
        make_channel(bob, "#new")
        assert history(bob, "#new") == ["kept"]
        make_channel(bob, "#old")
        assert history(bob, "#old") == []
    finally:
        server.stop()


def test_an_account_comes_back_into_the_new_name(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    register_account(alice)
    make_channel(alice, "#old")
    assert answer(alice, "RENAME #old #new").command == "RENAME"
    keeper = connect("keeper", caps=CAPS)  # keeps the channel alive meanwhile
    keeper.send("JOIN #new")
    keeper.expect("366")
    alice.send("QUIT")
    alice.wait_closed()
    again = connect("alice", caps=CAPS)
    again.send("PRIVMSG NickServ :IDENTIFY wonderland1")
    assert again.expect("JOIN").params[0] == "#new"


def test_the_lobby_keeps_its_name(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(limits={"flood_enabled": False})  # with its lobby, #lobby
    lobby = server.config.lobby
    assert lobby
    alice = IrcClient(server.port)
    alice.register("alice", caps=CAPS)  # first in: the lobby's operator
    make_channel(alice, "#tea")
    for line in (f"RENAME {lobby} #hall", f"RENAME #tea {lobby.upper()}"):
        assert answer(alice, line).params[1] == "CANNOT_RENAME"
    alice.close()
