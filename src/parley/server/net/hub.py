"""The listeners and everything shared by connections: admission, TLS, timers, counters.

Every listener accepts plain TCP. A connection is counted and checked
(admission.py, then D-lines) as soon as it is accepted; only then, on a TLS
listener, does the handshake start, with its own timeout, so that silent
sockets cost a count and a small object rather than a TLS session each.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections import deque
from collections.abc import Sequence

from parley.server.config import Address, Config
from parley.server.core.server import Server
from parley.server.net.admission import Admission, Trimmer
from parley.server.net.connection import CLOSE_GRACE, ClientConnection
from parley.server.net.sharing import Sharing

log = logging.getLogger("parley.net")

SWEEP_INTERVAL = 1.0  # seconds between liveness sweeps of the core


class Hub:
    """Owns the listening sockets and the per-address connection counts."""

    def __init__(self, core: Server, loop: asyncio.AbstractEventLoop) -> None:
        self.core = core
        self.loop = loop
        self.admission = Admission()
        self.trimmer = Trimmer()
        self.connections: set[ClientConnection] = set()
        self.handshakes: set[ClientConnection] = set()  # TLS handshakes under way
        self.handshake_failures = 0  # handshakes that timed out or failed
        self.servers: list[asyncio.Server] = []
        self.sendq_drops = 0
        self.bytes_out = 0
        self.flood_throttles = 0  # times a client's reading was paused for flooding
        self.loop_lag = 0.0  # how late the last sweep ran, in seconds
        self.sweep_errors = 0  # sweeps that raised (logged at the 1st, 10th, then hourly)
        self._sweeper: asyncio.TimerHandle | None = None
        # Connections whose reading waits for a slow job of their session's to be done.
        self.waiting: set[ClientConnection] = set()
        # Connections with output queued this loop turn; one callback flushes them all.
        self.dirty: list[ClientConnection] = []
        # Transports closed by us, with when to abort them if the peer has not let go.
        self._closing: deque[tuple[float, asyncio.Transport]] = deque()
        self.sharing = Sharing()  # uploads and downloads of shared files under way
        # Lines gathered by `fanout`: each list of connections with its lines, all to
        # one channel's lists (`owner`) and from one sender's connection (`skip`).
        self.gathered: list[tuple[Sequence[ClientConnection], list[bytes]]] = []
        self.owner: object = None
        self.skip: ClientConnection | None = None
        core.state.fanout = self.fanout  # type: ignore[assignment]
        core.state.hand_out = self.hand_out

    def fanout(
        self,
        data: bytes,
        conns: Sequence[ClientConnection],
        skip: ClientConnection | None,
        owner: object = None,
    ) -> None:
        """Queue `data` on every connection but `skip` (the hot path: no call per recipient).

        Lines to the same channel's lists (`owner`) from the same sender, one after
        another (a sender's read of many lines), are gathered and queued as one piece
        per connection by `hand_out`: when the turn's output is flushed, or before
        anything else is queued for anyone but that sender, or before the channel's
        lists change. So every connection still gets its lines in the order they
        were made, and only the lines said while it was there.
        """
        if owner is not None and owner is self.owner and skip is self.skip:
            for run_conns, parts in self.gathered:
                if run_conns is conns:
                    parts.append(data)
                    return
            self.gathered.append((conns, [data]))
            return
        if self.gathered:
            self.hand_out()
        if owner is None:
            self._queue(data, conns, skip)
            return
        if not self.dirty:
            self.loop.call_soon(self.flush)
        self.owner, self.skip = owner, skip
        self.gathered.append((conns, [data]))

    def hand_out(self) -> None:
        """Queue the gathered lines, joined once for each list of connections."""
        gathered, skip = self.gathered, self.skip
        if not gathered:
            return
        self.gathered = []
        self.owner = self.skip = None
        for conns, parts in gathered:
            self._queue(parts[0] if len(parts) == 1 else b"".join(parts), conns, skip)

    def _queue(
        self, data: bytes, conns: Sequence[ClientConnection], skip: ClientConnection | None
    ) -> None:
        """ClientConnection.send unrolled: the send queue's bound is checked when the
        turn's output is flushed, once per connection."""
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
        if self.gathered:
            self.hand_out()
        dirty = self.dirty
        self.dirty = []
        for conn in dirty:
            conn.flush()

    @property
    def config(self) -> Config:
        return self.core.config

    def admit(self, conn: ClientConnection) -> str | None:
        """Count a new connection, or say why it is refused (before TLS, before the core)."""
        waiting = len(self.handshakes) + self.core.state.unregistered
        refusal = self.admission.refusal(
            self.config.limits, conn.ip, len(self.connections), waiting
        )
        if refusal is not None:
            return refusal
        self.admission.count(conn.ip)
        self.connections.add(conn)
        self.trimmer.seen(len(self.connections))
        return None

    def jobs_done(self) -> None:
        """A slow job is done (the worker calls this on the loop): connections whose
        session no longer waits for one read on."""
        if self.waiting:
            for conn in [c for c in self.waiting if c.session is None or c.session.held is None]:
                self.waiting.discard(conn)
                conn.wake()

    def release(self, conn: ClientConnection) -> None:
        self.waiting.discard(conn)
        if conn in self.connections:
            self.connections.discard(conn)
            self.handshakes.discard(conn)
            self.admission.uncount(conn.ip)

    @property
    def per_ip(self) -> dict[str, int]:
        """Open connections by address."""
        return self.admission.per_ip

    def banned(self, address: str) -> bool:
        """Whether a D-line refuses `address` (checked before a TLS handshake)."""
        return self.core.bans.on_address(address) is not None

    def start_tls(
        self, conn: ClientConnection, transport: asyncio.Transport, context: ssl.SSLContext
    ) -> None:
        """Begin the TLS handshake of an admitted connection, bounded by handshake_timeout."""
        # The ClientHello is for the TLS layer. asyncio honours this pause; uvloop starts
        # reading again once connection_made returns, so what comes early is kept (below).
        transport.pause_reading()
        self.handshakes.add(conn)
        conn.handshake = self.loop.create_task(self._handshake(conn, transport, context))

    async def _handshake(
        self, conn: ClientConnection, transport: asyncio.Transport, context: ssl.SSLContext
    ) -> None:
        # Scheduled before start_tls schedules the TLS layer's connection_made, so the
        # bytes that reached us first are in the TLS layer when its handshake begins.
        self.loop.call_soon(conn.hand_over_early, transport)
        try:
            secure = await self.loop.start_tls(
                transport,
                conn,
                context,
                server_side=True,
                ssl_handshake_timeout=self.config.limits.handshake_timeout,
            )
        except (Exception, asyncio.CancelledError):  # timed out, reset, not TLS, shut down
            # start_tls has closed the socket; the protocol hears nothing more of it.
            self.handshake_failures += 1
            transport.abort()
            conn.handshake_failed()
            return
        finally:
            self.handshakes.discard(conn)
        if secure is None:  # the peer went away as the handshake ended
            conn.handshake_failed()
            return
        conn.secured(secure)

    async def listen(
        self,
        address: Address,
        context: ssl.SSLContext | None,
        protocol: type[ClientConnection] = ClientConnection,
    ) -> list[str]:
        """Start one listener (IRC over TCP, or `protocol`'s framing); returns the
        addresses it bound (port 0 resolved)."""
        server = await self.loop.create_server(
            lambda: protocol(self, context),
            host=address.host,
            port=address.port,
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
        next_due = now + SWEEP_INTERVAL
        self._sweeper = self.loop.call_at(next_due, self.start_sweeping, next_due)
        try:  # a bug in one sweep must not end the timeouts and pings of every later one
            self.core.sweep()
            self.admission.report()
            self.trimmer.sweep(len(self.connections))
        except Exception:
            self.sweep_errors += 1
            if self.sweep_errors in (1, 10) or self.sweep_errors % 3600 == 0:
                log.exception("sweep failed (%d times so far)", self.sweep_errors)

    async def close(self, grace: float = 5.0) -> None:
        """Stop listening and wait (bounded) for closing connections to flush."""
        if self._sweeper is not None:
            self._sweeper.cancel()
        for server in self.servers:
            server.close()
        for conn in list(self.handshakes):
            conn.stop_handshake()
        deadline = self.loop.time() + grace
        while self.connections and self.loop.time() < deadline:
            await asyncio.sleep(0.05)
        for server in self.servers:
            await server.wait_closed()
