"""Registration without sockets: NICK/USER, CAP hold-and-release, PASS, PING."""

from __future__ import annotations

import pytest
from fake import Harness, commands_of

from parley.irc.message import Message
from parley.server.core.support import CAPABILITIES, OFFERED_IF


def welcomed(replies: list[Message], nick: str) -> bool:
    """Whether `replies` open with the 001 that welcomes `nick`."""
    return bool(replies) and replies[0].command == "001" and replies[0].params[0] == nick


def test_nick_and_user_get_the_welcome_burst() -> None:
    h = Harness(lobby=None)
    session, conn = h.connect()
    h.say(session, "NICK alice")
    assert conn.take() == []  # nothing until USER too
    h.say(session, "USER al 0 * :Alice Liddell")
    replies = conn.take()
    codes = commands_of(replies)
    assert codes[:4] == ["001", "002", "003", "004"]
    assert "005" in codes and "251" in codes and codes[-1] == "376"
    assert replies[0].params[0] == "alice"
    assert replies[0].params[-1].endswith("alice!al@192.0.2.1")
    client = h.server.state.client("ALICE")
    assert client is not None and client.realname == "Alice Liddell"


def test_lobby_is_joined_on_registration() -> None:
    h = Harness(lobby="#lobby", lobby_topic="hi all")
    session, conn = h.connect()
    h.say(session, "NICK alice", "USER a 0 * :A")
    after_motd = commands_of(conn.take())
    after_motd = after_motd[after_motd.index("376") + 1 :]
    assert after_motd == ["JOIN", "332", "333", "353", "366"]


def test_registration_waits_for_cap_end() -> None:
    h = Harness(lobby=None)
    session, conn = h.connect()
    h.say(session, "CAP LS 302", "NICK alice", "USER a 0 * :A")
    replies = conn.take()
    assert set(commands_of(replies)) == {"CAP"}  # the list, on as many lines as it takes
    assert {m.params[1] for m in replies} == {"LS"}
    offered = [cap for m in replies for cap in m.params[-1].split()]
    assert "sasl=PLAIN,SCRAM-SHA-256" in offered  # 302 shows values
    assert h.server.state.client("alice") is None  # held
    h.say(session, "CAP REQ :server-time multi-prefix")
    replies = conn.take()
    assert commands_of(replies) == ["CAP"]
    assert replies[0].params[1:] == ("ACK", "server-time multi-prefix")
    assert h.server.state.client("alice") is None  # still held until END
    h.say(session, "CAP END")
    replies = conn.take()
    assert replies[0].command == "001"
    assert replies[0].tags.get("time")  # server-time took effect
    assert h.server.state.client("alice") is not None


def test_cap_ls_without_302_shows_no_values() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "CAP LS")
    (reply,) = conn.take()
    caps = reply.params[-1].split()
    assert "sasl" in caps and not any("=" in cap for cap in caps)


def test_a_long_cap_ls_302_comes_on_several_lines_within_512_bytes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    many = {f"vendor.example/capability-{i}": "with=a,value" for i in range(40)}
    for name, value in many.items():
        monkeypatch.setitem(CAPABILITIES, name, value)
    h = Harness()
    session, conn = h.connect()
    h.say(session, "CAP LS 302")
    conn_bytes = b"".join(conn.sent)
    assert all(len(line) + 2 <= 512 for line in conn_bytes.split(b"\r\n"))
    replies = conn.take()
    assert len(replies) > 2
    assert all(r.params[:3] == ("*", "LS", "*") for r in replies[:-1])
    assert replies[-1].params[:2] == ("*", "LS") and replies[-1].params[2] != "*"
    offered = [cap.partition("=")[0] for r in replies for cap in r.params[-1].split()]
    assert offered == [name for name in CAPABILITIES if name not in OFFERED_IF]  # (none on)


def test_unknown_capability_request_is_refused_whole() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "CAP REQ :server-time no-such-cap")
    (reply,) = conn.take()
    assert reply.params[1:] == ("NAK", "server-time no-such-cap")
    h.say(session, "CAP LIST")
    assert conn.take()[0].params[-1] == ""


