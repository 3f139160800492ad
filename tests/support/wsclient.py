"""A blocking IRC-over-WebSocket client for tests, on wsproto and a plain socket.

It is an IrcClient (expect, sync, register...) whose lines travel one a
WebSocket message; `messages` keeps each message as it came (str for text
frames, bytes for binary), and `close_code` the code of the server's close.
"""

from __future__ import annotations

import socket
import ssl
import time

from wsproto import ConnectionType, WSConnection
from wsproto.connection import ConnectionState
from wsproto.events import (
    AcceptConnection,
    BytesMessage,
    CloseConnection,
    Ping,
    RejectConnection,
    RejectData,
    Request,
    TextMessage,
)

from parley.irc.message import parse
from support.client import DEFAULT_TIMEOUT, Closed, IrcClient

TEXT = "text.ircv3.net"
BINARY = "binary.ircv3.net"


class Rejected(Exception):
    """The server answered the handshake with an HTTP error."""

    def __init__(self, status: int, body: bytes) -> None:
        super().__init__(f"handshake refused with {status}")
        self.status = status
        self.body = body


class WebSocketClient(IrcClient):
    """One IRC connection over WebSocket."""

    def __init__(
        self,
        port: int,
        host: str = "127.0.0.1",
        subprotocols: tuple[str, ...] = (TEXT,),
        origin: str | None = None,
        tls: bool = False,
        timeout: float = DEFAULT_TIMEOUT,
    ) -> None:
        raw = socket.create_connection((host, port), timeout=timeout)
        if tls:
            context = ssl.create_default_context()
            context.check_hostname = False
            context.verify_mode = ssl.CERT_NONE
            raw = context.wrap_socket(raw, server_hostname=host)
        self.sock = raw
        self.timeout = timeout
        self._buffer = b""
        self.received = []
        self._unread = []
        self.closed = False
        self.nick = None
        self.messages: list[str | bytes] = []
        self.close_code: int | None = None
        self.subprotocol: str | None = None
        self._partial: list[str | bytes] = []  # a message's frames so far
        self.ws = WSConnection(ConnectionType.CLIENT)
        headers = [(b"Origin", origin.encode())] if origin is not None else []
        request = Request(
            host=f"{host}:{port}", target="/", subprotocols=list(subprotocols),
            extra_headers=headers,
        )  # fmt: skip
        self.sock.sendall(self.ws.send(request))
        self._handshake(time.monotonic() + timeout)

    def _handshake(self, deadline: float) -> None:
        status, body = 0, b""
        while True:
            for event in self._events(deadline):
                if isinstance(event, AcceptConnection):
                    self.subprotocol = event.subprotocol
                    return
                if isinstance(event, RejectConnection):
                    status = event.status_code
                    if not event.has_body:
                        raise Rejected(status, b"")
                elif isinstance(event, RejectData):
                    body += event.data
                    if event.body_finished:
                        raise Rejected(status, body)

    def _events(self, deadline: float) -> list[object]:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("nothing from the server in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("nothing from the server in time") from None
        except OSError as exc:
            self.closed = True
            raise Closed(str(exc)) from None
        if not chunk:
            self.closed = True
            raise Closed("connection closed by the server")
        self.ws.receive_data(chunk)
        return list(self.ws.events())

    # -- IrcClient's transport -------------------------------------------------

    def send(self, line: str | bytes) -> None:
        """One message: text frames for str, binary ones for bytes."""
        event = TextMessage(data=line) if isinstance(line, str) else BytesMessage(data=line)
        self.sock.sendall(self.ws.send(event))

    def send_raw(self, data: bytes) -> None:
        self.sock.sendall(data)

    def _read_more(self, deadline: float) -> None:
        partial = self._partial
        for event in self._events(deadline):
            if isinstance(event, TextMessage | BytesMessage):
                partial.append(event.data)
                if event.message_finished:
                    whole = (
                        "".join(partial)
                        if isinstance(event, TextMessage)
                        else b"".join(
                            bytes(p)
                            for p in partial  # type: ignore[arg-type]
                        )
                    )
                    partial.clear()
                    self.messages.append(whole)
                    raw = whole.encode() if isinstance(whole, str) else whole
                    message = parse(raw)
                    self.received.append(message)
                    self._unread.append(message)
            elif isinstance(event, Ping):
                self.sock.sendall(self.ws.send(event.response()))
            elif isinstance(event, CloseConnection):
                self.close_code = event.code
                if self.ws.state is ConnectionState.REMOTE_CLOSING:
                    self.sock.sendall(self.ws.send(event.response()))
                self.closed = True
                raise Closed(f"closed with {event.code}")
