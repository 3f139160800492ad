"""A small blocking IRC client for tests: send lines, wait for messages that match.

Every wait has a timeout and ends as soon as its condition holds; to show that
something did NOT arrive, `sync()` sends a PING and waits for its PONG, since
the server answers a session's lines in order.
"""

from __future__ import annotations

import contextlib
import itertools
import socket
import ssl
import time
from collections.abc import Callable

from parley.irc.message import Message, parse

DEFAULT_TIMEOUT = 5.0
_tokens = itertools.count(1)


class Closed(Exception):
    """The server closed the connection while we waited."""


class IrcClient:
    """One connection to a server under test."""

    def __init__(
        self,
        port: int,
        host: str = "127.0.0.1",
        tls: bool = False,
        context: ssl.SSLContext | None = None,
        timeout: float = DEFAULT_TIMEOUT,
        source: str | None = None,
    ) -> None:
        # `source` picks another loopback address (127.0.0.2...) to come from
        bind = (source, 0) if source is not None else None
        raw = socket.create_connection((host, port), timeout=timeout, source_address=bind)
        if tls:
            if context is None:
                context = ssl.create_default_context()
                context.check_hostname = False
                context.verify_mode = ssl.CERT_NONE
            raw = context.wrap_socket(raw, server_hostname=host)
        self.sock = raw
        self.timeout = timeout
        self._buffer = b""
        self.received: list[Message] = []  # everything read, in order
        self._unread: list[Message] = []
        self.closed = False
        self.nick: str | None = None

    # -- sending ------------------------------------------------------------

    def send(self, line: str | bytes) -> None:
        data = line if isinstance(line, bytes) else line.encode()
        if not data.endswith(b"\n"):
            data += b"\r\n"
        self.sock.sendall(data)

    # -- receiving ------------------------------------------------------------

    def _read_more(self, deadline: float) -> None:
        remaining = deadline - time.monotonic()
        if remaining <= 0:
            raise TimeoutError("no matching message in time")
        self.sock.settimeout(remaining)
        try:
            chunk = self.sock.recv(65536)
        except TimeoutError:
            raise TimeoutError("no matching message in time") from None
        except (ConnectionResetError, ssl.SSLError, OSError) as exc:
            self.closed = True
            raise Closed(str(exc)) from None
        if not chunk:
            self.closed = True
            raise Closed("connection closed by the server")
        self._buffer += chunk
        *lines, self._buffer = self._buffer.split(b"\r\n")
        for line in lines:
            if line:
                message = parse(line)
                self.received.append(message)
                self._unread.append(message)

    def expect(
        self,
        match: str | Callable[[Message], bool],
        timeout: float | None = None,
    ) -> Message:
        """The first unread message whose command is `match` (or satisfying it)."""
        test = (lambda m: m.command == match) if isinstance(match, str) else match
        deadline = time.monotonic() + (timeout or self.timeout)
        while True:
            for i, message in enumerate(self._unread):
                if test(message):
                    del self._unread[: i + 1]
                    return message
            self._read_more(deadline)

    def collect_until(self, command: str, timeout: float | None = None) -> list[Message]:
        """Every unread message up to and including the first `command`."""
        start = len(self.received) - len(self._unread)
        end = self.expect(command, timeout)
        index = self.received.index(end, start)
        return self.received[start : index + 1]

    def sync(self) -> list[Message]:
        """Round-trip a PING; returns what arrived before its PONG."""
        token = f"sync{next(_tokens)}"
        self.send(f"PING {token}")
        messages = self.collect_until_match(lambda m: m.command == "PONG" and token in m.params)
        return messages[:-1]

    def collect_until_match(self, test: Callable[[Message], bool]) -> list[Message]:
        start = len(self.received) - len(self._unread)
        end = self.expect(test)
        index = self.received.index(end, start)
        return self.received[start : index + 1]

    def wait_closed(self, timeout: float | None = None) -> list[Message]:
        """Read until the server hangs up; returns what came before."""
        deadline = time.monotonic() + (timeout or self.timeout)
        start = len(self.received) - len(self._unread)
        try:
            while True:
                self._read_more(deadline)
        except Closed:
            pass
        messages = self.received[start:]
        self._unread.clear()
        return messages

    # -- conveniences ----------------------------------------------------------

    def register(
        self,
        nick: str,
        user: str | None = None,
        caps: tuple[str, ...] = (),
        lobby: bool = True,
    ) -> Message:
        """NICK/USER (and CAP REQ), waiting for the welcome burst and the lobby's names."""
        if caps:
            self.send("CAP LS 302")
            self.send(f"CAP REQ :{' '.join(caps)}")
            self.expect(lambda m: m.command == "CAP" and m.params[1] in ("ACK", "NAK"))
        self.send(f"NICK {nick}")
        self.send(f"USER {user or nick} 0 * :{nick}'s real name")
        if caps:
            self.send("CAP END")
        welcome = self.expect("001")
        self.expect(lambda m: m.command in ("376", "422"))
        if lobby:
            self.expect("366")
        self.nick = nick
        return welcome

    def close(self) -> None:
        with contextlib.suppress(OSError):
            self.sock.close()
