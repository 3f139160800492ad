"""The context a handler runs in, and its response buffer.

Replies to the sender are collected here and flushed once by the dispatcher,
so IRCv3 labeled-response can wrap them in one place (ergo's ResponseBuffer):
no reply becomes an ACK, one reply carries the label, several go in a batch.
Fan-out to others goes through State.apply.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, TypeVar

from parley.irc.message import Message, encode, encode_parts
from parley.irc.numerics import Numeric
from parley.server.core.clock import server_time
from parley.server.core.outgoing import WANTS_TIME, Outgoing, with_tags
from parley.server.core.session import Session
from parley.server.core.worker import Deferred

T = TypeVar("T")

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server
    from parley.server.core.state import State


def _word(param: str) -> str:
    """A client's word echoed in a numeric, made one middle parameter: `*` for an empty one.

    Targets come from lists the client wrote (`PRIVMSG a,,b`, `NAMES ::x`); a reply
    that cannot echo one must still go out, not fail the command.
    """
    if not param:
        return "*"
    return param.replace(" ", "_").lstrip(":") or "*"


class Context:
    """One command's view: the server, the session it came on, and its replies."""

    __slots__ = ("_lines", "command", "deferred", "label", "server", "session", "state")

    def __init__(
        self, server: Server, session: Session, command: str, label: str | None = None
    ) -> None:
        self.server = server
        self.state: State = server.state
        self.session = session
        self.command = command
        self.label = label  # IRCv3 labeled-response, when the client asked for it
        self._lines: list[bytes] = []
        self.deferred: Deferred | None = None  # slow work to run before the replies go

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
        if not all(params) or any(p[0] == ":" or " " in p for p in params):
            params = tuple(map(_word, params))
        trailing = text if text is not None else numeric.text
        full = (self.nick, *params, trailing) if trailing is not None else (self.nick, *params)
        self._queue(encode_parts(self.server.name, numeric.code, full))

    def send(self, message: Message) -> None:
        """Any message to the sender, in order with the other replies."""
        self._queue(encode(message))

    def _queue(self, data: bytes) -> None:
        """A line for the sender, stamped with the time if it asked for server-time."""
        if self.session.tag_mask & WANTS_TIME:
            data = with_tags(data, {"time": server_time(self.state.clock.now())})
        self._lines.append(data)

    def send_raw(self, data: bytes) -> None:
        """Bytes already encoded (and tagged) for this session, in order with the rest."""
        self._lines.append(data)

    def send_out(self, out: Outgoing | None) -> None:
        """The sender's own copy of a line that was fanned out to others."""
        if out is not None:
            self._lines.append(out.to(self.session.tag_mask))

    def defer(
        self,
        job: Callable[[], T],
        then: Callable[[Context, T], None],
        settle: Callable[[T], None] | None = None,
    ) -> None:
        """Run `job` off the event loop, then `then(self, result)`; the handler's last step.

        The session's further lines wait until `then` has run (worker.py).
        """
        assert self.deferred is None, "one slow job per command"
        self.deferred = Deferred(job, then, settle)

    def notice(self, text: str) -> None:
        """A server notice to the sender."""
        self.send(Message("NOTICE", (self.nick, text), self.server.name))

    def flush(self) -> None:
        """Send every buffered reply in one write (labelled, if a label was given)."""
        lines = self._lines
        if not lines and self.label is None:
            return  # nothing to say (a channel message without echo, the usual case)
        if self.label is not None:
            lines = self._labelled(lines)
            self.label = None  # a second flush (QUIT, KILL) is not labelled again
        if lines:
            self.session.conn.send(b"".join(lines))
        self._lines = []

    def _labelled(self, lines: list[bytes]) -> list[bytes]:
        assert self.label is not None
        label = {"label": self.label}
        source = f":{self.server.name} ".encode()
        if not lines:
            return [with_tags(source + b"ACK\r\n", label)]
        if len(lines) == 1:
            return [with_tags(lines[0], label)]
        ref = self.server.new_batch_id()
        start = with_tags(source + f"BATCH +{ref} labeled-response\r\n".encode(), label)
        inner = [with_tags(line, {"batch": ref}) for line in lines]
        return [start, *inner, source + f"BATCH -{ref}\r\n".encode()]
