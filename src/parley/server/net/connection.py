"""One client connection as an asyncio.Protocol: framing, flood control, send queue.

How this works: bytes arrive in `data_received` and are cut into lines; an
over-long line is dropped and reported (417). Each line costs a flood token
once the client is registered; when the bucket is empty, reading pauses and
the rest waits (ergo's "fakelag"), so a flooder slows only itself. Output is
appended to a list, and the Hub flushes every connection that has some once
per event-loop turn, with one write each; if what is queued passes the send
queue limit, the client is dropped with `ERROR :SendQ exceeded` and nobody
else waits for it. Over TLS, output waits in our own list while the socket is
backed up, and long replies and what waited go out in pieces of a few KiB: the
TLS layer encrypts each write whole into a memory buffer that keeps, for the
connection's life, the size of the largest it ever held (see TLS_PIECE). A long
reply (Session.pending) is pulled a piece at a time, each once the transport
has taken the last (below its high-water mark), and the client's next lines
wait until it is done; so they do, with reading paused, while a slow job of the
session's runs (core/worker.py). Nothing is allocated per connection that an
idle one does not need: the queue of lines held back by flood control, and TLS
output held back, are made on first use.
While the history writer is behind (`history.lagging()`), a message that would
be stored is held the same way, with reading paused, until the writer calls
back: the backlog stays bounded and only senders of messages wait.
"""

from __future__ import annotations

import asyncio
import ssl
from collections import deque
from functools import partial
from typing import TYPE_CHECKING, cast

from parley.irc.message import encode_parts
from parley.server.core.context import TLS_PIECE
from parley.server.core.session import Phase, Session

if TYPE_CHECKING:
    from parley.server.net.hub import Hub

MAX_LINE = 512  # modern IRC: 512 bytes with CRLF, tags aside
MAX_TAGS = 4094  # IRCv3 message-tags: the tag data a client may send
CLOSE_GRACE = 10.0  # seconds a closing peer gets to take its last bytes
PULL_BYTES = 16384  # bytes of a long reply made at a time, as the client reads
# Over TLS a long reply, and output held while the socket was backed up, reach the TLS
# layer TLS_PIECE bytes at a time. A turn's ordinary output (a busy channel's, tens of kB)
# is written whole: cutting it would cost a write and a send per piece to every member.
# Lines a connection may send at once before it has registered (CAP, NICK, USER, SASL
# and a few more); past them, the flood rate paces it as it paces registered clients.
REGISTRATION_BURST = 20
HIGH_WATER = 65536  # bytes the transport may hold before it asks us to stop writing
MAX_EARLY = 16384  # bytes of a TLS handshake kept before the TLS layer takes over


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


# Commands whose lines history stores (channel events too, for event-playback), or
# changes (REDACT): their senders wait while the history writer is behind.
_STORED = (b"PRIVMSG", b"NOTICE", b"TAGMSG", b"JOIN", b"PART", b"KICK", b"TOPIC", b"MODE",
           b"NICK", b"REDACT")  # fmt: skip


def stored_message(line: bytes) -> bool:
    """Whether a line is a command whose lines history stores (tags and prefix skipped)."""
    words = line.split(None, 3)
    while words and words[0][:1] in (b"@", b":"):
        words.pop(0)
    return bool(words) and words[0].upper() in _STORED


