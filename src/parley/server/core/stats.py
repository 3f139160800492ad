"""Counters the core keeps for operators: plain integers, cheap on the hot path.

The metrics endpoint and the console read them; the core never imports either.
"""

from __future__ import annotations


class Stats:
    """Totals since the server started."""

    __slots__ = ("handler_errors", "lines_in", "messages", "registrations")

    def __init__(self) -> None:
        self.lines_in = 0  # lines received from clients
        self.messages = 0  # PRIVMSG/NOTICE/TAGMSG accepted
        self.registrations = 0  # sessions that completed registration
        self.handler_errors = 0  # commands whose handler raised
