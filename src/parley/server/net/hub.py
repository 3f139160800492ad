"""The listeners and everything shared by connections: limits per IP, timers, counters."""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import Counter, deque
from collections.abc import Sequence

from parley.server.config import Address, Config
from parley.server.core.server import Server
from parley.server.net.connection import CLOSE_GRACE, ClientConnection

log = logging.getLogger("parley.net")

SWEEP_INTERVAL = 1.0  # seconds between liveness sweeps of the core


class Hub:
    """Owns the listening sockets and the per-address connection counts."""

    def __init__(self, core: Server, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.per_ip: Counter[str] = Counter()
        self.connections: set[ClientConnection] = set()
        self.servers: list[asyncio.Server] = []
        self.sendq_drops = 0
        self.bytes_out = 0
        self.flood_throttles = 0  # times a client's reading was paused for flooding
        self.loop_lag = 0.0  # how late the last sweep ran, in seconds
        self._sweeper: asyncio.TimerHandle | None = None
        # Connections with output queued this loop turn; one callback flushes them all.
        self.dirty: list[ClientConnection] = []
        # Transports closed by us, with when to abort them if the peer has not let go.
        self._closing: deque[tuple[float, asyncio.Transport]] = deque()
        core.state.fanout = self.fanout  # type: ignore[assignment]

    def fanout(
        self, data: bytes, conns: Sequence[ClientConnection], skip: ClientConnection | None
    ) -> None:
        """Queue `data` on every connection but `skip` (the hot path: no call per recipient).

        This is ClientConnection.send unrolled: the send queue's bound is
        checked when the turn's output is flushed, once per connection.
        """
        dirty = self.dirty
        for conn in conns:
            if conn is skip:
                continue
            out = conn.out
            if not out:
                if conn.closing:
                    continue
                if not dirty:
                    self.loop.call_soon(self.flush)
                dirty.append(conn)
            out.append(data)

    def flush(self) -> None:
        """One write per connection that has output queued since the last turn."""
        dirty = self.dirty
        self.dirty = []
        for conn in dirty:
            conn.flush()

    @property
    def config(self) -> Config:
        return self.core.config

    def admit(self, conn: ClientConnection) -> bool:
        """Count a new connection against its address; False if over the limit."""
        cap = self.config.limits.connections_per_ip
        if cap and self.per_ip[conn.ip] >= cap:
            log.info("refused %s: %d connections already", conn.ip, cap)
            return False
        self.per_ip[conn.ip] += 1
        self.connections.add(conn)
        return True

    def release(self, conn: ClientConnection) -> None:
        if conn in self.connections:
            self.connections.discard(conn)
            self.per_ip[conn.ip] -= 1
            if self.per_ip[conn.ip] <= 0:
                del self.per_ip[conn.ip]

    async def listen(self, address: Address, context: ssl.SSLContext | None) -> list[str]:
        """Start one listener; returns the addresses it bound (port 0 resolved)."""
        tls = context is not None
        server = await self.loop.create_server(
            lambda: ClientConnection(self, tls),
            host=address.host,
            port=address.port,
            ssl=context,
            reuse_address=True,
            backlog=1024,
        )
        self.servers.append(server)
        bound = []
        for sock in server.sockets:
            host, port = sock.getsockname()[:2]
            bound.append(f"[{host}]:{port}" if ":" in host else f"{host}:{port}")
        return bound

    def hang_up(self, transport: asyncio.Transport) -> None:
        """A closed transport gets CLOSE_GRACE seconds to flush; the sweep aborts it after.

        One queue checked once a second, rather than a timer per closed connection.
        """
        self._closing.append((self.loop.time() + CLOSE_GRACE, transport))

    def start_sweeping(self, due: float | None = None) -> None:
        """Sweep the core every second; how late each sweep runs is the loop's lag."""
        now = self.loop.time()
        if due is not None:
            self.loop_lag = max(0.0, now - due)
        closing = self._closing
        while closing and closing[0][0] <= now:
            closing.popleft()[1].abort()  # nothing if the peer has closed already
        self.core.sweep()
        next_due = now + SWEEP_INTERVAL
        self._sweeper = self.loop.call_at(next_due, self.start_sweeping, next_due)

    async def close(self, grace: float = 5.0) -> None:
        """Stop listening and wait (bounded) for closing connections to flush."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for server in self.servers:
            server.close()
        deadline = self.loop.time() + grace
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        for server in self.servers:
            await server.wait_closed()
