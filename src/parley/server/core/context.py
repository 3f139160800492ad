"""The context a handler runs in, and its response buffer.

Replies to the sender are collected here and flushed once by the dispatcher,
so a later labeled-response or batch wraps them in one place (ergo's
ResponseBuffer); fan-out to others goes through State.apply.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.message import Message, encode
from parley.irc.numerics import Numeric
from parley.server.core.clock import server_time
from parley.server.core.outgoing import Outgoing
from parley.server.core.session import Session

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server
    from parley.server.core.state import State


class Context:
    """One command's view: the server, the session it came on, and its replies."""

    __slots__ = ("_lines", "command", "server", "session", "state")

    def __init__(self, server: Server, session: Session, command: str) -> None:
        self.server = server
        self.state: State = server.state
        self.session = session
        self.command = command
        self._lines: list[bytes] = []

    @property
    def client(self) -> Client:
        """The registered client; handlers that need registration may rely on it."""
        client = self.session.client
        assert client is not None, "handler needs registration"
        return client

    @property
    def nick(self) -> str:
        """The name numerics address: the nick, or `*` before one is set."""
        client = self.session.client
        if client is not None:
            return client.nick
        return self.session.nick or "*"

    def reply(self, numeric: Numeric, *params: str, text: str | None = None) -> None:
        """A numeric to the sender: its nick, `params`, then the text."""
        trailing = text if text is not None else numeric.text
        full = (self.nick, *params, trailing) if trailing is not None else (self.nick, *params)
        self.send(Message(numeric.code, full, self.server.name))

    def send(self, message: Message) -> None:
        """Any message to the sender, in order with the other replies."""
        data = encode(message)
        if self.session.wants_time:
            data = b"@time=" + server_time(self.state.clock.now()).encode() + b" " + data
        self._lines.append(data)

    def send_out(self, out: Outgoing | None) -> None:
        """The sender's own copy of a line that was fanned out to others."""
        if out is not None:
            self._lines.append(out.timed() if self.session.wants_time else out.plain)

    def notice(self, text: str) -> None:
        """A server notice to the sender."""
        self.send(Message("NOTICE", (self.nick, text), self.server.name))

    def flush(self) -> None:
        """Send every buffered reply in one write."""
        if self._lines:
            self.session.conn.send(b"".join(self._lines))
            self._lines.clear()
