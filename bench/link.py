"""One generator connection: just enough IRC to register, join, talk and be counted.

How this works: a Link counts every line it receives with one `bytes.count`
per chunk, so receiving costs next to nothing per line. Only what a scenario
needs is looked at more closely: a Link answers PINGs, resolves the futures
of `expect` when a token (` 376 `, ` 366 `...) goes by, and, when it has an
`on_lines` callback, hands it each chunk of complete lines (audited receivers
and latency probes parse those with one regex).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Callable, Sequence

from bench.tls import client_context

EDGE = 64  # bytes of the previous chunk kept to find tokens cut in two
STALL = 60.0  # seconds a server may take to answer before the wait is given up
END_OF_REGISTRATION = (b" 376 ", b" 422 ")  # end of MOTD, or no MOTD: every server sends one
REFUSED = (b" 432 ", b" 433 ", b" 436 ", b" 437 ", b"ERROR ")
_PING = re.compile(rb"(?:^|\n)PING( [^\r\n]*)?\r?\n")

LineSink = Callable[[bytes, int], None]  # (buffer, end of its complete lines)


class Refused(Exception):
    """The server refused a nick or closed the link while we waited."""


class Link(asyncio.Protocol):
    """A client connection that counts what it receives."""

    __slots__ = (
        "_edge",
        "_gave_up",
        "_partial",
        "_waiters",
        "closed",
        "lines",
        "nick",
        "on_lines",
        "transport",
    )

    def __init__(self, nick: str) -> None:
        self.nick = nick
        self.transport: asyncio.Transport | None = None
        self.lines = 0  # every line received, of any kind
        self.on_lines: LineSink | None = None
        self.closed: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._edge = b""
        self._gave_up = False  # closed by us: the server did not close after QUIT
        self._partial = b""  # the incomplete last line, while on_lines is set
        self._waiters: list[tuple[Sequence[bytes], asyncio.Future[bytes]]] = []

    # -- asyncio.Protocol ------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.lines += data.count(b"\n")
        if data[:4] == b"PING" or b"\nPING" in data or b"\nPING" in self._edge[-4:] + data[:4]:
            self._pong(data)  # (only at a line's start: 005's CASEMAPPING holds "PING" too)
        if self._waiters:
            self._check(data)
        self._edge = data[-EDGE:]
        sink = self.on_lines
        if sink is not None:
            buf = self._partial + data if self._partial else data
            cut = buf.rfind(b"\n") + 1
            self._partial = buf[cut:]
            if cut:
                sink(buf, cut)

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.closed.done():
            self.closed.set_result(None)
        for _, future in self._waiters:
            if not future.done():
                future.set_exception(Refused(f"{self.nick}: connection closed"))
        self._waiters.clear()

    # -- what scenarios use ----------------------------------------------------

    def send(self, data: bytes) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self.transport.write(data)

    def expect(self, *tokens: bytes) -> asyncio.Future[bytes]:
        """A future for the first of `tokens` to arrive from now on."""
        future: asyncio.Future[bytes] = asyncio.get_running_loop().create_future()
        if self.closed.done():
            future.set_exception(Refused(f"{self.nick}: connection closed"))
        else:
            self._waiters.append((tokens, future))
        return future

    async def register(
        self, user: str = "bench", until: Sequence[bytes] = END_OF_REGISTRATION
    ) -> None:
        """NICK and USER, then wait for the end of the welcome burst (or for `until`)."""
        done = self.expect(*until, *REFUSED)
        self.send(b"NICK %s\r\nUSER %s 0 * :Parley bench\r\n" % (self.nick.encode(), user.encode()))
        token = await self._answer(done, "registration")
        if token not in until:
            raise Refused(f"{self.nick}: {token.decode().strip()}")

    async def join(self, channel: str) -> None:
        done = self.expect(b" 366 ", *REFUSED[2:], b" 471 ", b" 473 ", b" 474 ", b" 475 ")
        self.send(b"JOIN %s\r\n" % channel.encode())
        token = await self._answer(done, "JOIN")
        if token != b" 366 ":
            raise Refused(f"{self.nick}: JOIN {channel}: {token.decode().strip()}")

    async def sync(self) -> None:
        """A PING round trip: everything the server sent before its PONG has arrived."""
        done = self.expect(b"PONG")
        self.send(b"PING :sync\r\n")
        await self._answer(done, "PING")

    async def knock(self) -> None:
        """Before registering: a PING, answered with PONG or 451, shows the server took us."""
        done = self.expect(b"PONG", b" 451 ")
        self.send(b"PING :open\r\n")
        await self._answer(done, "PING")

    async def _answer(self, done: asyncio.Future[bytes], what: str) -> bytes:
        """`done`'s token, or Refused if the server does not answer within STALL seconds.

        One timer on the future itself: asyncio.wait_for would add a future and
        callbacks of its own to every wait, and churn waits three times a session.
        """
        timer = asyncio.get_running_loop().call_later(STALL, self._stalled, done, what)
        try:
            return await done
        finally:
            timer.cancel()

    def _stalled(self, done: asyncio.Future[bytes], what: str) -> None:
        if not done.done():
            done.set_exception(Refused(f"{self.nick}: no answer to {what} in {STALL:g} s"))

    async def quit(self, timeout: float) -> None:
        """QUIT, then wait for the server to close the link; Refused after `timeout` s."""
        self.send(b"QUIT :bye\r\n")
        timer = asyncio.get_running_loop().call_later(timeout, self._give_up)
        try:
            await asyncio.shield(self.closed)
        finally:
            timer.cancel()
        if self._gave_up:
            raise Refused(f"{self.nick}: still open {timeout:g} s after QUIT")

    def _give_up(self) -> None:
        self._gave_up = True
        self.close()

    def close(self) -> None:
        if self.transport is not None:
            self.transport.close()

    # -- inside ------------------------------------------------------------------

    def _pong(self, data: bytes) -> None:
        """Answer the PINGs whose line ends in `data` (the edge only completes them)."""
        edge = self._edge
        for match in _PING.finditer(edge + data):
            if match.end() > len(edge):
                self.send(b"PONG" + (match.group(1) or b" :bench") + b"\r\n")

    def _arrived(self, token: bytes, data: bytes) -> bool:
        """Whether `token` is in `data`, or cut in two between the last chunk and it."""
        if token in data:
            return True
        n = len(token) - 1
        return token in self._edge[-n:] + data[:n]

    def _check(self, data: bytes) -> None:
        remaining = []
        for tokens, future in self._waiters:
            if future.done():
                continue
            hit = next((t for t in tokens if self._arrived(t, data)), None)
            if hit is None:
                remaining.append((tokens, future))
            else:
                future.set_result(hit)
        self._waiters = remaining


def source_address(index: int) -> str:
    """A loopback source address for connection `index`, spread over 127.0.0.0/8.

    Each address has its own range of ephemeral ports, so tens of thousands of
    connections (and the TIME_WAIT that churn leaves) never run out of them.
    """
    return f"127.0.{1 + (index // 250) % 250}.{1 + index % 250}"


async def open_link(
    host: str, port: int, nick: str, index: int, spread: bool = True, tls: bool = False
) -> Link:
    """Connect one Link (not yet registered); with `tls`, once its TLS handshake is done."""
    loop = asyncio.get_running_loop()
    local = (source_address(index), 0) if spread and host.startswith("127.") else None
    context = client_context() if tls else None
    _, link = await loop.create_connection(
        lambda: Link(nick), host, port, local_addr=local, ssl=context
    )
    return link


def tls_details(link: Link) -> dict[str, str | None]:
    """The protocol version and cipher a TLS link agreed on (None on plain TCP)."""
    obj = link.transport.get_extra_info("ssl_object") if link.transport else None
    if obj is None:
        return {"tls_version": None, "tls_cipher": None}
    cipher = obj.cipher()
    return {"tls_version": obj.version(), "tls_cipher": cipher[0] if cipher else None}