def test_nick_taken_while_held_gets_433_at_cap_end_and_may_retry() -> None:
    h = Harness(lobby=None)
    slow, slow_conn = h.connect()
    h.say(slow, "CAP LS 302", "NICK alice", "USER a 0 * :A")
    slow_conn.take()
    h.user("alice")  # someone else registers the nick meanwhile
    h.say(slow, "CAP END")
    replies = slow_conn.take()
    assert commands_of(replies) == ["433"]
    assert replies[0].params[1] == "alice"
    h.say(slow, "NICK alice2")
    assert welcomed(slow_conn.take(), "alice2")


def test_taken_nick_gets_433_regardless_of_case() -> None:
    h = Harness(lobby=None)
    h.user("alice")
    session, conn = h.connect()
    h.say(session, "NICK ALICE")
    replies = conn.take()
    assert commands_of(replies) == ["433"]
    assert replies[0].params[:2] == ("*", "ALICE")


def test_wrong_server_password_gets_464_and_is_closed() -> None:
    h = Harness(password="secret")
    session, conn = h.connect()
    h.say(session, "PASS wrong", "NICK alice", "USER a 0 * :A")
    assert commands_of(conn.take()) == ["464"]
    assert conn.closed_with == ["Bad password"]
    assert h.server.state.client("alice") is None
    h.say(session, "PING :late")  # lines after the close are ignored
    assert conn.take() == []


def test_missing_server_password_gets_464() -> None:
    h = Harness(password="secret")
    session, conn = h.connect()
    h.say(session, "NICK alice", "USER a 0 * :A")
    assert commands_of(conn.take()) == ["464"]
    assert conn.closed_with == ["Bad password"]


def test_right_server_password_registers_after_cap_end() -> None:
    h = Harness(password="secret", lobby=None)
    session, conn = h.connect()
    h.say(session, "CAP LS 302", "NICK alice", "USER a 0 * :A", "PASS secret")
    assert set(commands_of(conn.take())) == {"CAP"}
    h.say(session, "CAP END")
    assert welcomed(conn.take(), "alice")
    assert conn.closed_with == []


def test_pass_after_registration_gets_462() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "PASS again", "USER a 0 * :A")
    assert commands_of(conn.take()) == ["462", "462"]


def test_ping_gets_pong_with_its_token_even_before_registration() -> None:
    h = Harness(lobby=None)
    session, conn = h.connect()
    h.say(session, "PING :abc 123")
    (pong,) = conn.take()
    assert pong.command == "PONG" and pong.params == ("test.parley", "abc 123")
    h.say(session, "PING")
    assert commands_of(conn.take()) == ["409"]


def test_quit_before_registration_closes_the_link() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "NICK alice", "QUIT :changed my mind")
    assert conn.closed_with == ["Closing link: (Quit: changed my mind)"]
    assert session.id not in h.server.state.sessions


def test_bad_nicks_get_431_and_432() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "NICK", "NICK 1abc", "NICK #chan")
    replies = conn.take()
    assert commands_of(replies) == ["431", "432", "432"]
    assert replies[1].params[1] == "1abc"


def test_nick_change_to_another_case_of_itself_is_allowed() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "NICK Alice")
    (reply,) = conn.take()
    assert reply.command == "NICK" and reply.params == ("Alice",)


def test_welcome_burst_is_the_same_with_server_time_but_for_the_tags() -> None:
    h = Harness(lobby=None)
    plain, plain_conn = h.connect()
    h.say(plain, "NICK alice", "USER alice 0 * :Alice")
    timed, timed_conn = h.connect()
    h.say(timed, "CAP REQ :server-time", "NICK bob", "USER bob 0 * :Bob", "CAP END")
    seen = plain_conn.take()
    tagged = [m for m in timed_conn.take() if m.command != "CAP"]
    assert all("time" in m.tags for m in tagged)
    assert all(m.tags == {} for m in seen)

    def shape(messages: list[Message], nick: str) -> list[tuple[str, tuple[str, ...]]]:
        return [(m.command, m.params[1:]) for m in messages if m.params[:1] == (nick,)]

    # the same lines, but LUSERS counts one more user for bob and 001 names him
    differ = {"001", "251", "255", "265", "266"}
    assert [s for s in shape(seen, "alice") if s[0] not in differ] == [
        s for s in shape(tagged, "bob") if s[0] not in differ
    ]
    assert commands_of(seen)[-1] == "376"
