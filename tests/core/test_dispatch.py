"""The dispatcher's checks, made once for every command: 421, 451, 461, 481, 400."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from fake import Harness, commands_of

from parley.irc.message import Message
from parley.server.core import commands
from parley.server.core.context import Context


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
