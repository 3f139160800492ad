"""The dispatcher's checks, made once for every command: 421, 451, 461, 481, 400;
and a Refusal raised by a handler (or after its slow job) answered in one place."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace
from functools import partial

import pytest
from fake import Harness, HeldWorker, commands_of

from parley.irc.message import Message
from parley.irc.numerics import ERR_NOSUCHNICK
from parley.server.core import commands
from parley.server.core.context import Context
from parley.server.core.refusal import Refusal


def test_unknown_command_gets_421() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "FROBNICATE now")
    (reply,) = conn.take()
    assert reply.command == "421"
    assert reply.params[:2] == ("alice", "FROBNICATE")


def test_commands_before_registration_get_451() -> None:
    h = Harness()
    session, conn = h.connect()
    h.say(session, "JOIN #x", "PRIVMSG bob :hi", "FROBNICATE")
    assert commands_of(conn.take()) == ["451", "451", "451"]
    assert h.server.state.channel("#x") is None


def test_missing_parameters_get_461_naming_the_command() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "KICK #x", "JOIN", "WHOIS", "USER")
    replies = conn.take()
    assert commands_of(replies) == ["461", "461", "461", "461"]
    assert [r.params[1] for r in replies] == ["KICK", "JOIN", "WHOIS", "USER"]


def test_operator_commands_need_an_operator() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "KILL bob :bye", "DIE")
    assert commands_of(conn.take()) == ["481", "481"]


def test_malformed_line_gets_an_error_and_the_next_line_works() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "@", "PING :ok")
    replies = conn.take()
    assert commands_of(replies) == ["400", "PONG"]


def test_blank_lines_are_ignored() -> None:
    h = Harness(lobby=None)
    session, conn = h.user("alice")
    h.say(session, "", "   ")
    assert conn.take() == []


def test_failing_handler_costs_only_that_command(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    def broken(ctx: Context, msg: Message) -> None:
        raise RuntimeError("bug in TIME")

    monkeypatch.setitem(
        commands.COMMANDS, "TIME", replace(commands.COMMANDS["TIME"], handler=broken)
    )
    h = Harness(lobby=None)
    alice, alice_conn = h.user("alice", "#room")
    _bob, bob_conn = h.user("bob", "#room")
    alice_conn.take()
    with caplog.at_level(logging.ERROR, logger="parley.core"):
        h.say(alice, "TIME", "PING :still-there")
    replies = alice_conn.take()
    assert commands_of(replies) == ["400", "PONG"]
    assert replies[0].params[1] == "TIME"
    assert replies[1].params[-1] == "still-there"
    assert "bug in TIME" in caplog.text  # logged with its traceback
    assert alice_conn.closed_with == []
    h.say(alice, "PRIVMSG #room :after the bug")
    assert [m.params for m in bob_conn.take()] == [("#room", "after the bug")]


def _refusing(numeric: bool) -> Callable[[Context, Message], None]:
    """A handler that queues a reply, then finds it cannot go on."""

    def handler(ctx: Context, msg: Message) -> None:
        ctx.notice("started")  # replies queued before the refusal still go
        if numeric:
            raise Refusal("Nobody is called x", ERR_NOSUCHNICK, "x")
        raise Refusal("Not today", None, "ctx1", code="NOT_TODAY")

    return handler


def _with_handler(monkeypatch: pytest.MonkeyPatch, handler: Callable[..., None]) -> None:
    monkeypatch.setitem(
        commands.COMMANDS, "TIME", replace(commands.COMMANDS["TIME"], handler=handler)
    )


def test_a_refusal_with_a_numeric_is_answered_by_the_dispatcher(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _with_handler(monkeypatch, _refusing(numeric=True))
    h = Harness(lobby=None)
    alice, conn = h.user("alice")
    with caplog.at_level(logging.ERROR, logger="parley.core"):
        h.say(alice, "TIME", "PING :next")
    replies = conn.take()
    assert commands_of(replies) == ["NOTICE", "401", "PONG"]
    assert replies[1].params == ("alice", "x", "No such nick/channel")
    assert h.server.stats.handler_errors == 0  # a refusal is no bug: nothing logged
    assert caplog.text == ""


def test_a_refusal_without_a_numeric_is_a_standard_fail_naming_the_command(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _with_handler(monkeypatch, _refusing(numeric=False))
    h = Harness(lobby=None)
    alice, conn = h.connect()
    h.say(alice, "CAP REQ :standard-replies labeled-response batch", "NICK alice", "USER a 0 * :a")
    h.say(alice, "CAP END")
    conn.take()
    h.say(alice, "@label=L1 TIME")
    replies = conn.take()
    assert commands_of(replies) == ["BATCH", "NOTICE", "FAIL", "BATCH"]  # one labelled reply
    assert replies[0].tags["label"] == "L1"
    assert replies[2].params == ("TIME", "NOT_TODAY", "ctx1", "Not today")
    assert replies[2].source == "test.parley"
    assert h.server.stats.handler_errors == 0


def test_a_refusal_is_a_notice_without_standard_replies(monkeypatch: pytest.MonkeyPatch) -> None:
    _with_handler(monkeypatch, _refusing(numeric=False))
    h = Harness(lobby=None)
    alice, conn = h.user("alice")
    h.say(alice, "TIME")
    replies = conn.take()
    assert commands_of(replies) == ["NOTICE", "NOTICE"]
    assert replies[1].params == ("alice", "Not today")


def _refused_after_slow_job(numeric: bool) -> Callable[[Context, Message], None]:
    def handler(ctx: Context, msg: Message) -> None:
        ctx.defer(lambda: "done", partial(_second_half, numeric))

    return handler


def _second_half(numeric: bool, ctx: Context, result: str) -> None:
    ctx.notice(f"job {result}")
    _refusing(numeric)(ctx, Message("TIME"))


@pytest.mark.parametrize("numeric", [True, False])
def test_a_refusal_after_a_slow_job_is_answered_and_the_held_lines_run(
    monkeypatch: pytest.MonkeyPatch, numeric: bool
) -> None:
    _with_handler(monkeypatch, _refused_after_slow_job(numeric))
    worker = HeldWorker()
    h = Harness(lobby=None, worker=worker)
    alice, conn = h.connect()
    h.say(alice, "CAP REQ :standard-replies", "NICK alice", "USER a 0 * :a", "CAP END")
    conn.take()
    h.say(alice, "TIME", "PING :after")
    assert conn.take() == []  # the PING waits for the job
    worker.finish_all()
    replies = conn.take()
    if numeric:
        assert commands_of(replies) == ["NOTICE", "NOTICE", "401", "PONG"]
    else:
        assert commands_of(replies) == ["NOTICE", "NOTICE", "FAIL", "PONG"]
        assert replies[2].params == ("TIME", "NOT_TODAY", "ctx1", "Not today")
    assert replies[0].params[-1] == "job done"
    assert h.server.stats.handler_errors == 0


def test_a_refusal_from_the_slow_job_itself_is_answered(monkeypatch: pytest.MonkeyPatch) -> None:
    def job() -> str:
        raise Refusal("No such thing", ERR_NOSUCHNICK, "thing")

    def handler(ctx: Context, msg: Message) -> None:
        ctx.defer(job, _second_half_never)

    _with_handler(monkeypatch, handler)
    worker = HeldWorker()
    h = Harness(lobby=None, worker=worker)
    alice, conn = h.user("alice")
    h.say(alice, "TIME", "PING :after")
    worker.finish_all()
    assert commands_of(conn.take()) == ["401", "PONG"]


def _second_half_never(ctx: Context, result: str) -> None:
    raise AssertionError("the job was refused")


def test_a_standard_reply_always_marks_its_description_as_the_trailing_parameter() -> None:
    h = Harness(lobby=None)
    alice, conn = h.user("alice")
    ctx = Context(h.server, alice, "TIME")
    ctx.fail("TIME", "NOT_TODAY", "ctx1", "Refused")  # one word: marked all the same
    ctx.warn("TIME", "SLOW", "")  # an empty description too
    line = ctx.fail_line("TIME", "NOT_TODAY", "two words")
    ctx.flush()
    assert conn.sent == [
        b":test.parley FAIL TIME NOT_TODAY ctx1 :Refused\r\n:test.parley WARN TIME SLOW :\r\n"
    ]
    assert line == b":test.parley FAIL TIME NOT_TODAY :two words\r\n"
