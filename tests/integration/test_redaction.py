"""IRCv3 draft/message-redaction: who may delete a message, who is told, and what history keeps.

Real servers on loopback with their SQLite history; attackers try others' messages,
messages of other channels and conversations, ones they never could see, and junk.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parley.irc.message import Message
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support import servers
from support.client import IrcClient
from support.privacy import HISTORY_CAPS, history, identify, make_channel, register_account
from support.servers import ThreadServer

CAPS = ("echo-message", "labeled-response", *HISTORY_CAPS, "draft/message-redaction")
PLAIN = ("echo-message", *HISTORY_CAPS)  # the same without the capability


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    return make_server(
        lobby=None,
        limits={"flood_enabled": False},
        opers=(Oper("boss", hash_password("hunter2")),),
    )


def said(client: IrcClient, target: str, text: str) -> str:
    """Send a PRIVMSG (the client has echo-message); its msgid."""
    client.send(f"PRIVMSG {target} :{text}")
    echo = client.expect(lambda m: m.command == "PRIVMSG" and m.params == (target, text))
    return echo.tags["msgid"]


def answer(client: IrcClient, line: str) -> Message:
    """What the server answers `line` with: a REDACT or a FAIL."""
    client.send(line)
    return client.expect(lambda m: m.command in ("REDACT", "FAIL"))


def told(client: IrcClient) -> list[Message]:
    """The REDACTs that reached `client` so far."""
    return [m for m in client.sync() if m.command == "REDACT"]


def in_channel(connect: Callable[..., IrcClient], channel: str, *nicks: str) -> list[IrcClient]:
    """Clients with the capability in `channel`; the first made it (and is its operator)."""
    clients = [connect(nick, caps=CAPS) for nick in nicks]
    make_channel(clients[0], channel)
    for client in clients[1:]:
        client.send(f"JOIN {channel}")
        client.expect("366")
    for client in clients:
        client.sync()
    return clients


def test_sender_redacts_and_members_with_the_cap_are_told(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    plain = connect("plain", caps=PLAIN)
    plain.send("JOIN #tea")
    plain.expect("366")
    msgid = said(alice, "#tea", "oops")
    assert history(bob, "#tea") == ["oops"]
    redact = answer(alice, f"REDACT #tea {msgid}")
    assert redact.params == ("#tea", msgid) and redact.source.startswith("alice!")
    assert redact.tags["msgid"] != msgid and "time" in redact.tags
    assert [m.params for m in told(bob)] == [("#tea", msgid)]
    assert told(plain) == []  # the spec: never to those without the capability
    assert history(bob, "#tea") == [] and history(plain, "#tea") == []
    assert history(alice, "#tea") == []


def test_operator_redacts_anothers_message_with_a_reason(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    msgid = said(bob, "#tea", "join my network")
    redact = answer(alice, f"REDACT #tea {msgid} :spam and more spam")
    assert redact.params == ("#tea", msgid, "spam and more spam")
    assert [m.params for m in told(bob)] == [("#tea", msgid, "spam and more spam")]
    assert history(alice, "#tea") == []


def test_a_member_may_not_redact_anothers_message(connect: Callable[..., IrcClient]) -> None:
    alice, bob, carol = in_channel(connect, "#tea", "alice", "bob", "carol")
    msgid = said(alice, "#tea", "mine")
    fail = answer(bob, f"REDACT #tea {msgid}")
    assert fail.params[:4] == ("REDACT", "REDACT_FORBIDDEN", "#tea", msgid)
    assert told(alice) == [] and told(carol) == []
    assert history(carol, "#tea") == ["mine"]


def test_a_server_operator_redacts_where_it_is_no_channel_operator(
    connect: Callable[..., IrcClient],
) -> None:
    alice, boss = in_channel(connect, "#tea", "alice", "boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    msgid = said(alice, "#tea", "flood")
    assert answer(boss, f"REDACT #tea {msgid}").command == "REDACT"
    assert history(alice, "#tea") == []


def test_an_operator_of_a_new_life_of_a_channel_may_not_redact_its_past(
    connect: Callable[..., IrcClient],
) -> None:
    (alice,) = in_channel(connect, "#tea", "alice")
    msgid = said(alice, "#tea", "said in the open")
    alice.send("PART #tea")
    alice.expect("PART")
    (mallory,) = in_channel(connect, "#tea", "mallory")  # the channel again, hers now
    assert history(mallory, "#tea") == ["said in the open"]  # public: she may read it
    fail = answer(mallory, f"REDACT #tea {msgid}")
    assert fail.params[:2] == ("REDACT", "REDACT_FORBIDDEN")
    assert history(mallory, "#tea") == ["said in the open"]


def test_what_one_could_not_read_is_answered_as_unknown(
    connect: Callable[..., IrcClient],
) -> None:
    alice, bob = in_channel(connect, "#vault", "alice", "bob")
    alice.send("MODE #vault +s")
    alice.expect("MODE")
    secret = said(alice, "#vault", "before mallory came")
    (other,) = in_channel(connect, "#other", "other")
    elsewhere = said(other, "#other", "in another channel")
    mallory = connect("mallory", caps=CAPS)
    mallory.send("JOIN #vault")
    mallory.expect("366")
    for msgid in (secret, elsewhere, "nonexistent123", "x" * 400):
        fail = answer(mallory, f"REDACT #vault {msgid}")
        assert fail.params[:3] == ("REDACT", "UNKNOWN_MSGID", "#vault"), fail
    assert answer(mallory, b"REDACT #vault \xff\xfezz").params[1] == "INVALID_UTF8"  # UTF8ONLY
    # The channel's operator, who could read it, gets the real answer.
    assert answer(bob, f"REDACT #vault {secret}").params[1] == "REDACT_FORBIDDEN"
    assert history(bob, "#vault") == ["before mallory came"]
    assert told(alice) == []


def test_channels_one_is_not_in_are_invalid_targets(connect: Callable[..., IrcClient]) -> None:
    (alice,) = in_channel(connect, "#tea", "alice")
    msgid = said(alice, "#tea", "hello")
    outsider = connect("outsider", caps=CAPS)
    for target in ("#tea", "#nowhere"):
        fail = answer(outsider, f"REDACT {target} {msgid}")
        assert fail.params[:3] == ("REDACT", "INVALID_TARGET", target)
    outsider.send("REDACT #tea")
    assert outsider.expect("461").params[1] == "REDACT"
    assert told(alice) == [] and history(alice, "#tea") == ["hello"]


def test_private_messages_are_redacted_by_their_sender_only(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    carol = connect("carol", caps=CAPS)
    msgid = said(alice, "bob", "psst")
    bob.expect("PRIVMSG")
    for target in ("alice", "bob"):  # a third party reaches neither side of it
        assert answer(carol, f"REDACT {target} {msgid}").params[1] == "UNKNOWN_MSGID"
    fail = answer(bob, f"REDACT alice {msgid}")  # the recipient may read it, not delete it
    assert fail.params[:4] == ("REDACT", "REDACT_FORBIDDEN", "alice", msgid)
    assert history(bob, "alice") == ["psst"]
    assert answer(alice, f"REDACT bob {msgid}").params == ("bob", msgid)
    assert [m.params for m in told(bob)] == [("bob", msgid)]
    assert told(carol) == []
    assert history(alice, "bob") == [] and history(bob, "alice") == []


def test_whoever_takes_the_nick_later_is_not_told(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=CAPS)
    bob = connect("bob", caps=CAPS)
    msgid = said(alice, "bob", "for bob only")
    bob.expect("PRIVMSG")
    bob.send("QUIT")
    bob.wait_closed()
    mallory = connect("bob", caps=CAPS)  # takes the free nick
    assert answer(alice, f"REDACT bob {msgid}").command == "REDACT"
    assert told(mallory) == []


def test_an_account_redacts_from_another_connection_and_it_lasts_a_restart(
    tmp_path: Path,
) -> None:
    config = servers.test_config(tmp_path / "data", lobby=None, limits={"flood_enabled": False})
    server = ThreadServer(config).start()
    try:
        alice = IrcClient(server.port)
        alice.register("alice", caps=CAPS, lobby=False)
        register_account(alice)
        make_channel(alice, "#tea")
        kept = said(alice, "#tea", "kept")
        gone = said(alice, "#tea", "gone")
        alice.send("QUIT")
        alice.wait_closed()
        again = IrcClient(server.port)  # the same account on another connection
        again.register("alice", caps=CAPS, lobby=False)
        identify(again)  # (which brings it back into #tea)
        assert history(again, "#tea") == ["kept", "gone"]
        assert answer(again, f"REDACT #tea {gone}").command == "REDACT"
        assert history(again, "#tea") == ["kept"]
    finally:
        server.stop()
    server = ThreadServer(config).start()  # everything from the database now
    try:
        reader = IrcClient(server.port)
        reader.register("reader", caps=CAPS, lobby=False)
        reader.send("JOIN #tea")
        reader.expect("366")
        assert history(reader, "#tea") == ["kept"]
        assert answer(reader, f"REDACT #tea {kept}").params[1] == "REDACT_FORBIDDEN"
    finally:
        server.stop()


def test_events_are_not_messages_to_redact(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=(*CAPS, "draft/event-playback"))
    alice.send("JOIN #tea")
    joined = alice.expect("JOIN").tags["msgid"]
    alice.send("TOPIC #tea :kept")
    topic = alice.expect("TOPIC").tags["msgid"]
    for msgid in (joined, topic):
        assert answer(alice, f"REDACT #tea {msgid}").params[1] == "UNKNOWN_MSGID"


def test_a_long_reason_is_cut_to_fit_a_line(connect: Callable[..., IrcClient]) -> None:
    alice, bob = in_channel(connect, "#tea", "alice", "bob")
    msgid = said(alice, "#tea", "x")
    line = f"REDACT #tea {msgid} :" + "é" * 300  # (a line of 600 bytes comes in cut at 512)
    alice.send(line.encode()[:510].decode("utf-8", "ignore"))
    redact = alice.expect("REDACT")
    (relayed,) = told(bob)
    assert relayed.params[2] == redact.params[2] and relayed.params[2].startswith("éé")
    raw = b":" + relayed.source.encode() + b" REDACT #tea " + msgid.encode()
    assert len(raw) + 2 + len(relayed.params[2].encode()) + 2 <= 512
