"""The handshake scenario: new connections registered per second, from several processes.

Each session is a new connection: connect (and the TLS handshake, over TLS),
NICK and USER, wait for 001, QUIT, wait for the server to close. A TLS
handshake costs the client about what it costs the server, so one generator
process would be the limit well before a fast server is: the sessions come
from `processes` processes (one per core the generator may use, unless set),
each keeping `handshake_workers` sessions under way. They start together at
an agreed moment and stop starting new sessions `seconds` later; the server's
CPU is read over the same stretch, so CPU per session holds even where the
generator was the limit.
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import time
from concurrent.futures import ProcessPoolExecutor
from typing import Any

from bench.link import Link, tls_details
from bench.probe import Meter, own_cpu_seconds, raise_nofile
from bench.scenarios import Result, Settings, Target, cpu_per_session

WELCOME = (b" 001 ",)
QUIT_TIMEOUT = 5.0
START_DELAY = 1.0  # seconds from handing out the work to its agreed start
INDEX_STRIDE = 1_000_000  # each process numbers its connections from its own block


def generator_cores() -> int:
    """How many cores this process may run on (what taskset left it)."""
    try:
        return len(os.sched_getaffinity(0))
    except (AttributeError, OSError):
        return os.cpu_count() or 1


async def _sessions(
    target: Target, settings: Settings, process: int, start: float, end: float
) -> dict[str, Any]:
    """One process's share: sessions back to back from its workers, from `start` to `end`."""
    await asyncio.sleep(max(0.0, start - time.monotonic()))
    done = failed = counter = 0
    details: dict[str, str | None] = {}
    letter = chr(ord("a") + process % 26)  # nicks of 9 characters at most (ngircd's limit)

    async def worker() -> None:
        nonlocal done, failed, counter, details
        while time.monotonic() < end:
            counter += 1
            index = process * INDEX_STRIDE + counter
            link: Link | None = None
            try:
                link = await target.open(f"{letter}{counter:x}", index)
                await link.register(until=WELCOME)
                if not details:
                    details = tls_details(link)
                await link.quit(QUIT_TIMEOUT)
                done += 1
            except Exception:  # refused, reset or timed out: counted, and the next goes on
                failed += 1
            finally:
                if link is not None:
                    link.close()

    cpu = own_cpu_seconds()
    await asyncio.gather(*(worker() for _ in range(settings.handshake_workers)))
    return {"sessions": done, "failed": failed, "cpu": own_cpu_seconds() - cpu, **details}


def _process(
    target: Target, settings: Settings, process: int, start: float, end: float
) -> dict[str, Any]:
    from bench.generator import run_loop

    return run_loop(_sessions(target, settings, process, start, end))


async def handshake(target: Target, settings: Settings) -> Result:
    """Sessions/s and the server's CPU per session, with the generator spread over processes."""
    count = settings.processes or generator_cores()
    loop = asyncio.get_running_loop()
    # spawn: a child starts its own event loop, nothing of this one is copied into it
    context = multiprocessing.get_context("spawn")
    with ProcessPoolExecutor(count, mp_context=context, initializer=raise_nofile) as pool:
        await asyncio.gather(*(loop.run_in_executor(pool, own_cpu_seconds) for _ in range(count)))
        start = time.monotonic() + START_DELAY  # the same clock in every process
        end = start + settings.seconds
        jobs = [
            loop.run_in_executor(pool, _process, target, settings, i, start, end)
            for i in range(count)
        ]
        await asyncio.sleep(max(0.0, start - time.monotonic()))
        meter = Meter(target.pid).start()
        parts = await asyncio.gather(*jobs)
        usage = meter.stop()
    done = sum(p["sessions"] for p in parts)
    details = next((p for p in parts if p.get("tls_version") or p.get("tls_cipher")), {})
    return {
        "sessions_per_s": round(done / usage["seconds"]),
        "sessions": done,
        "failed": sum(p["failed"] for p in parts),
        "processes": count,
        "server_cpu_us_per_session": cpu_per_session(usage, done),
        "seconds": usage["seconds"],
        "server_cpu": usage["server_cpu"],
        # all the generator's processes together, in cores (above 1 when spread over several)
        "generator_cpu": sum(p["cpu"] for p in parts) / usage["seconds"],
        "tls_version": details.get("tls_version"),
        "tls_cipher": details.get("tls_cipher"),
    }
