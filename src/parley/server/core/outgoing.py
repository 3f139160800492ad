"""A line for many recipients: encoded once, with its tagged variant made on first need.

DESIGN.md's hot path: a broadcast is encoded once and the same bytes object is
handed to every recipient. Recipients that negotiated server-time get the
variant with an `@time=` tag, also built once.
"""

from __future__ import annotations

from parley.irc.message import Message, encode
from parley.server.core.clock import server_time


class Outgoing:
    """The plain bytes of a line, and the server-time variant on demand."""

    __slots__ = ("_timed", "plain", "time")

    def __init__(self, message: Message, time: float) -> None:
        self.plain = encode(message)
        self.time = time
        self._timed: bytes | None = None

    def timed(self) -> bytes:
        """The line with an IRCv3 server-time tag."""
        if self._timed is None:
            self._timed = b"@time=" + server_time(self.time).encode() + b" " + self.plain
        return self._timed
