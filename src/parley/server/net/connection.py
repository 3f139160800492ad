"""One client connection as an asyncio.Protocol: framing, flood control, send queue.

How this works: bytes arrive in `data_received` and are cut into lines; an
over-long line is dropped and reported (417). Each line costs a flood token
once the client is registered; when the bucket is empty, reading pauses and
the rest waits (ergo's "fakelag"), so a flooder slows only itself. Output is
appended to a list, and the Hub flushes every connection that has some once
per event-loop turn, with one write each; if what is queued passes the send
queue limit, the client is dropped with `ERROR :SendQ exceeded` and nobody
else waits for it. Nothing is allocated per connection that an idle one does
not need: the queue of lines held back by flood control is made on first use.
While the history writer is behind (`history.lagging()`), a message that would
be stored is held the same way, with reading paused, until the writer calls
back: the backlog stays bounded and only senders of messages wait.
"""

from __future__ import annotations

import asyncio
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, cast

from parley.server.core.session import Phase, Session

if TYPE_CHECKING:
    from parley.server.net.hub import Hub

MAX_LINE = 512  # modern IRC: 512 bytes with CRLF, tags aside
MAX_TAGS = 4094  # IRCv3 message-tags: the tag data a client may send
CLOSE_GRACE = 10.0  # seconds a closing peer gets to take its last bytes


def display_host(address: str) -> str:
    """The peer address as IRC shows it: no IPv4-mapped form, no leading colon."""
    if address.startswith("::ffff:") and "." in address:
        address = address[7:]
    if address.startswith(":"):
        address = "0" + address  # `::1` would read as a trailing parameter
    return address


def line_too_long(line: bytes) -> bool:
    """Whether a line (CRLF stripped) passes the protocol's length limits."""
    if line[:1] == b"@":
        space = line.find(b" ")
        if space < 0:
            return len(line) - 1 > MAX_TAGS
        return space - 1 > MAX_TAGS or len(line) - space - 1 > MAX_LINE - 2
    return len(line) > MAX_LINE - 2


_STORED = (b"PRIVMSG", b"NOTICE", b"TAGMSG")


def stored_message(line: bytes) -> bool:
    """Whether a line is a command whose message history stores (tags and prefix skipped)."""
    words = line.split(None, 3)
    while words and words[0][:1] in (b"@", b":"):
        words.pop(0)
    return bool(words) and words[0].upper() in _STORED


