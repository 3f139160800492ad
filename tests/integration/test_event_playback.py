"""IRCv3 draft/event-playback: channel events come back through CHATHISTORY, to those
who ask for them and may read them, on real servers with their SQLite history."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from support import servers
from support.client import IrcClient
from support.privacy import HISTORY_CAPS, make_channel
from support.servers import ThreadServer

EVENTS = ("echo-message", *HISTORY_CAPS, "draft/event-playback")
PLAIN = ("echo-message", *HISTORY_CAPS)


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(lobby=None, limits={"flood_enabled": False})


def batch(client: IrcClient, query: str) -> list[Message]:
    """The lines of a CHATHISTORY answer's batch."""
    client.send(query)
    start = client.expect(lambda m: m.command in ("BATCH", "FAIL"))
    assert start.command == "BATCH", start
    ref = start.params[0][1:]
    lines = client.collect_until_match(lambda m: m.command == "BATCH" and m.params[0] == "-" + ref)
    return [m for m in lines if m.tags.get("batch") == ref]


def shape(lines: list[Message]) -> list[tuple[str, ...]]:
    return [(m.command, *m.params) for m in lines]


def test_events_come_back_as_they_were_sent(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=EVENTS)
    bob = connect("bob", caps=PLAIN)
    make_channel(alice, "#tea")
    bob.send("JOIN #tea")
    bob.expect("366")
    alice.send("TOPIC #tea :earl grey")
    live = [alice.expect("TOPIC")]
    alice.send("MODE #tea +v bob")
    live.append(alice.expect("MODE"))
    bob.send("NICK robert")
    live.append(alice.expect("NICK"))
    alice.send("PRIVMSG #tea :hello")
    live.append(alice.expect("PRIVMSG"))
    alice.send("KICK #tea robert :out")
    live.append(alice.expect("KICK"))
    past = batch(alice, "CHATHISTORY LATEST #tea * 100")
    assert shape(past) == [("JOIN", "#tea"), ("JOIN", "#tea"), *shape(live)]
    assert shape(past[-5:]) == shape(live)
    for old, now in zip(past[-5:], live, strict=True):  # the same line, the same ids
        assert old.tags["msgid"] == now.tags["msgid"] and old.tags["time"] == now.tags["time"]
    assert past[0].source.startswith("alice!") and past[-3].source.startswith("bob!")
    # A reference to an event is a reference like any other.
    after = batch(alice, f"CHATHISTORY AFTER #tea msgid={live[1].tags['msgid']} 10")
    assert shape(after) == shape(live[2:])


def test_without_the_cap_only_messages_and_the_limit_counts_them(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=EVENTS)
    plain = connect("plain", caps=PLAIN)
    make_channel(alice, "#tea")
    alice.send("PRIVMSG #tea :first")
    alice.send("PRIVMSG #tea :second")
    alice.send("@+draft/react=x TAGMSG #tea")
    for n in range(30):  # more events than the limit asked for
        alice.send(f"TOPIC #tea :topic {n}")
    alice.sync()
    plain.send("JOIN #tea")
    plain.expect("366")
    lines = batch(plain, "CHATHISTORY LATEST #tea * 2")
    assert shape(lines) == [("PRIVMSG", "#tea", "first"), ("PRIVMSG", "#tea", "second")]
    assert {m.command for m in batch(alice, "CHATHISTORY LATEST #tea * 100")} >= {
        "JOIN", "TOPIC", "TAGMSG", "PRIVMSG",
    }  # fmt: skip


def test_events_of_a_closed_channel_are_its_members_of_the_time(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=EVENTS)
    bob = connect("bob", caps=EVENTS)
    make_channel(alice, "#open")
    alice.send("TOPIC #open :said in the open")
    alice.expect("TOPIC")
    make_channel(alice, "#vault", "+s")
    alice.send("TOPIC #vault :the combination")
    alice.expect("TOPIC")
    assert ("TOPIC", "#vault", "the combination") in shape(
        batch(alice, "CHATHISTORY LATEST #vault * 9")
    )
    alice.send("KICK #vault alice :even this")  # (the op kicks herself: the channel ends)
    alice.expect("KICK")
    make_channel(alice, "#vault")
    bob.send("JOIN #open,#vault")
    bob.expect(lambda m: m.command == "366" and m.params[1] == "#vault")
    opened = shape(batch(bob, "CHATHISTORY LATEST #open * 100"))
    assert ("TOPIC", "#open", "said in the open") in opened
    seen = shape(batch(bob, "CHATHISTORY LATEST #vault * 100"))
    assert all("the combination" not in line and "even this" not in line for line in seen)
    # alice's first JOIN (the channel was public then), her second, and his
    assert seen == [("JOIN", "#vault")] * 3


def test_a_channel_key_stays_with_those_who_knew_it(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=EVENTS)
    make_channel(alice, "#tea", "+k sesame")
    alice.send("MODE #tea -k sesame")
    alice.expect("MODE")
    alice.send("TOPIC #tea :open again")
    alice.expect("TOPIC")
    bob = connect("bob", caps=EVENTS)
    bob.send("JOIN #tea")
    bob.expect("366")
    seen = shape(batch(bob, "CHATHISTORY LATEST #tea * 100"))
    assert ("TOPIC", "#tea", "open again") in seen
    assert not [line for line in seen if "sesame" in line]
    mine = shape(batch(alice, "CHATHISTORY LATEST #tea * 9"))
    assert ("MODE", "#tea", "+k", "sesame") in mine  # she was there


def test_events_last_a_restart(tmp_path: Path) -> None:
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    server = ThreadServer(config).start()
    try:
        alice = IrcClient(server.port)
        alice.register("alice", caps=EVENTS, lobby=False)
        make_channel(alice, "#tea")
        alice.send("TOPIC #tea :kept")
        alice.expect("TOPIC")
        alice.send("PART #tea :bye")
        alice.expect("PART")
    finally:
        server.stop()
    server = ThreadServer(config).start()
    try:
        bob = IrcClient(server.port)
        bob.register("bob", caps=EVENTS, lobby=False)
        make_channel(bob, "#tea")
        lines = shape(batch(bob, "CHATHISTORY LATEST #tea * 100"))
        assert lines[-4:-1] == [
            ("JOIN", "#tea"),
            ("TOPIC", "#tea", "kept"),
            ("PART", "#tea", "bye"),
        ]
        assert lines[-1] == ("JOIN", "#tea")  # his own
    finally:
        server.stop()


def test_reactions_are_kept_and_typing_notices_are_not(connect: Callable[..., IrcClient]) -> None:
    """A TAGMSG is kept for a reaction or when asked (`+draft/persist`): `+typing` is of
    the moment."""
    alice = connect("alice", caps=EVENTS)
    make_channel(alice, "#tea")
    alice.send("PRIVMSG #tea :cake?")
    said = alice.expect("PRIVMSG").tags["msgid"]
    alice.send("@+typing=active TAGMSG #tea")
    alice.send(f"@+draft/react=\u2764;+draft/reply={said} TAGMSG #tea")
    alice.send("@+typing=done TAGMSG #tea")
    alice.send("TAGMSG #tea")  # no tags at all
    alice.send("@+draft/persist;+game/move=e4 TAGMSG #tea")  # asks to be kept
    alice.sync()
    kept = [m for m in batch(alice, "CHATHISTORY LATEST #tea * 100") if m.command == "TAGMSG"]
    assert [m.tags.get("+draft/react") for m in kept] == ["\u2764", None]
    assert kept[1].tags["+game/move"] == "e4"
