"""What NATS JetStream itself takes on this machine, with nats-py: the cluster's ceiling.

A stream of its own (`BENCH`, file storage, R1 on one server, R3 on three) gets
messages of a cluster batch's sizes, published two ways: one at a time, each
acknowledged before the next (as a node's link publishes its batches), and
pipelined, `window` unacknowledged at once.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import Any

STREAM = "BENCH"
SUBJECT = "bench.rate"
SIZES = (200, 16 * 1024)  # one record; a batch of about a hundred
WINDOW = 256


async def rate(urls: Sequence[str], replicas: int, seconds: float) -> dict[str, Any]:
    """Messages/s and MB/s for each size, one in flight and `WINDOW` in flight."""
    import nats
    from nats.js.api import StorageType

    nc = await nats.connect(servers=list(urls), connect_timeout=5)
    try:
        js = nc.jetstream(timeout=30)  # (a busy machine elects a stream's leader slowly)
        await js.add_stream(
            name=STREAM, subjects=[SUBJECT], num_replicas=replicas, storage=StorageType.FILE
        )
        out: dict[str, Any] = {"replicas": replicas}
        for size in SIZES:
            payload = b"x" * size
            loop = asyncio.get_running_loop()
            count, start = 0, time.perf_counter()
            until = loop.time() + seconds
            while loop.time() < until:
                await js.publish(SUBJECT, payload)
                count += 1
            took = time.perf_counter() - start
            out[f"acked_{size}_per_s"] = round(count / took)
            count, start = 0, time.perf_counter()
            until = loop.time() + seconds
            while loop.time() < until:
                batch = [await js.publish_async(SUBJECT, payload) for _ in range(WINDOW)]
                await asyncio.gather(*batch)
                count += WINDOW
            took = time.perf_counter() - start
            out[f"pipelined_{size}_per_s"] = round(count / took)
            out[f"pipelined_{size}_mb_per_s"] = round(count * size / took / 1e6, 1)
        await js.delete_stream(STREAM)
        return out
    finally:
        await nc.close()
