"""What a hostile client sends gets a prompt, clear answer; the server keeps serving others."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message, encode
from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ThreadServer

# Exponential for a backtracking regular expression on a name full of `a`s.
PATHOLOGICAL = "*a" * 12 + "*b"
SLOW = "*a" * 9 + "*b"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """Flood control off: a test sends its lines at once. MODES raised to 100, as a
    network may: list caps and 512-byte MODE lines must hold with many changes a line."""
    return make_server(limits={"flood_enabled": False, "modes_per_command": 100})


def _register(client: IrcClient, nick: str, user: str, realname: str) -> IrcClient:
    client.send(f"NICK {nick}")
    client.send(f"USER {user} 0 * :{realname}")
    client.expect("001")
    client.expect("366")  # the lobby's names: registration is over
    client.nick = nick
    return client


def _answers_ping(client: IrcClient) -> None:
    """The server answers `client` at once: it is not stuck in someone else's command."""
    client.send("PING :still-here")
    assert client.expect("PONG", timeout=5).params[-1] == "still-here"


def test_pathological_who_mask_is_answered_and_others_are_served(
    connect: Callable[..., IrcClient],
) -> None:
    _register(connect(), "victim", "victim", "a" * 40)
    asker, bystander = connect("asker"), connect("bystander")
    for mask in (SLOW, PATHOLOGICAL, "*" * 150 + "a" * 40 + "*"):
        asker.send(f"WHO {mask}")
    _answers_ping(bystander)
    replies = asker.collect_until("315") + asker.collect_until("315") + asker.collect_until("315")
    found = [m.params[5] for m in replies if m.command == "352"]
    assert found == ["victim"]  # only the last mask matches the realname


def test_pathological_ban_masks_on_join_and_privmsg(connect: Callable[..., IrcClient]) -> None:
    op, bystander = connect("op"), connect("bystander")
    victim = _register(connect(), "a" * 30, "a" * 18, "a" * 40)
    op.send("JOIN #trap")
    op.expect("366")
    op.send(f"MODE #trap +b {PATHOLOGICAL}")
    op.expect("MODE")
    victim.send("JOIN #trap")
    assert victim.expect(lambda m: m.command in ("JOIN", "474")).command == "JOIN"
    victim.send("PRIVMSG #trap :hello")
    assert op.expect("PRIVMSG").params == ("#trap", "hello")
    _answers_ping(bystander)

    op.send("JOIN #vault")
    op.expect("366")
    op.send(f"MODE #vault +be *!*@* {PATHOLOGICAL}")  # everyone banned, but for the exception
    op.expect("MODE")
    victim.send("JOIN #vault")
    assert victim.expect(lambda m: m.command in ("JOIN", "474")).command == "474"
    _answers_ping(bystander)


def test_overlong_masks_are_refused(connect: Callable[..., IrcClient]) -> None:
    op = connect("op")
    op.send("JOIN #c")
    op.expect("366")
    too_long = "*a" * 101
    op.send(f"MODE #c +b {too_long}")
    refusal = op.expect("696")
    assert refusal.params[1:3] == ("#c", "b")
    op.send("MODE #c b")
    assert [m.command for m in op.collect_until("368")] == ["368"]  # the list stays empty
    op.send(f"WHO {too_long}")
    assert [m.command for m in op.collect_until("315")] == ["315"]


# Each line carries a number a client may send in a non-ASCII form: `str.isdigit`
# takes `²`, `int()` does not. The answer is the command's own refusal, never 400.
ODD_NUMBERS = [
    ("CAP LS ²", lambda m: m.command == "CAP" and m.params[1] == "LS"),
    ("MODE #c +l ²", lambda m: m.command == "696" and m.params[2] == "l"),
    ("MODE #c +l ٣", lambda m: m.command == "696" and m.params[2] == "l"),
    ("MODE #c +l " + "9" * 30, lambda m: m.command == "696"),
    ("CHATHISTORY LATEST #c * ²", lambda m: m.command == "FAIL" and "INVALID_PARAMS" in m.params),
    (
        "CHATHISTORY BEFORE #c timestamp=2026-01-01T00:00:00.²Z 5",
        lambda m: m.command == "FAIL" and "INVALID_PARAMS" in m.params,
    ),
    (
        "CHATHISTORY BEFORE #c timestamp=\uff12\uff10\uff12\uff16-01-01T00:00:00.000Z 5",
        lambda m: m.command == "FAIL" and "INVALID_PARAMS" in m.params,
    ),
    (
        "CHATHISTORY TARGETS timestamp=2026-01-01T00:00:00.000Z "
        "timestamp=2026-01-02T00:00:00.000Z ²",
        lambda m: m.command == "FAIL" and "INVALID_PARAMS" in m.params,
    ),
    ("WHOWAS nobody ²", lambda m: m.command == "369"),
    ("LIST >²", lambda m: m.command == "323"),
    ("LIST <²,>³", lambda m: m.command == "323"),
    ("WHO op %tn,:x", lambda m: m.command == "354" and m.params[1:] == ("0", "op")),
    ("WHO op %tn,²", lambda m: m.command == "354" and m.params[1:] == ("0", "op")),
    ("WHO op %tn,42", lambda m: m.command == "354" and m.params[1:] == ("42", "op")),
]


