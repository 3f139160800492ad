"""IRCv3 standard replies: FAIL/WARN/NOTE where specifications ask for them, and for
every answer without a numeric of its own to clients with `standard-replies`."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest

from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.privacy import HISTORY_CAPS, register_account
from support.servers import ThreadServer

SR = "standard-replies"


@pytest.fixture
def motd_file(tmp_path: Path) -> Path:
    path = tmp_path / "motd.txt"
    path.write_text("hello\n")
    return path


@pytest.fixture
def server(make_server: Callable[..., ThreadServer], motd_file: Path) -> ThreadServer:
    return make_server(
        lobby=None,
        motd_file=motd_file,
        opers=(Oper("boss", hash_password("hunter2")),),
        limits={"flood_enabled": False, "nick_grace": 1.0},
    )


def operator(connect: Callable[..., IrcClient], nick: str, caps: tuple[str, ...]) -> IrcClient:
    boss = connect(nick, caps=caps)
    boss.send("OPER boss hunter2")
    boss.expect("381")
    return boss


def fail(client: IrcClient) -> tuple[str, ...]:
    return client.expect("FAIL").params


def test_standard_replies_and_namelen_are_advertised(connect: Callable[..., IrcClient]) -> None:
    client = connect()
    client.send("CAP LS 302")
    lines = client.collect_until_match(lambda m: m.command == "CAP" and m.params[2] != "*")
    offered = [cap for m in lines for cap in m.params[-1].split()]  # over several lines
    assert SR in offered
    client.send("NICK n")
    client.send("USER n 0 * :n")
    client.send("CAP END")
    tokens = [p for m in client.collect_until("376") if m.command == "005" for p in m.params]
    assert "NAMELEN=100" in tokens


def test_operator_answers_are_standard_replies_for_those_who_asked(
    server: ThreadServer, connect: Callable[..., IrcClient], motd_file: Path
) -> None:
    modern = operator(connect, "modern", (SR, "labeled-response"))
    classic = operator(connect, "classic", ())
    modern.send("KLINE 10 troll!*@* :go away")
    note = modern.expect("NOTE")
    assert note.params[:2] == ("KLINE", "BAN_SET") and "troll!*@*" in note.params[-1]
    modern.send("KLINE *!*@*")  # would ban everyone: refused, in the spec's words
    assert fail(modern)[:2] == ("KLINE", "INVALID_PARAMS")
    modern.send("@label=u1 UNKLINE nobody!*@*")
    refused = modern.expect("FAIL")
    assert refused.params[:2] == ("UNKLINE", "NO_SUCH_BAN") and refused.tags["label"] == "u1"
    modern.send("UNKLINE troll!*@*")
    assert modern.expect("NOTE").params[:2] == ("UNKLINE", "BAN_REMOVED")
    classic.send("UNKLINE troll!*@*")  # the same answers as server notices for the others
    assert "No ban on" in classic.expect("NOTICE").params[-1]
    classic.send("KLINE 10 troll!*@* :go away")
    assert "Banned troll!*@*" in classic.expect("NOTICE").params[-1]
    assert not [m for m in classic.sync() if m.command in ("FAIL", "NOTE", "WARN")]
    modern.send("SETMOTD :new words")
    assert modern.expect("NOTE").params[:2] == ("SETMOTD", "MOTD_SET")
    motd_file.unlink()  # the next REHASH cannot read it: the old configuration stays
    modern.send("REHASH")
    modern.expect("382")
    assert fail(modern)[:2] == ("REHASH", "CONFIG_BAD")
    classic.send("REHASH")
    classic.expect("382")
    assert "REHASH failed" in classic.expect("NOTICE").params[-1]


def test_reserved_nick_keeps_its_numeric_and_adds_the_registry_code(
    server: ThreadServer,
) -> None:
    alice = IrcClient(server.port)
    alice.register("alice", lobby=False)
    register_account(alice)
    alice.send("QUIT")
    alice.wait_closed()
    for caps, source in (((SR,), "127.0.0.2"), ((), "127.0.0.3")):
        squatter = IrcClient(server.port, source=source)
        squatter.register("alice", caps=caps, lobby=False)
        squatter.expect(lambda m: m.command == "NICK", timeout=10)  # renamed off it
        squatter.send("NICK alice")
        assert squatter.expect(lambda m: m.command in ("433", "NICK")).command == "433"
        after = squatter.sync()
        if caps:
            reserved = next(m for m in after if m.command == "FAIL")
            assert reserved.params[:3] == ("NICK", "NICKNAME_RESERVED", "alice")
            assert not [m for m in after if m.command == "NOTICE"]
        else:
            assert [m for m in after if m.command == "NOTICE" and "IDENTIFY" in m.params[-1]]
            assert not [m for m in after if m.command == "FAIL"]
        squatter.close()


def test_chathistory_errors_use_the_specifications_codes(
    connect: Callable[..., IrcClient],
) -> None:
    alice = connect("alice", caps=HISTORY_CAPS)
    bob = connect("bob", caps=("echo-message", "message-tags"))
    connect("carol")
    alice.send("JOIN #h")
    alice.expect("366")
    cases = [
        ("CHATHISTORY LATEST #h *", ("INVALID_PARAMS", "LATEST", "Missing parameters")),
        ("CHATHISTORY LATEST #h * 5 6", ("INVALID_PARAMS", "LATEST", "Too many parameters")),
        ("CHATHISTORY TARGETS *", ("INVALID_PARAMS", "TARGETS", "Missing parameters")),
        ("CHATHISTORY NEWEST #h * 5", ("INVALID_PARAMS", "NEWEST")),
        ("CHATHISTORY LATEST #nowhere * 5", ("INVALID_TARGET", "LATEST", "#nowhere")),
        ("CHATHISTORY BEFORE #h timestamp=yesterday 5", ("INVALID_PARAMS", "BEFORE")),
        ("CHATHISTORY BEFORE #h msgid=nonesuch 5", ("INVALID_PARAMS", "BEFORE")),
        ("CHATHISTORY AFTER #h when=now 5", ("INVALID_PARAMS", "AFTER")),
    ]
    for line, expected in cases:
        alice.send(line)
        params = fail(alice)
        assert params[0] == "CHATHISTORY" and params[1 : 1 + len(expected)] == expected, line
    # The id of a line alice may not read is answered as an id that does not exist.
    bob.send("PRIVMSG carol :between bob and carol")
    hidden = bob.expect("PRIVMSG").tags["msgid"]
    answers = []
    for ref in (f"msgid={hidden}", "msgid=nonesuch"):
        alice.send(f"CHATHISTORY BEFORE bob {ref} 5")
        params = fail(alice)
        answers.append(params[:3] + params[4:])
        assert params[3] == ref
    assert answers[0] == answers[1] == ("CHATHISTORY", "INVALID_PARAMS", "BEFORE", ANSWER)


ANSWER = "Unknown or invalid message reference"


def test_setname_refuses_what_namelen_does_not_allow(connect: Callable[..., IrcClient]) -> None:
    alice = connect("alice", caps=("setname",))
    alice.send("SETNAME :" + "x" * 101)
    assert fail(alice) == ("SETNAME", "INVALID_REALNAME", "Real names are 1 to 100 characters")
    alice.send("SETNAME :Alice")
    assert alice.expect("SETNAME").params == ("Alice",)