class ClientConnection(asyncio.Protocol):
    """A client's transport, and the core's Connection for it."""

    __slots__ = (
        "_buffer",
        "_discarding",
        "_hub",
        "_last_refill",
        "_paused",
        "_pending",
        "_tokens",
        "_transport",
        "closing",
        "host",
        "ip",
        "out",
        "session",
        "tls",
    )

    def __init__(self, hub: Hub, tls: bool) -> None:
        self._hub = hub
        self.tls = tls
        self.host = "unknown"
        self.ip = ""
        self.session: Session | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._discarding = False  # inside an over-long line, until its newline
        self.out: list[bytes] = []  # queued this loop turn; the Hub flushes it
        self.closing = False
        self._pending: deque[bytes] | None = None  # lines held back by flood control
        self._paused = False
        self._tokens = float(hub.config.limits.flood_burst)
        self._last_refill = 0.0

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        # uvloop's transports do not subclass asyncio.Transport; they behave as one.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.ip = display_host(str(peer[0])) if peer else "unknown"
        self.host = self.ip
        if not self._hub.admit(self):
            self.closing = True
            transport.write(b"ERROR :Too many connections from your address\r\n")
            transport.close()
            return
        self.session = self._hub.core.connect(self)

    def data_received(self, data: bytes) -> None:
        if self.session is None or self.closing:
            return
        buffer = self._buffer + data if self._buffer else data
        lines = buffer.split(b"\n")
        rest = lines.pop()
        if self._discarding:
            if not lines:
                return  # still inside the over-long line
            lines.pop(0)  # its tail
            self._discarding = False
        if len(rest) > MAX_TAGS + MAX_LINE:
            self._discarding = True
            rest = b""
            self._hub.core.input_too_long(self.session)
        self._buffer = rest
        if self._pending or self._paused:
            self._hold(lines)
            return
        self._feed(lines)

    def _hold(self, lines: list[bytes] | deque[bytes]) -> None:
        if self._pending is None:
            self._pending = deque()
        self._pending.extend(lines)

    def _feed(self, lines: list[bytes] | deque[bytes]) -> None:
        """Hand lines to the core, within the flood budget; keep the rest pending."""
        session = self.session
        assert session is not None
        core = self._hub.core
        flood = core.config.limits.flood_enabled
        lagging = core.history.lagging
        for index, raw in enumerate(lines):
            if self.closing:
                return
            if session.phase is Phase.REGISTERED:
                if lagging() and stored_message(raw) and self._wait_for_history():
                    self._hold(list(lines)[index:])
                    return
                if flood and not self._take_token():
                    self._hold(list(lines)[index:])
                    self._throttle()
                    return
            line = raw[:-1] if raw[-1:] == b"\r" else raw
            if (len(line) > MAX_LINE - 2 or line[:1] == b"@") and line_too_long(line):
                core.input_too_long(session)
            else:
                core.receive(session, line)

    def _take_token(self) -> bool:
        limits = self._hub.config.limits
        now = self._hub.loop.time()
        self._tokens = min(
            float(limits.flood_burst), self._tokens + (now - self._last_refill) * limits.flood_rate
        )
        self._last_refill = now
        if self._tokens >= 1.0:
            self._tokens -= 1.0
            return True
        return False

    def _throttle(self) -> None:
        """Stop reading until a token is due, then go on with what is pending."""
        if not self._paused and self._transport is not None:
            self._paused = True
            self._hub.flood_throttles += 1
            self._transport.pause_reading()
        rate = self._hub.config.limits.flood_rate
        self._hub.loop.call_later((1.0 - self._tokens) / rate, self._resume)

    def _wait_for_history(self) -> bool:
        """Stop reading until the history writer has caught up; False if it has already."""
        hub = self._hub
        if not hub.core.history.wait_drained(partial(hub.loop.call_soon_threadsafe, self._resume)):
            return False
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()
        return True

    def _resume(self) -> None:
        if self.closing:
            return
        pending = self._pending
        self._pending = None
        if pending:
            self._feed(pending)
        if not self._pending and self._paused and self._transport is not None:
            self._paused = False
            self._transport.resume_reading()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self._hub.release(self)
        session = self.session
        if session is not None:
            reason = "Connection closed" if exc is None else f"Connection error: {_describe(exc)}"
            self._hub.core.disconnect(session, reason)
            # The session and its connection refer to each other: letting go here frees
            # both (and the client) at once, rather than leaving a cycle to the collector.
            self.session = None

    # -- the core's Connection ----------------------------------------------

    def send(self, data: bytes) -> None:
        out = self.out
        if not out:
            if self.closing:
                return
            hub = self._hub
            if not hub.dirty:
                hub.loop.call_soon(hub.flush)
            hub.dirty.append(self)
        out.append(data)

    def flush(self) -> None:
        """Write what was queued this turn, unless the peer is too far behind to take it."""
        out = self.out
        if not out or self.closing or self._transport is None:
            return
        data = out[0] if len(out) == 1 else b"".join(out)
        out.clear()
        transport = self._transport
        if len(data) + transport.get_write_buffer_size() > self._hub.core.config.limits.sendq_bytes:
            self._sendq_exceeded()
            return
        transport.write(data)
        self._hub.bytes_out += len(data)

    def _sendq_exceeded(self) -> None:
        """The peer reads slower than it is sent to: drop it, not everyone's memory.

        This can happen in the middle of a fan-out, so the QUIT it causes is
        applied on the next loop turn, not while a channel is being iterated.
        """
        self.closing = True
        self.out.clear()
        self._hub.loop.call_soon(self._drop_for_sendq)

    def _drop_for_sendq(self) -> None:
        self._hub.sendq_drops += 1
        if self.session is not None:
            self._hub.core.end_session(self.session, "SendQ exceeded", None)
        if self._transport is not None:
            self._transport.write(b"ERROR :SendQ exceeded\r\n")
            self._transport.abort()

    def close(self, error: str | None = None) -> None:
        if self.closing:
            return
        transport = self._transport
        if transport is None:
            return
        if error is not None:
            self.out.append(f"ERROR :{error}\r\n".encode())
        self.flush()
        self.closing = True
        if transport.get_write_buffer_size():  # the peer has not taken everything yet
            self._hub.hang_up(transport)
        transport.close()


def _describe(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