@pytest.mark.parametrize(("line", "answer"), ODD_NUMBERS, ids=[line for line, _ in ODD_NUMBERS])
def test_non_ascii_digits_get_the_commands_own_answer(
    connect: Callable[..., IrcClient], line: str, answer: Callable[[Message], bool]
) -> None:
    op = connect("op", caps=("draft/chathistory", "batch", "message-tags"))
    op.send("JOIN #c")
    op.expect("366")
    op.send(line)
    replies = op.sync()
    assert "400" not in [m.command for m in replies]
    assert any(answer(m) for m in replies), replies


def test_numbers_before_registration_get_answers_not_errors(
    connect: Callable[..., IrcClient],
) -> None:
    stranger = connect()
    stranger.send("CAP LS ³⁰²")
    assert stranger.expect("CAP").params[1] == "LS"
    stranger.send("PING :ok")
    assert stranger.expect("PONG").params[-1] == "ok"


def _fill_bans(op: IrcClient, channel: str, masks: list[str], per_line: int = 10) -> None:
    for i in range(0, len(masks), per_line):
        batch = masks[i : i + per_line]
        op.send(f"MODE {channel} +{'b' * len(batch)} {' '.join(batch)}")
    op.sync()


def _ban_list(op: IrcClient, channel: str) -> list[str]:
    op.send(f"MODE {channel} b")
    return [m.params[2] for m in op.collect_until("368") if m.command == "367"]


