"""The context a handler runs in, and its response buffer.

Replies to the sender are collected here and flushed once by the dispatcher,
so IRCv3 labeled-response can wrap them in one place (ergo's ResponseBuffer):
no reply becomes an ACK, one reply carries the label, several go in a batch.
Fan-out to others goes through State.apply.

A long reply (LIST, WHO, NAMES, CHATHISTORY) is given as an iterator with
`stream`: what fits in STREAM_FIRST goes at once, the rest waits on the
session (Session.pending) and the net layer pulls it as the client reads, so
its size never meets the send queue limit and the server holds one iterator,
not the whole text. A label's batch wraps the streamed lines too.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from itertools import chain
from typing import TYPE_CHECKING, TypeVar

from parley.irc.message import Message, encode, encode_reply
from parley.irc.numerics import Numeric
from parley.server.core.clock import server_time
from parley.server.core.outgoing import WANTS_TIME, Outgoing, with_tags
from parley.server.core.session import Session
from parley.server.core.worker import Deferred

T = TypeVar("T")

STANDARD_REPLIES = "standard-replies"  # the IRCv3 capability: FAIL/WARN/NOTE for anything

# Bytes of a streamed reply sent at once (a quarter of the send queue at most);
# the rest as the client reads.
STREAM_FIRST = 16384
# Over TLS, the pieces of a streamed reply are smaller: the TLS layer encrypts each
# write whole into a buffer that keeps, for the connection's life, its largest size.
TLS_PIECE = 4096

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.refusal import Refusal
    from parley.server.core.server import Server
    from parley.server.core.state import State


class Context:
    """One command's view: the server, the session it came on, and its replies."""

    __slots__ = ("_lines", "_more", "command", "deferred", "label", "server", "session", "state")

    def __init__(
        self, server: Server, session: Session, command: str, label: str | None = None
    ) -> None:
        self.server = server
        self.state: State = server.state
        self.session = session
        self.command = command
        self.label = label  # IRCv3 labeled-response, when the client asked for it
        self._lines: list[bytes] = []
        self._more: list[Iterable[bytes]] | None = None  # streamed parts, and lines after them
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
        data = self.numeric(numeric, *params, text=text)
        if self._more is None:  # (the usual case, on every registration's path)
            self._lines.append(data)
        else:
            self._add(data)

    def numeric(self, numeric: Numeric, *params: str, text: str | None = None) -> bytes:
        """The line `reply` would queue, for a streamed reply to yield."""
        trailing = text if text is not None else numeric.text
        full = (self.nick, *params, trailing) if trailing is not None else (self.nick, *params)
        data = encode_reply(self.server.name, numeric.code, full, trailing is not None)
        return self._stamped(data) if self.session.tag_mask & WANTS_TIME else data

    def stream(self, lines: Iterable[bytes]) -> None:
        """Lines made only as the client reads them (from `numeric`, or already tagged);
        what the handler queues after this goes after them."""
        if self._more is None:
            self._more = []
        self._more.append(iter(lines))  # (a list of the caller's is not added to below)

    def _add(self, data: bytes) -> None:
        """A line after those queued so far (after any stream)."""
        more = self._more
        if more is None:
            self._lines.append(data)
        elif more and isinstance(more[-1], list):
            more[-1].append(data)
        else:
            more.append([data])

    def send(self, message: Message) -> None:
        """Any message to the sender, in order with the other replies."""
        self._add(self._stamped(encode(message)))

    def _stamped(self, data: bytes) -> bytes:
        """A line for the sender, stamped with the time if it asked for server-time."""
        if self.session.tag_mask & WANTS_TIME:
            data = with_tags(data, {"time": server_time(self.state.clock.now())})
        return data

    def send_raw(self, data: bytes) -> None:
        """Bytes already encoded (and tagged) for this session, in order with the rest."""
        self._add(data)

    def send_out(self, out: Outgoing | None) -> None:
        """The sender's own copy of a line that was fanned out to others."""
        if out is not None:
            self._add(out.to(self.session.tag_mask))

    def defer(
        self,
        job: Callable[[], T],
        then: Callable[[Context, T], None],
        settle: Callable[[T], None] | None = None,
        mail: bool = False,
        early: bool = False,
        waits: bool = False,
    ) -> None:
        """Run `job` off the event loop, then `then(self, result)`; the handler's last step.

        The session's further lines wait until `then` has run (worker.py). A second
        slow job of the same command runs after the first, its `then` after the
        first's. With `early`, the replies queued so far go before the job starts.
        """
        deferred = Deferred(job, then, settle, mail=mail, early=early, waits=waits)
        self.deferred = deferred if self.deferred is None else self.deferred.followed_by(deferred)

    def fail(self, command: str, code: str, *context: str, notice: bool = False) -> None:
        """An IRCv3 standard reply (`FAIL <command> <code> [<context>...] <description>`),
        total and within 512 bytes whatever the context echoes of the client's words.

        With `notice`, a client without the standard-replies capability is sent the
        description as a server notice instead (commands whose spec has no FAIL)."""
        self._standard("FAIL", command, code, context, notice)

    def warn(self, command: str, code: str, *context: str, notice: bool = False) -> None:
        """A standard reply for a command that was done, with something to heed."""
        self._standard("WARN", command, code, context, notice)

    def note(self, command: str, code: str, *context: str, notice: bool = False) -> None:
        """A standard reply that only informs."""
        self._standard("NOTE", command, code, context, notice)

    def fail_line(self, command: str, code: str, *context: str) -> bytes:
        """The line `fail` would queue, for a batch or a stream to carry."""
        return self._standard_line("FAIL", command, code, context)

    def refuse(self, refusal: Refusal) -> None:
        """Why the command was not done: the refusal's numeric, else
        `FAIL <command> <code> [<params>...] :<text>` (a notice without standard-replies)."""
        if refusal.numeric is not None:
            self.reply(refusal.numeric, *refusal.params)
        else:
            self.fail(self.command, refusal.code, *refusal.params, refusal.text, notice=True)

    def _standard(
        self, kind: str, command: str, code: str, context: tuple[str, ...], notice: bool
    ) -> None:
        if notice and STANDARD_REPLIES not in self.session.caps:
            self.notice(context[-1] if context else code)
            return
        self._add(self._standard_line(kind, command, code, context))

    def _standard_line(self, kind: str, command: str, code: str, context: tuple[str, ...]) -> bytes:
        """`<kind> <command> <code> [<context>...] :<description>`, the description
        (the last of `context`) always the trailing parameter."""
        params = (command, code, *context)
        return self._stamped(encode_reply(self.server.name, kind, params, bool(context)))

    def notice(self, text: str) -> None:
        """A server notice to the sender."""
        self.send(Message("NOTICE", (self.nick, text), self.server.name))

    def flush(self) -> None:
        """Send every buffered reply in one write (labelled, if a label was given)."""
        if self._more is not None:
            self._flush_stream()
            return
        lines = self._lines
        if not lines and self.label is None:
            return  # nothing to say (a channel message without echo, the usual case)
        if self.label is not None:
            lines = self._labelled(lines)
            self.label = None  # a second flush (QUIT, KILL) is not labelled again
        if lines:
            if self.session.pending is not None:  # after the rest of a long reply, in order
                self.session.queue(iter(lines))
            else:
                self.session.conn.send(b"".join(lines))
        self._lines = []

    def _flush_stream(self) -> None:
        """What is ready and the start of the stream now; the rest waits on the session."""
        assert self._more is not None
        rest: Iterator[bytes] = chain(self._lines, chain.from_iterable(self._more))
        self._lines, self._more = [], None
        if self.label is not None:
            rest = self._batched(rest, self.label)
            self.label = None
        session = self.session
        session.queue(rest)
        budget = TLS_PIECE if session.conn.tls else STREAM_FIRST
        first = session.pull(min(budget, self.server.config.limits.sendq_bytes // 4))
        if first:
            session.conn.send(first)

    def _batched(self, lines: Iterator[bytes], label: str) -> Iterator[bytes]:
        """A streamed reply in its labeled-response batch (always a batch: its length
        is not known when it starts)."""
        source = f":{self.server.name} ".encode()
        ref = self.server.new_batch_id()
        yield with_tags(source + f"BATCH +{ref} labeled-response\r\n".encode(), {"label": label})
        tag = {"batch": ref}
        for line in lines:
            yield _in_batch(line, tag)
        yield source + f"BATCH -{ref}\r\n".encode()

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
        inner = [_in_batch(line, {"batch": ref}) for line in lines]
        return [start, *inner, source + f"BATCH -{ref}\r\n".encode()]


def _in_batch(line: bytes, tag: dict[str, str]) -> bytes:
    """A reply line in the label's batch; a line of a batch nested in it (its BATCH
    lines carry the outer tag) keeps its own tag, as a line has one batch."""
    if line.startswith(b"@batch=") or b";batch=" in line[: line.find(b" ")]:
        return line
    return with_tags(line, tag)
