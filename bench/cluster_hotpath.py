"""`python -m bench cluster-hotpath`: what cluster mode adds to a channel message's CPU.

As `python -m bench hotpath`, without sockets (transports that count bytes) and
in CPU time, so it can be judged on a busy machine; and without NATS: two real
Servers, the origin and a peer, in one process. The origin's events are relayed
as its link relays them (one record each, through the codec, a batch per loop
turn), and the peer reads each batch and applies it through its Peers, as its
link does. Measured apart: the origin (lines parsed, its members served, records
encoded) and the peer (the batch decoded and applied, its members served), for a
room split between them and for a peer with no member in the room, which still
applies every line of the network (every node holds the whole network's state).
"""

from __future__ import annotations

import asyncio
import gc
import tempfile
import time
from dataclasses import replace
from pathlib import Path
from typing import Any

from bench.hotpath import CountingTransport, measure, new_loop
from parley.server.cluster import codec
from parley.server.cluster.remote import RELAYED, Peers, event_record
from parley.server.config import Config, HistoryPolicy, Limits
from parley.server.core import events as ev
from parley.server.core.outgoing import Outgoing
from parley.server.core.server import Server
from parley.server.net.connection import ClientConnection
from parley.server.net.hub import Hub
from parley.server.store.sqlite_history import SqliteHistory

ROOM = "#hot"


class Node:
    """A Server with its Hub, connections that count bytes, and a link's relay and apply."""

    def __init__(self, name: str, tmp: Path, loop: asyncio.AbstractEventLoop, room: int) -> None:
        self.name = name
        self.loop = loop
        tmp.mkdir()
        limits = replace(Limits(), flood_enabled=False, connections_per_ip=0)
        config = Config(data_dir=tmp, lobby=None, listen=(), tls_listen=(), limits=limits)
        policy = HistoryPolicy(queue_high=room, queue_low=1, queue_max=room)
        self.history = SqliteHistory(tmp / "parley.db", policy)
        self.server = Server(config, history=self.history)
        self.hub = Hub(self.server, loop)
        self.peers = Peers(self.server, name)
        self.outbox: list[bytes] = []
        self.server.state.relay = self.relay
        self.conns: list[ClientConnection] = []
        self.transports: list[CountingTransport] = []

    def connect(self, nick: str, channel: str) -> None:
        conn, transport = ClientConnection(self.hub, None), CountingTransport(len(self.conns))
        conn.connection_made(transport)  # type: ignore[arg-type]
        conn.data_received(
            b"NICK %s\r\nUSER u 0 * :bench\r\nJOIN %s\r\n" % (nick.encode(), channel.encode())
        )
        self.turn()
        self.conns.append(conn)
        self.transports.append(transport)

    def turn(self) -> None:
        self.loop.run_until_complete(asyncio.sleep(0))

    def relay(self, event: ev.Event, out: Outgoing) -> None:
        """As the link relays (cluster/link.py): a record per event, through the codec."""
        if self.peers.applying or type(event) not in RELAYED:
            return
        self.outbox.append(codec.dumps(event_record(self.server.state, event, out)))

    def batch(self) -> bytes:
        """The outbox as one stream message, as the link's publisher makes it."""
        records, self.outbox = self.outbox, []
        return b'{"o":"%s","k":[%s]}' % (self.name.encode(), b",".join(records))

    def take(self, origin: str, payload: bytes) -> None:
        """A peer's stream message, read and applied as the link does, then a loop turn."""
        batch = codec.loads(payload)
        for record in batch["k"]:
            if record[0] == "e":
                _, event, stamp, extra = record
                self.peers.apply(origin, event, tuple(stamp) if stamp else None, extra)
        self.turn()

    @property
    def bytes_out(self) -> int:
        return sum(t.bytes for t in self.transports)


def split(
    origin_members: int, peer_members: int, senders: int = 4, batch: int = 256, rounds: int = 20
) -> dict[str, Any]:
    """Senders on the origin; the room's other members on the origin and the peer."""
    loop = new_loop()
    asyncio.set_event_loop(loop)
    room = rounds * senders * batch * 2
    with tempfile.TemporaryDirectory() as tmp:
        origin = Node("a.1", Path(tmp) / "a", loop, room)
        peer = Node("b.1", Path(tmp) / "b", loop, room)
        for i in range(origin_members):
            origin.connect(f"a{i}", ROOM)
        for i in range(max(peer_members, 1)):  # (one elsewhere when none is in the room)
            peer.connect(f"b{i}", ROOM if peer_members else "#elsewhere")
        for _ in range(3):  # each learns the other's users
            peer.take(origin.name, origin.batch())
            origin.take(peer.name, peer.batch())

        def turn(seq: int) -> tuple[float, float]:
            started = time.process_time()
            for s in range(senders):
                lines = b"".join(
                    b"PRIVMSG %s :%d %d 123456789\r\n" % (ROOM.encode(), s, seq + n)
                    for n in range(batch)
                )
                origin.conns[s].data_received(lines)
            origin.turn()
            payload = origin.batch()
            middle = time.process_time()
            peer.take(origin.name, payload)
            return middle - started, time.process_time() - middle

        turn(0)  # warm up
        origin.history.flush()
        before = (origin.bytes_out, peer.bytes_out)
        gc.collect()
        spent = [0.0, 0.0]
        for r in range(rounds):
            a, b = turn((r + 1) * batch)
            spent[0] += a
            spent[1] += b
        flushing = time.process_time()
        origin.history.flush()  # the origin's history writer counts as the origin's
        spent[0] += time.process_time() - flushing
        out = (origin.bytes_out - before[0], peer.bytes_out - before[1])
        origin.history.close()
        peer.history.close()
    loop.close()
    messages = rounds * senders * batch
    return {
        "origin_members": origin_members,
        "peer_members": peer_members,
        "messages": messages,
        "origin_us_per_message": round(spent[0] / messages * 1e6, 2),
        "peer_us_per_message": round(spent[1] / messages * 1e6, 2),
        "bytes_out": out,
    }


def best(runs: int, make: Any) -> dict[str, Any]:
    """The run with the least CPU of `runs` (a busy machine only ever adds to it)."""
    results = [make() for _ in range(runs)]
    key = "us_per_message" if "us_per_message" in results[0] else "origin_us_per_message"
    return min(results, key=lambda r: r[key] + r.get("peer_us_per_message", 0))


def main(runs: int = 3) -> int:
    import json

    print(
        json.dumps(
            {
                "single_200": best(runs, lambda: measure(members=200, rounds=20)),
                "split_100_100": best(runs, lambda: split(100, 100)),
                "peer_without_members": best(runs, lambda: split(200, 0)),
            }
        )
    )
    return 0
