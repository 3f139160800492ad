"""A client that makes a handler fail over and over cannot fill the server's log."""

from __future__ import annotations

import logging
from dataclasses import replace

import pytest
from fake import Harness, commands_of

from parley.irc.message import Message
from parley.server.core import commands
from parley.server.core.context import Context
from parley.server.core.dispatch import ERROR_LOG_BURST, ERROR_LOG_RATE
from parley.server.core.logbudget import LogBudget


def _break_cap(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: Context, msg: Message) -> None:
        raise RuntimeError("bug in CAP")

    monkeypatch.setitem(commands.COMMANDS, "CAP", replace(commands.COMMANDS["CAP"], handler=broken))


def test_an_unregistered_client_cannot_flood_the_log(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    _break_cap(monkeypatch)
    h = Harness(lobby=None)
    session, conn = h.connect()
    with caplog.at_level(logging.ERROR, logger="parley.core"):
        h.say(session, *["CAP LS"] * 1000)
    assert commands_of(conn.take()) == ["400"] * 1000  # every command still gets its answer
    assert h.server.stats.handler_errors == 1000
    assert len(caplog.records) == ERROR_LOG_BURST

    caplog.clear()
    h.clock.advance(1 / ERROR_LOG_RATE)  # time for one more
    with caplog.at_level(logging.ERROR, logger="parley.core"):
        h.say(session, "CAP LS", "CAP LS")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == [
        f"{1000 - ERROR_LOG_BURST} more handler errors were not logged",
        "handler for CAP failed (session 1)",
    ]


def test_budget_refills_at_its_rate_up_to_its_burst() -> None:
    budget = LogBudget(burst=2, rate=0.5)
    assert [budget.take(0.0) for _ in range(4)] == [0, 0, None, None]
    assert budget.take(1.0) is None  # half a token
    assert budget.take(2.0) == 3  # one token: the three held back are counted
    assert budget.take(100.0) == 0
    assert budget.take(100.0) == 0
    assert budget.take(100.0) is None
