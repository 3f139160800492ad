"""What a hostile client sends gets a prompt, clear answer; the server keeps serving others."""

from __future__ import annotations

from collections.abc import Callable

import pytest

from parley.irc.message import Message
from support.client import IrcClient
from support.servers import ThreadServer

# Exponential for a backtracking regular expression on a name full of `a`s.
PATHOLOGICAL = "*a" * 12 + "*b"
SLOW = "*a" * 9 + "*b"


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """Flood control off: a test sends its lines at once."""
    return make_server(limits={"flood_enabled": False})


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
        lambda m: m.command == "FAIL" and "INVALID_MSGREFID" in m.params,
    ),
    (
        "CHATHISTORY BEFORE #c timestamp=\uff12\uff10\uff12\uff16-01-01T00:00:00.000Z 5",
        lambda m: m.command == "FAIL" and "INVALID_MSGREFID" in m.params,
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