def test_ban_list_cap_holds_exactly_when_one_line_adds_several(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    op.send("JOIN #c")
    op.expect("366")
    _fill_bans(op, "#c", [f"n{i}!*@*" for i in range(99)])
    op.send("MODE #c +bbbbbbbbb " + " ".join(f"m{i}!*@*" for i in range(9)))
    replies = op.sync()
    assert [m.params[1:] for m in replies if m.command == "478"] == [
        ("#c", "b", "Channel list is full")
    ] * 8
    listed = _ban_list(op, "#c")
    assert len(listed) == 100
    assert "m0!*@*" in listed and "m1!*@*" not in listed
    op.send("MODE #c -b+bb n0!*@* m1!*@* m2!*@*")  # one out makes room for one in
    assert sorted(m.command for m in op.sync()) == ["478", "MODE"]
    assert len(_ban_list(op, "#c")) == 100


def _wire_length(message: Message) -> int:
    """Bytes of the line as sent, tags aside (modern IRC: 512 with CRLF)."""
    return len(encode(Message(message.command, message.params, message.source)))


def test_mode_lines_sent_fit_in_512_bytes(connect: Callable[..., IrcClient]) -> None:
    op, member = connect("op"), connect("member")
    for client in (op, member):
        client.send("JOIN #c")
        client.expect("366")
    masks = [f"x{i:02}" for i in range(90)]  # each becomes x00!*@*: the line grows
    line = f"MODE #c +{'b' * len(masks)} {' '.join(masks)}"
    assert len(line) < 510
    op.send(line)
    seen_by_op = [m for m in op.sync() if m.command == "MODE"]
    seen_by_member = [m for m in member.sync() if m.command == "MODE"]
    for seen in (seen_by_op, seen_by_member):
        assert len(seen) > 1
        assert max(_wire_length(m) for m in seen) <= 512
        assert [p for m in seen for p in m.params[2:]] == [f"{x}!*@*" for x in masks]
    listed = _ban_list(op, "#c")
    assert len(listed) == 90
    op.send("MODE #c b")
    assert max(_wire_length(m) for m in op.collect_until("368")) <= 512


def test_masks_that_cannot_be_a_middle_parameter_are_refused(
    connect: Callable[..., IrcClient],
) -> None:
    op = connect("op")
    op.send("JOIN #c")
    op.expect("366")
    op.send("MODE #c +b ::x!y@z")
    op.send("MODE #c +b :a b")
    op.send("MODE #c +lk 5 ::key")
    replies = op.sync()
    assert [m.command for m in replies] == ["696", "696", "525", "MODE"]
    assert _ban_list(op, "#c") == []


@pytest.mark.parametrize(
    "name",
    ["#a\x1b[31mb", "#a\x01b", "#a\x7fb", "#a\x9bb", "#evil\u202eoc", "#a\u200fb", "#a\u2066b"],
    ids=["esc", "ctcp", "del", "csi", "rlo", "rlm", "lri"],
)
def test_channel_names_with_control_or_bidi_characters_are_refused(
    connect: Callable[..., IrcClient], name: str
) -> None:
    alice = connect("alice")
    alice.send(f"JOIN {name}")
    assert alice.expect(lambda m: m.command in ("JOIN", "403")).command == "403"
    alice.send(f"NICK al{name[2:]}")
    assert alice.expect(lambda m: m.command in ("NICK", "432")).command == "432"
    alice.send("LIST")
    assert [m.params[1] for m in alice.collect_until("323") if m.command == "322"] == ["#lobby"]


def test_a_kline_on_a_nick_cannot_be_dodged_by_a_nick_change(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(opers=(Oper("boss", hash_password("hunter2")),))
    boss = IrcClient(server.port)
    boss.register("boss")
    boss.send("OPER boss hunter2")
    boss.expect("381")
    boss.send("KLINE troll :go away")
    assert boss.expect("NOTICE").params[-1].startswith("Banned troll!*@*")
    mallory = IrcClient(server.port, source="127.0.0.2")
    try:
        mallory.register("mallory")
        mallory.send("NICK Troll")
        refusal = mallory.expect(lambda m: m.command in ("NICK", "432"))
        assert refusal.command == "432"
        assert refusal.params[1:] == ("Troll", "Invalid nickname: go away")
        mallory.send("NICK trolley")
        assert mallory.expect("NICK").params == ("trolley",)
        boss.send("WHOIS troll")
        assert boss.expect(lambda m: m.command in ("311", "401")).command == "401"
    finally:
        mallory.close()
        boss.close()


LONG = "x" * 470
ECHOING = [
    f"MODE #c +o {LONG}",
    f"MODE {LONG}",
    f"JOIN #{LONG}",
    f"PART #{LONG}",
    f"TOPIC #{LONG}",
    f"KICK #c {LONG}",
    f"NAMES #{LONG}",
    f"NICK {LONG}",
    f"WHOIS {LONG}",
    f"WHOWAS {LONG}",
    f"TAGMSG {LONG}",
    f"CAP {LONG}",
    f"TIME {LONG}",
    f"CHATHISTORY {LONG}",
    f"CHATHISTORY LATEST #c * {LONG}",
]


@pytest.mark.parametrize(
    "line", ECHOING, ids=[line.split()[0] + str(i) for i, line in enumerate(ECHOING)]
)
def test_replies_echoing_long_input_fit_in_512_bytes(
    connect: Callable[..., IrcClient], line: str
) -> None:
    op = connect("op", caps=("message-tags",))
    op.send("JOIN #c")
    op.expect("366")
    op.send(line)
    replies = op.sync()
    assert replies
    assert max(_wire_length(m) for m in replies) <= 512


# A parameter sent as a trailing one (`:a b`, `::x`, `:`) and echoed in a reply
# cannot be put in the middle of a line as it is.
ODD_ECHOES = [
    "MODE #c +o :a b",
    "MODE #c +l ::x",
    "MODE :a b",
    "JOIN ::x",
    "PART :a b",
    "KICK #c ::x",
    "NAMES :",
    "WHOIS :a b",
    "WHOWAS ::x",
    "TOPIC :a b",
    "CAP :a b",
    "STATS ::x",
    "TIME :a b",
    "CHATHISTORY :a b",
    "CHATHISTORY ::x",
    "CHATHISTORY :",
]


@pytest.mark.parametrize("line", ODD_ECHOES)
def test_replies_echoing_trailing_parameters_are_answered_not_400(
    connect: Callable[..., IrcClient], line: str
) -> None:
    op = connect("op")
    op.send("JOIN #c")
    op.expect("366")
    op.send(line)
    replies = op.sync()
    assert replies
    assert "400" not in [m.command for m in replies]