class ClientConnection(asyncio.Protocol):
    """A client's transport, and the core's Connection for it."""

    __slots__ = (
        "_buffer",
        "_discarding",
        "_held",
        "_held_bytes",
        "_hub",
        "_last_refill",
        "_paused",
        "_pending",
        "_pulling",
        "_tls_context",
        "_tokens",
        "_transport",
        "_writing_paused",
        "closing",
        "handshake",
        "host",
        "ip",
        "out",
        "session",
        "tls",
    )

    def __init__(self, hub: Hub, tls: ssl.SSLContext | None) -> None:
        self._hub = hub
        self._tls_context = tls  # a TLS listener's: the handshake follows admission
        self.tls = tls is not None
        self.handshake: asyncio.Task[None] | None = None
        self.host = "unknown"
        self.ip = ""
        self.session: Session | None = None
        self._transport: asyncio.Transport | None = None
        self._buffer = b""
        self._discarding = False  # inside an over-long line, until its newline
        self.out: list[bytes] = []  # queued this loop turn; the Hub flushes it
        self._held: list[bytes] | None = None  # TLS output waiting for the socket to drain
        self._held_bytes = 0
        self.closing = False
        self._pending: deque[bytes] | None = None  # lines held back by flood control
        self._paused = False
        self._pulling = False  # a pull of the pending reply is scheduled
        self._writing_paused = False  # the transport holds more than its high-water mark
        self._tokens = float(max(hub.config.limits.flood_burst, REGISTRATION_BURST))
        self._last_refill = 0.0

    # -- asyncio.Protocol ---------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Accepted: count it and check D-lines first; then TLS, if any; then the core."""
        # uvloop's transports do not subclass asyncio.Transport; they behave as one.
        transport = cast(asyncio.Transport, transport)
        self._transport = transport
        peer = transport.get_extra_info("peername")
        self.ip = display_host(str(peer[0])) if peer else "unknown"
        self.host = self.ip
        hub = self._hub
        refusal = hub.admit(self)
        if refusal is not None:
            self.closing = True
            if self._tls_context is None:  # over TLS there is no way to say why before a handshake
                self._refuse(transport, refusal)
            transport.close()
            return
        if self._tls_context is None:
            self._limit_writes(transport)
            self.opened()
        elif hub.banned(self.ip):
            self.closing = True
            transport.close()
        else:
            hub.start_tls(self, transport, self._tls_context)

    def _keep_early(self, data: bytes) -> None:
        """Bytes of the TLS handshake that came before the TLS layer was in place."""
        if len(self._buffer) + len(data) > MAX_EARLY:
            self.closing = True
            if self._transport is not None:
                self._transport.abort()
            return
        self._buffer += data

    def hand_over_early(self, transport: asyncio.Transport) -> None:
        """Give the TLS layer (now the transport's protocol) what we kept for it."""
        early, self._buffer = self._buffer, b""
        layer = transport.get_protocol()
        if not early or layer is self or not hasattr(layer, "buffer_updated"):
            return
        layer = cast(asyncio.BufferedProtocol, layer)  # uvloop's does not subclass it
        while early:
            view = memoryview(layer.get_buffer(len(early)))
            size = min(len(view), len(early))
            view[:size] = early[:size]
            layer.buffer_updated(size)
            early = early[size:]

    def secured(self, transport: asyncio.Transport) -> None:
        """The TLS handshake is done: from now on the session talks through `transport`."""
        self.handshake = None
        self._transport = transport
        if self.closing:
            transport.abort()
            return
        # Told as soon as the socket backs up (anything left in the TLS layer after a
        # write), and again once all of it is out: till then output waits in _held.
        transport.set_write_buffer_limits(high=1, low=0)
        self.opened()

    # -- the framing: what the TCP and WebSocket listeners do differently -----

    def opened(self) -> None:
        """The transport is ready (TLS done, if any): the core's session starts."""
        self.session = self._hub.core.connect(self)  # which refuses D-lined addresses with 465

    def _refuse(self, transport: asyncio.Transport, refusal: str) -> None:
        """Say why a connection is refused before it is closed (admission)."""
        transport.write(f"ERROR :{refusal}\r\n".encode())

    def _write(self, transport: asyncio.Transport, data: bytes) -> None:
        """Write IRC lines (each ending in CRLF) as the transport's framing wants them."""
        transport.write(data)

    def _goodbye(self, transport: asyncio.Transport) -> None:
        """What goes after the last line, before the transport closes (nothing over TCP)."""

    def stop_handshake(self) -> None:
        """The server stops: a TLS handshake under way is given up."""
        if self.handshake is not None:
            self.handshake.cancel()

    def _limit_writes(self, transport: asyncio.Transport) -> None:
        """Pause a long reply while the transport holds half the send queue: a piece
        pulled then (a quarter of it at most) never takes it past the limit."""
        sendq = self._hub.config.limits.sendq_bytes
        if sendq // 2 < HIGH_WATER:  # (the transport's own default otherwise)
            transport.set_write_buffer_limits(high=sendq // 2)

    def handshake_failed(self) -> None:
        """The handshake timed out or failed; the socket is closed, and the count goes."""
        self.handshake = None
        self.closing = True
        self._transport = None
        self._hub.release(self)

    def data_received(self, data: bytes) -> None:
        if self.session is None or self.closing:
            if self.handshake is not None and not self.closing:
                self._keep_early(data)
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
        self._take(lines)

    def _take(self, lines: list[bytes]) -> None:
        """Lines cut from what was read: to the core, or held while reading waits."""
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
            if session.pending is not None:  # a long reply is going out: it comes first
                self._hold(list(lines)[index:])
                self._pause_input()
                return
            if session.held is not None:  # a slow job of its own is under way: it waits
                self._hold(list(lines)[index:])
                self._pause_input()
                self._hub.waiting.add(self)  # woken when a job is done (Hub.jobs_done)
                return
            registered = session.phase is Phase.REGISTERED
            if registered and lagging() and stored_message(raw) and self._wait_for_history():
                self._hold(list(lines)[index:])
                return
            if flood and not self._take_token(registered):
                self._hold(list(lines)[index:])
                self._throttle()
                return
            line = raw[:-1] if raw[-1:] == b"\r" else raw
            if (len(line) > MAX_LINE - 2 or line[:1] == b"@") and line_too_long(line):
                core.input_too_long(session)
            else:
                core.receive(session, line)

    def _pause_input(self) -> None:
        if not self._paused and self._transport is not None:
            self._paused = True
            self._transport.pause_reading()

    def _take_token(self, registered: bool) -> bool:
        """A flood token for the next line; before registration the bucket holds more."""
        limits = self._hub.config.limits
        now = self._hub.loop.time()
        burst = limits.flood_burst if registered else max(limits.flood_burst, REGISTRATION_BURST)
        self._tokens = min(
            float(burst), self._tokens + (now - self._last_refill) * limits.flood_rate
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

    def wake(self) -> None:
        """The session's slow job is done: what waited goes on, then reading."""
        self._resume()

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

    def pause_writing(self) -> None:
        self._writing_paused = True

    def resume_writing(self) -> None:
        self._writing_paused = False
        if self._held is not None and self._transport is not None and not self.closing:
            held, self._held, self._held_bytes = self._held, None, 0
            self._write_pieces(self._transport, b"".join(held))
            if self._writing_paused:
                return
        if self.session is not None and self.session.pending is not None:
            self._pull()

    def _pull(self) -> None:
        """The next piece of a long reply; when it is all out, the client's lines go on."""
        self._pulling = False
        session = self.session
        if session is None or self.closing or self._writing_paused:
            return
        budget = TLS_PIECE if self.tls else PULL_BYTES
        data = session.pull(min(budget, self._hub.config.limits.sendq_bytes // 4))
        if data:
            session.active = True  # it reads: a sign of life, though its lines wait
            self.send(data)  # its flush schedules the next pull
        if session.pending is None and self._paused:
            self._resume()

    def connection_lost(self, exc: Exception | None) -> None:
        self.closing = True
        self._hub.release(self)
        session = self.session
        if session is not None:
            reason = "Connection closed" if exc is None else f"Connection error: {_describe(exc)}"
            self._hub.core.disconnect(session, reason)
            # The session and its connection refer to each other: letting go here frees
            # both (and the client) at once, rather than leaving a cycle to the collector.
            session.pending = None  # (a reply still being made refers to the session too)
            self.session = None
        self._held = None

    # -- the core's Connection ----------------------------------------------

    def send(self, data: bytes) -> None:
        hub = self._hub
        if hub.gathered and self is not hub.skip:  # lines gathered for it go first
            hub.hand_out()
        out = self.out
        if not out:
            if self.closing:
                return
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
        queued = transport.get_write_buffer_size() + self._held_bytes
        if len(data) + queued > self._hub.core.config.limits.sendq_bytes:
            self._sendq_exceeded()
            return
        if self.tls and self._writing_paused:
            self._hold_output(data)  # the TLS layer would keep a buffer of this size
        else:
            self._write(transport, data)
        self._hub.bytes_out += len(data)
        session = self.session
        if session is not None and session.pending is not None and not self._pulling:
            self._pulling = True
            self._hub.loop.call_soon(self._pull)

    def _write_pieces(self, transport: asyncio.Transport, data: bytes) -> None:
        """Write TLS output TLS_PIECE bytes at a time (whole lines); what the socket
        cannot take yet waits in _held, not in the TLS layer's buffer."""
        start, size = 0, len(data)
        while start < size:
            if self._writing_paused:
                self._hold_output(data[start:])
                return
            end = data.rfind(b"\n", start, start + TLS_PIECE) + 1
            if end <= start:  # a line longer than a piece (tags): it goes whole
                end = data.find(b"\n", start + TLS_PIECE) + 1 or size
            self._write(transport, data[start:end] if start or end < size else data)
            start = end

    def _hold_output(self, data: bytes) -> None:
        if self._held is None:
            self._held = []
        self._held.append(data)
        self._held_bytes += len(data)

    def _sendq_exceeded(self) -> None:
        """The peer reads slower than it is sent to: drop it, not everyone's memory.

        This can happen in the middle of a fan-out, so the QUIT it causes is
        applied on the next loop turn, not while a channel is being iterated.
        """
        self.closing = True
        self.out.clear()
        self._held, self._held_bytes = None, 0
        self._hub.loop.call_soon(self._drop_for_sendq)

    def _drop_for_sendq(self) -> None:
        self._hub.sendq_drops += 1
        if self.session is not None:
            self._hub.core.end_session(self.session, "SendQ exceeded", None)
        if self._transport is not None:
            self._write(self._transport, b"ERROR :SendQ exceeded\r\n")
            self._transport.abort()

    def close(self, error: str | None = None) -> None:
        if self.closing:
            return
        transport = self._transport
        if transport is None:
            return
        if self._hub.gathered:
            self._hub.hand_out()
        if error is not None:
            self.out.append(encode_parts(None, "ERROR", (error,)))  # cut to 512 bytes
        self.flush()
        if self._held is not None:  # the peer gets the rest as it reads, till CLOSE_GRACE
            held, self._held, self._held_bytes = self._held, None, 0
            self._write(transport, b"".join(held))
        self.closing = True
        self._goodbye(transport)
        if transport.get_write_buffer_size():  # the peer has not taken everything yet
            self._hub.hang_up(transport)
        transport.close()


def _describe(exc: Exception) -> str:
    return exc.strerror if isinstance(exc, OSError) and exc.strerror else type(exc).__name__
