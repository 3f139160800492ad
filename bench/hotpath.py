"""`python -m bench hotpath`: the server's own cost per message and per delivery, no sockets.

The real Server, Hub and ClientConnections (with the history written to a
real SQLite file by its writer thread) are fed PRIVMSG lines directly, and
their writes go to transports that only count bytes. What is left out is the
kernel: this isolates the Python work of the hot path, so a change to it can
be judged in seconds even on a busy machine (CPU time, not wall time).
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from parley.server.config import Config, HistoryPolicy, Limits
from parley.server.core.server import Server
from parley.server.net.connection import ClientConnection
from parley.server.net.hub import Hub
from parley.server.store.sqlite_history import SqliteHistory


class CountingTransport:
    """Stands in for a socket: takes writes and counts them."""

    def __init__(self, index: int) -> None:
        self.peer = (f"127.0.{1 + index // 250}.{1 + index % 250}", 40000 + index)
        self.bytes = 0
        self.writes = 0
        self.closing = False

    def write(self, data: bytes) -> None:
        self.bytes += len(data)
        self.writes += 1

    def get_extra_info(self, name: str, default: Any = None) -> Any:
        return self.peer if name == "peername" else default

    def get_write_buffer_size(self) -> int:
        return 0

    def is_closing(self) -> bool:
        return self.closing

    def close(self) -> None:
        self.closing = True

    def abort(self) -> None:
        self.closing = True

    def pause_reading(self) -> None:
        return None

    def resume_reading(self) -> None:
        return None


def new_loop() -> asyncio.AbstractEventLoop:
    try:
        import uvloop
    except ImportError:
        return asyncio.new_event_loop()
    return uvloop.new_event_loop()


def measure(
    members: int = 200, senders: int = 4, batch: int = 256, rounds: int = 40
) -> dict[str, float]:
    """Each round every sender's batch of lines arrives, then one loop turn flushes."""
    loop = new_loop()
    asyncio.set_event_loop(loop)
    with tempfile.TemporaryDirectory() as tmp:
        limits = replace(Limits(), flood_enabled=False, connections_per_ip=0)
        config = Config(data_dir=Path(tmp), lobby=None, listen=(), tls_listen=(), limits=limits)
        # Every line fed is processed: the backlog bound (which would pause these
        # senders while the writer catches up) is set above what the run sends.
        room = rounds * senders * batch * 2
        policy = HistoryPolicy(queue_high=room, queue_low=1, queue_max=room)
        history = SqliteHistory(Path(tmp) / "parley.db", policy)
        core = Server(config, history=history)
        hub = Hub(core, loop)
        conns, transports = [], []
        for i in range(members):
            conn, transport = ClientConnection(hub, None), CountingTransport(i)
            conn.connection_made(transport)  # type: ignore[arg-type]
            conn.data_received(b"NICK m%d\r\nUSER u 0 * :bench\r\nJOIN #hot\r\n" % i)
            loop.run_until_complete(asyncio.sleep(0))
            conns.append(conn)
            transports.append(transport)
        history.flush()

        def turn(seq: int) -> None:
            for s in range(senders):
                lines = b"".join(
                    b"PRIVMSG #hot :%d %d 123456789\r\n" % (s, seq + n) for n in range(batch)
                )
                conns[s].data_received(lines)
            loop.run_until_complete(asyncio.sleep(0))

        turn(0)  # warm up
        history.flush()
        before = sum(t.bytes for t in transports)
        gc.collect()
        cpu, wall = time.process_time(), time.perf_counter()
        for r in range(rounds):
            turn((r + 1) * batch)
        history.flush()  # the writer thread's work counts too
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        sent = sum(t.bytes for t in transports) - before
        history.close()
    loop.close()
    messages = rounds * senders * batch
    deliveries = messages * (members - 1)
    return {
        "messages": messages,
        "deliveries": deliveries,
        "bytes_out": sent,
        "cpu_s": round(cpu, 3),
        "wall_s": round(wall, 3),
        "us_per_message": round(cpu / messages * 1e6, 2),
        "ns_per_delivery": round(cpu / deliveries * 1e9, 1),
        "deliveries_per_cpu_s": round(deliveries / cpu),
    }


def main() -> int:
    import json

    print(json.dumps(measure()))
    return 0
