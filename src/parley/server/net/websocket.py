"""IRC over WebSocket (the IRCv3 WebSocket specification), sans-IO, on wsproto.

One IRC line a message, in text frames (`text.ircv3.net`, also when the
client names no subprotocol) or binary ones (`binary.ircv3.net`); a trailing
CRLF is tolerated. A message is put together from its frames up to the
length a TCP line may have before it is cut off (MAX_MESSAGE); past it the
rest is dropped and the core answers 417, as for TCP. Bad UTF-8 in a text
frame, or any other breach of the protocol, closes the connection with the
code wsproto names (1007, 1002, ...). Pings are answered here.

The handshake checks the page's Origin: a browser may connect only from the
server's own origin or one configured in `web.allowed_origins`; a request
without Origin is from a program, not a page, and is let in.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import h11
from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    Request,
    TextMessage,
)
from wsproto.utilities import RemoteProtocolError

from parley.server.net.connection import MAX_LINE, MAX_TAGS
from parley.server.net.http import Response, error, header

TEXT = "text.ircv3.net"
BINARY = "binary.ircv3.net"
MAX_MESSAGE = MAX_TAGS + MAX_LINE  # past this a message is dropped (TCP drops such lines too)
NORMAL_CLOSURE = 1000


def subprotocol(offered: list[str]) -> str | None:
    """The first of the client's subprotocols that we speak, in its order of preference."""
    return next((name for name in offered if name in (TEXT, BINARY)), None)


def origin_allowed(
    origin: str | None, host: str | None, secure: bool, allowed: tuple[str, ...]
) -> bool:
    """Whether a page from `origin` may connect: ours (the Host it asked for), a
    configured one, or none at all (not a browser)."""
    if origin is None:
        return True
    if "*" in allowed:
        return True
    origin = origin.strip().lower().rstrip("/")
    if any(origin == entry.strip().lower().rstrip("/") for entry in allowed):
        return True
    scheme = "https" if secure else "http"
    return host is not None and origin == f"{scheme}://{host.strip().lower()}"


@dataclass(slots=True)
class Received:
    """What came of some bytes: lines for the core, bytes to send back, and news."""

    lines: list[bytes] = field(default_factory=list)
    reply: bytes = b""
    too_long: int = 0  # messages dropped for their length (each gets a 417)
    closed: bool = False  # the peer closed, or broke the protocol: the socket goes


class IrcWebSocket:
    """One accepted WebSocket: frames in to lines, lines out to frames."""

    __slots__ = ("_discarding", "_parts", "_size", "_ws", "binary", "closed")

    def __init__(self, ws: WSConnection, binary: bool) -> None:
        self._ws = ws
        self.binary = binary
        self.closed = False
        self._parts: list[bytes] = []
        self._size = 0
        self._discarding = False  # inside an over-long message, until its last frame

    def receive(self, data: bytes) -> Received:
        """Feed bytes from the peer (b"" for what came with the handshake)."""
        got = Received()
        if self.closed:
            return got
        self._ws.receive_data(data)
        for event in self._ws.events():
            if isinstance(event, TextMessage | BytesMessage):
                chunk = event.data.encode() if isinstance(event, TextMessage) else bytes(event.data)
                self._message(chunk, event.message_finished, got)
            elif isinstance(event, Ping):
                got.reply += self._ws.send(event.response())
            elif isinstance(event, CloseConnection):
                got.reply += self._close(event)
                got.closed = self.closed = True
                break
        return got

    def _message(self, chunk: bytes, finished: bool, got: Received) -> None:
        if not self._discarding:
            self._size += len(chunk)
            if self._size > MAX_MESSAGE:
                self._discarding = True
                self._parts.clear()
                got.too_long += 1
            else:
                self._parts.append(chunk)
        if finished:
            if not self._discarding:
                message = b"".join(self._parts)
                got.lines.extend(line.rstrip(b"\r") for line in message.split(b"\n") if line)
            self._parts.clear()
            self._size = 0
            self._discarding = False

    def _close(self, event: CloseConnection) -> bytes:
        """Answer a close: the peer's (echo its code), or a breach we found (our code)."""
        state = self._ws.state
        if state is ConnectionState.REMOTE_CLOSING:
            return self._ws.send(event.response())
        if state is ConnectionState.OPEN:
            return self._ws.send(CloseConnection(code=event.code, reason=event.reason))
        return b""

    def frame(self, data: bytes) -> bytes:
        """IRC lines (each ending in CRLF) as one message each, without the CRLF."""
        ws = self._ws
        if ws.state is not ConnectionState.OPEN:
            return b""
        out = []
        for line in data.split(b"\r\n"):
            if line:
                event = (
                    BytesMessage(data=line)
                    if self.binary
                    else TextMessage(data=line.decode("utf-8", "replace"))
                )
                out.append(ws.send(event))
        return b"".join(out)

    def goodbye(self) -> bytes:
        """A normal close, after the last line."""
        if self._ws.state is not ConnectionState.OPEN:
            return b""
        return self._ws.send(CloseConnection(code=NORMAL_CLOSURE))


def accept(
    head: bytes, request: h11.Request, secure: bool, allowed: tuple[str, ...]
) -> tuple[IrcWebSocket, bytes] | Response:
    """The handshake for an upgrade request: the socket and its 101 answer, or a refusal
    (403 for a page from elsewhere, 400 for a handshake wsproto does not accept)."""
    if not origin_allowed(header(request, b"origin"), header(request, b"host"), secure, allowed):
        return error(403)
    ws = WSConnection(ConnectionType.SERVER)
    try:
        ws.receive_data(head)
        event = next(ws.events(), None)
    except RemoteProtocolError:
        return error(400)
    if not isinstance(event, Request):
        return error(400)
    chosen = subprotocol(event.subprotocols)
    reply = ws.send(AcceptConnection(subprotocol=chosen))
    return IrcWebSocket(ws, binary=chosen == BINARY), reply
