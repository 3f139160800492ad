"""LUSERS' lines, made as one piece of text for the welcome, are the numerics the
general encoder makes, with and without server-time, whatever the counts and the nick."""

from __future__ import annotations

from fake import Harness

from parley.irc.message import encode_reply


def expected(nick: str, users: int, invisible: int, opers: int, unknown: int, chans: int,
             peak: int) -> list[bytes]:  # fmt: skip
    def line(code: str, *params: str) -> bytes:
        return encode_reply("test.parley", code, (nick, *params), True)

    lines = [
        line("251", f"There are {users - invisible} users and {invisible} invisible on 1 servers")
    ]
    if opers:
        lines.append(line("252", str(opers), "operator(s) online"))
    if unknown:
        lines.append(line("253", str(unknown), "unknown connection(s)"))
    lines += [
        line("254", str(chans), "channels formed"),
        line("255", f"I have {users} clients and 0 servers"),
        line("265", str(users), str(peak), f"Current local users {users}, max {peak}"),
        line("266", str(users), str(peak), f"Current global users {users}, max {peak}"),
    ]
    return lines


def test_lusers_lines_are_those_of_the_encoder() -> None:
    h = Harness(lobby=None)
    a, _ = h.connect()
    h.say(a, "NICK {ann}", "USER a 0 * :A", "JOIN #x", "MODE {ann} +i")
    waiting, _ = h.connect()  # unregistered: an unknown connection
    h.server.state.opers = 2  # (the counts are what is shown; no oper block needed)
    session, conn = h.connect()
    h.say(session, "NICK [b]", "USER b 0 * :B")
    conn.sent.clear()
    h.say(session, "LUSERS")
    got = b"".join(conn.sent).split(b"\r\n")[:-1]
    assert [g + b"\r\n" for g in got] == expected("[b]", 2, 1, 2, 1, 1, 2)
    h.server.state.opers = 0
    h.say(waiting, "QUIT")
    conn.sent.clear()
    h.say(session, "LUSERS")
    got = b"".join(conn.sent).split(b"\r\n")[:-1]
    assert [g + b"\r\n" for g in got] == expected("[b]", 2, 1, 0, 0, 1, 2)


def test_with_server_time_each_lusers_line_is_stamped() -> None:
    h = Harness(lobby=None)
    session, conn = h.connect()
    h.say(session, "CAP REQ :server-time", "NICK tim", "USER t 0 * :T", "CAP END")
    lusers = [m for m in conn.take() if m.command in ("251", "254", "255", "265", "266")]
    assert len(lusers) == 5
    assert all(m.tags.get("time", "").endswith("Z") for m in lusers)
    assert lusers[0].params == ("tim", "There are 1 users and 0 invisible on 1 servers")
