"""The web listener's connection: HTTP for the health check and the web client's
files, and an upgrade to IRC over WebSocket that becomes an ordinary session.

It is a ClientConnection with other framing (net/websocket.py): admission,
TLS, flood control, the send queue and the core's Session are the same as
over TCP. Until its request head is in, a connection counts as one in its
handshake (against `max_unregistered`) and has what is left of
`handshake_timeout`, counted from accept, to send it; a plain HTTP request
is answered and the connection closed.
"""

from __future__ import annotations

import asyncio
import ssl
from typing import TYPE_CHECKING

import h11

from parley.server.net import http, upload, websocket
from parley.server.net.connection import ClientConnection
from parley.server.net.sharing import Exchange

if TYPE_CHECKING:
    from parley.server.net.hub import Hub


class WebConnection(ClientConnection):
    """A connection to the web listener: HTTP, then perhaps IRC over WebSocket."""

    __slots__ = ("_deadline", "_exchange", "_head", "_socket", "_timer")

    def __init__(self, hub: Hub, tls: ssl.SSLContext | None) -> None:
        super().__init__(hub, tls)
        self._deadline = hub.loop.time() + hub.config.limits.handshake_timeout
        self._head = b""
        self._socket: websocket.IrcWebSocket | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._exchange: Exchange | None = None  # an upload or a shared file (sharing.py)

    # -- before the upgrade: HTTP --------------------------------------------

    def opened(self) -> None:
        """Ready for the request head, which must come before the deadline."""
        self._hub.handshakes.add(self)
        self._timer = self._hub.loop.call_at(self._deadline, self._timed_out)

    def _timed_out(self) -> None:
        self._timer = None
        if self._socket is None and not self.closing and self._transport is not None:
            self._hub.handshake_failures += 1
            self.closing = True
            self._transport.abort()

    def _stop_timer(self) -> None:
        self._hub.handshakes.discard(self)
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    def data_received(self, data: bytes) -> None:
        if self._exchange is not None:
            self._exchange.data(data)
        elif self._socket is not None:
            self._frames(data)
        elif self.closing or self.handshake is not None or self._transport is None:
            super().data_received(data)  # early bytes of a TLS handshake, or nothing
        else:
            self._request(data)

    def _request(self, data: bytes) -> None:
        head = self._head + data
        end = http.head_end(head)
        if end == 0:
            self._head = head
            return
        self._head = b""
        if end < 0:
            self._respond(http.error(431))
            return
        request = http.parse_request(head[:end])
        if isinstance(request, http.Response):
            self._respond(request)
        elif http.is_websocket(request):
            self._upgrade(head, request)
        elif upload.handles(request) and self._transport is not None:
            self._stop_timer()  # the exchange keeps its own time from here
            self._exchange = Exchange(self, self._hub, self._transport, request)
            self._exchange.start(head[end:])
        else:
            self._respond(http.answer(request), head_only=request.method == b"HEAD")

    def _respond(self, response: http.Response, head_only: bool = False) -> None:
        """Answer and hang up: one request per connection."""
        self._stop_timer()
        transport = self._transport
        self.closing = True
        if transport is None:
            return
        transport.write(http.encode(response, head_only))
        if transport.get_write_buffer_size():
            self._hub.hang_up(transport)
        transport.close()

    def _upgrade(self, head: bytes, request: h11.Request) -> None:
        """The WebSocket handshake; once accepted, the core's session starts."""
        web = self._hub.config.web
        accepted = websocket.accept(head, request, self.tls, web.allowed_origins)
        if isinstance(accepted, http.Response):
            self._respond(accepted)
            return
        self._socket, reply = accepted
        self._stop_timer()
        assert self._transport is not None
        self._transport.write(reply)
        self.session = self._hub.core.connect(self)  # which refuses D-lined addresses with 465
        self._frames(b"")  # frames that came with the handshake

    # -- after the upgrade: IRC over WebSocket ---------------------------------

    def _frames(self, data: bytes) -> None:
        socket, transport, session = self._socket, self._transport, self.session
        if self.closing or socket is None or transport is None or session is None:
            return
        got = socket.receive(data)
        if got.reply:
            transport.write(got.reply)
        for _ in range(got.too_long):
            self._hub.core.input_too_long(session)
        if got.lines:
            self._take(got.lines)
        if got.closed and not self.closing:
            self.closing = True
            if transport.get_write_buffer_size():
                self._hub.hang_up(transport)
            transport.close()  # connection_lost ends the session

    # -- the framing hooks of ClientConnection ---------------------------------

    def _refuse(self, transport: asyncio.Transport, refusal: str) -> None:
        body = f"{refusal}\n".encode()
        response = http.Response(503, (("Content-Type", "text/plain; charset=utf-8"),), body)
        transport.write(http.encode(response))

    def _write(self, transport: asyncio.Transport, data: bytes) -> None:
        if self._socket is not None:
            transport.write(self._socket.frame(data))

    def _goodbye(self, transport: asyncio.Transport) -> None:
        if self._socket is not None:
            transport.write(self._socket.goodbye())

    def stop_handshake(self) -> None:
        super().stop_handshake()
        if self.handshake is None and self._socket is None and self._transport is not None:
            self.closing = True
            self._transport.abort()

    @property
    def writing_paused(self) -> bool:
        return self._writing_paused

    def resume_writing(self) -> None:
        super().resume_writing()
        if self._exchange is not None:
            self._exchange.writable()

    def connection_lost(self, exc: Exception | None) -> None:
        self._stop_timer()
        if self._exchange is not None:
            self._exchange.lost()
        super().connection_lost(exc)
