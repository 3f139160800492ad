"""The scenarios (fanout, latency, idle, churn, handshake, scale, announce, history), one server.

Each takes a Target and Settings and returns a flat dict of figures; the
runner adds nothing to them but medians. Loss is counted, never assumed: a
scenario whose messages did not all arrive says how many did not.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import Any

from bench.link import Link, Refused, open_link, tls_details
from bench.probe import Meter, rss_bytes
from bench.traffic import Audit, Traffic

Result = dict[str, Any]
DRAIN_TIMEOUT = 10.0  # seconds to wait for the last messages once senders stop
QUIET = 2.0  # ...or for that long with nothing arriving
# Over TLS a flooding sender writes at most this much at a time (whole lines), so each TLS
# record is about what a client's write holds. A server that reads part of a record and
# waits for the socket to be readable again (ngircd reads 2 KiB at a time) would otherwise
# sit on the rest of a 16 KiB record while the sender waits for its window: a stall.
TLS_PIECE = 1024


@dataclass(frozen=True)
class Target:
    """Where the server listens (over TLS or not), and its process (for RSS and CPU)."""

    host: str
    port: int
    pid: int | None = None
    tls: bool = False

    async def open(self, nick: str, index: int) -> Link:
        """A new link to the server, TLS handshake done when `tls`; not yet registered."""
        return await open_link(self.host, self.port, nick, index, tls=self.tls)


@dataclass(frozen=True)
class Settings:
    """The scenarios' sizes; the defaults are the published benchmark's."""

    clients: int = 200  # fanout and latency: members of the one channel
    senders: int = 4
    window: int = 256  # fanout: messages each sender may have in flight (enough to keep
    # the C servers busy, few enough that kernel buffers do not hide the server's rate);
    # history: lines in flight in all while its channel is filled
    audited: int = 8  # fanout: receivers that check every number (all count lines)
    seconds: float = 5.0  # measured time of fanout, latency, churn, scale and history
    warmup: float = 1.0
    rate: float = 200.0  # latency and scale: messages a second, all senders together
    idle: int = 5000  # idle: connections registered, then joined
    concurrency: int = 10  # idle: connections registering at a time while timed...
    timed: int = 2000  # ...for this many connections, or `timed_seconds`, whichever is first
    timed_seconds: float = 10.0
    bulk: int = 200  # connections registering at a time when only holding them matters...
    opening: int = 50  # ...of which at most this many being accepted
    churn_workers: int = 50
    churn_channels: int = 10  # the workers join these in turn: a few others see each come and go
    scale: int = 15000  # scale: connections held
    scale_room: int = 100  # scale: of which in the talking channel
    history_lines: int = 30000  # history: lines said in its channel before it is read...
    history_bytes: int = 200  # ...of about this many bytes of text each...
    history_fillers: int = 4  # ...by this many clients
    readers: int = 2  # history: clients asking for 100 old lines at a time...
    reader_window: int = 4  # ...each with this many CHATHISTORY queries in flight
    ping_interval: float = 0.01  # history: the pinger's pause between round trips
    processes: int = 0  # handshake: generator processes (0: one per core it may use)...
    handshake_workers: int = 25  # ...each with this many sessions under way at a time
    announce_members: int = 5000  # announce: members of the one channel...
    announce_rate: float = 20.0  # ...one of whom says this many lines a second...
    announce_seconds: float = 10.0  # ...for this long


# -- helpers ---------------------------------------------------------------------


async def in_parallel(
    count: int, workers: int, job: Callable[[int], Awaitable[None]], until: float | None = None
) -> None:
    """Run job(0..count-1), at most `workers` at a time; none is started after `until`."""
    next_index = 0
    loop = asyncio.get_running_loop()

    async def worker() -> None:
        nonlocal next_index
        while next_index < count and (until is None or loop.time() < until):
            index = next_index
            next_index += 1
            await job(index)

    await asyncio.gather(*(worker() for _ in range(min(workers, count))))


async def connect_many(
    target: Target,
    prefix: str,
    count: int,
    workers: int,
    first: int = 0,
    limit: float | None = None,
    opening: int | None = None,
    strict: bool = True,
) -> tuple[list[Link], float]:
    """`count` registered links (fewer if `limit` seconds ran out) and the seconds it took.

    With `opening`, at most that many connections are being accepted at a time (each
    is open once the server answered a PING), however many are registering: a server
    with a short listen backlog (ngircd) is not handed more than it can take. Unless
    `strict`, a connection the server refuses or drops is left out, not raised.
    """
    links: list[Link | None] = [None] * count
    accepting = asyncio.Semaphore(opening or workers)

    async def one(index: int) -> None:
        try:
            async with accepting:
                link = await target.open(f"{prefix}{first + index}", first + index)
                links[index] = link
                if opening is not None:
                    await link.knock()
            await link.register()
        except (OSError, Refused):
            if strict:
                raise
            dropped = links[index]
            links[index] = None
            if dropped is not None:
                dropped.close()

    started = time.perf_counter()
    until = None if limit is None else asyncio.get_running_loop().time() + limit
    try:
        await in_parallel(count, workers, one, until)
    except BaseException:
        close_all([x for x in links if x is not None])
        raise
    return [x for x in links if x is not None], time.perf_counter() - started


async def join_all(links: list[Link], channel: str, workers: int, strict: bool = True) -> int:
    """Join every link to `channel`; returns how many could not (raises if `strict`)."""
    failed = 0

    async def one(index: int) -> None:
        nonlocal failed
        try:
            await links[index].join(channel)
        except Refused:
            if strict:
                raise
            failed += 1

    await in_parallel(len(links), workers, one)
    return failed


async def settle(links: list[Link]) -> None:
    """Wait until everything the server sent so far has arrived, then zero the counts."""
    open_links = [link for link in links if not link.closed.done()]
    await asyncio.gather(*(link.sync() for link in open_links), return_exceptions=True)
    for link in links:
        link.lines = 0


def close_all(links: list[Link]) -> None:
    for link in links:
        link.close()


async def drain(links: list[Link], expected: int) -> int:
    """Wait until `expected` lines in all arrived, or nothing more comes; returns the count."""
    loop = asyncio.get_running_loop()
    start = last_change = loop.time()
    last = -1
    while True:
        received = sum(link.lines for link in links)
        now = loop.time()
        if received >= expected or now - start > DRAIN_TIMEOUT:
            return received
        if received != last:
            last, last_change = received, now
        elif now - last_change > QUIET:
            return received
        await asyncio.sleep(0.05)


def percentiles(samples: list[int]) -> Result:
    """p50/p90/p99/max of microsecond samples, in milliseconds."""
    if not samples:
        return {"p50_ms": None, "p90_ms": None, "p99_ms": None, "max_ms": None}
    ordered = sorted(samples)
    n = len(ordered)

    def at(q: float) -> float:
        return round(ordered[min(n - 1, int(q * n))] / 1000, 3)

    return {"p50_ms": at(0.50), "p90_ms": at(0.90), "p99_ms": at(0.99), "max_ms": at(1.0)}


def delivery_check(
    links: list[Link], traffic: Traffic, received: int, audits: list[Audit]
) -> Result:
    """Lost, extra and out-of-order deliveries: every message goes to all but its sender."""
    expected = (len(links) - 1) * traffic.total_sent
    return {
        "messages": traffic.total_sent,
        "deliveries": received,
        "lost": max(0, expected - received),
        "extra": max(0, received - expected),
        "audited": sum(a.seen for a in audits),
        "audit_gaps": sum(a.gaps for a in audits),
        "audit_disorder": sum(a.disorder for a in audits),
    }


async def room(target: Target, settings: Settings, prefix: str, channel: str) -> list[Link]:
    links, _ = await connect_many(
        target, prefix, settings.clients, settings.bulk, opening=settings.opening
    )
    try:
        await join_all(links, channel, 20)
        await settle(links)
    except BaseException:
        close_all(links)
        raise
    return links


# -- the scenarios -------------------------------------------------------------------


async def fanout(target: Target, settings: Settings) -> Result:
    """N clients in one channel, S of them sending as fast as the server takes."""
    links = await room(target, settings, "f", "#fanout")
    try:
        piece = TLS_PIECE if target.tls else None
        traffic = Traffic(links[: settings.senders], "#fanout", settings.window, piece)
        audits = []
        for i, link in enumerate(links[settings.senders : settings.senders + settings.audited]):
            audit = Audit(settings.senders, traffic if i == 0 else None, None)
            link.on_lines = audit.feed
            audits.append(audit)
        traffic.start_flood()
        await asyncio.sleep(settings.warmup)
        before = sum(link.lines for link in links)
        meter = Meter(target.pid).start()
        await asyncio.sleep(settings.seconds)
        during = sum(link.lines for link in links) - before
        usage = meter.stop()
        await traffic.stop()
        received = await drain(links, (len(links) - 1) * traffic.total_sent)
        result = {"deliveries_per_s": round(during / usage["seconds"]), **usage}
        result.update(delivery_check(links, traffic, received, audits))
        result.update(tls_details(links[-1]))
        return result
    finally:
        close_all(links)


async def latency(target: Target, settings: Settings) -> Result:
    """The same room at a fixed rate; every receiver times every message."""
    links = await room(target, settings, "l", "#latency")
    try:
        traffic = Traffic(links[: settings.senders], "#latency", settings.window)
        samples: list[int] = []
        audits = [Audit(settings.senders, None, samples) for _ in links]
        for link, audit in zip(links, audits, strict=True):
            link.on_lines = audit.feed
        meter = Meter(target.pid).start()
        traffic.start_paced(settings.rate)
        await asyncio.sleep(settings.seconds)
        await traffic.stop()
        received = await drain(links, (len(links) - 1) * traffic.total_sent)
        result = {**percentiles(samples), **meter.stop()}
        result.update(delivery_check(links, traffic, received, audits))
        return result
    finally:
        close_all(links)


async def idle(target: Target, settings: Settings) -> Result:
    """RSS per connection once registered and once all joined one channel; registrations/s."""
    pid = target.pid
    await asyncio.sleep(0.5)
    baseline = rss_bytes(pid) if pid else None
    # Registrations/s with `concurrency` at a time, over the first `timed` (or as many as
    # `timed_seconds` allow: a server may hold each registration for a while); the rest
    # connect `bulk` at a time, as only what they hold matters then.
    wanted = min(settings.timed, settings.idle)
    meter = Meter(target.pid).start()
    links, seconds = await connect_many(
        target, "i", wanted, settings.concurrency, limit=settings.timed_seconds
    )
    usage = meter.stop()
    timed = len(links)
    rest, _ = await connect_many(
        target, "i", settings.idle - timed, settings.bulk, first=timed, opening=settings.opening
    )
    links += rest
    try:
        await settle(links)
        await asyncio.sleep(1.0)
        registered = rss_bytes(pid) if pid else None
        started = time.perf_counter()
        join_failed = await join_all(links, "#idle", settings.concurrency, strict=False)
        join_seconds = time.perf_counter() - started
        await settle(links)
        await asyncio.sleep(1.0)
        joined = rss_bytes(pid) if pid else None
        held = sum(1 for link in links if not link.closed.done())
    finally:
        close_all(links)

    def per_connection(rss: int | None) -> float | None:
        if rss is None or baseline is None:
            return None
        return round((rss - baseline) / settings.idle / 1024, 2)

    return {
        "connections": settings.idle,
        "held": held,
        "registrations_per_s": round(timed / seconds),
        "registration_server_cpu": usage["server_cpu"],
        "registration_generator_cpu": usage["generator_cpu"],
        "joins_per_s": round(settings.idle / join_seconds),
        "join_failed": join_failed,
        "rss_baseline_mb": None if baseline is None else round(baseline / 2**20, 1),
        "kb_per_registered": per_connection(registered),
        "kb_per_joined": per_connection(joined),
    }


async def churn(target: Target, settings: Settings) -> Result:
    """Connect, register, join, quit, over and over from many workers; sessions/s."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + settings.seconds
    done = 0
    failed = 0
    counter = 0

    async def worker(worker_id: int) -> None:
        nonlocal done, failed, counter
        while loop.time() < deadline:
            counter += 1
            index = counter
            link = None
            try:
                link = await target.open(f"c{index}", index)
                await link.register()
                await link.join(f"#churn{worker_id % settings.churn_channels}")
                await link.quit(5.0)
                done += 1
            except Exception:  # refused, reset or timed out: counted, and the next goes on
                failed += 1
            finally:
                if link is not None:
                    link.close()

    meter = Meter(target.pid).start()
    await asyncio.gather(*(worker(i) for i in range(settings.churn_workers)))
    usage = meter.stop()
    return {
        "sessions_per_s": round(done / usage["seconds"]),
        "sessions": done,
        "failed": failed,
        "server_cpu_us_per_session": cpu_per_session(usage, done),
        **usage,
    }


def cpu_per_session(usage: Result, sessions: int) -> float | None:
    """The server's CPU time per completed session, in microseconds (None without its pid)."""
    share = usage.get("server_cpu")
    if share is None or not sessions:
        return None
    return round(float(share) * float(usage["seconds"]) / sessions * 1e6, 1)


async def scale(target: Target, settings: Settings) -> Result:
    """Many connections held while a room within them talks at a fixed rate."""
    pid = target.pid
    baseline = rss_bytes(pid) if pid else None
    links, seconds = await connect_many(
        target, "s", settings.scale, settings.bulk, opening=settings.opening, strict=False
    )
    try:
        talkers = links[: settings.scale_room]
        await join_all(talkers, "#scale", 20)
        await settle(talkers)
        traffic = Traffic(talkers[: settings.senders], "#scale", settings.window)
        samples: list[int] = []
        audits = [Audit(settings.senders, None, samples) for _ in talkers]
        for link, audit in zip(talkers, audits, strict=True):
            link.on_lines = audit.feed
        meter = Meter(pid).start()
        traffic.start_paced(settings.rate)
        await asyncio.sleep(settings.seconds)
        await traffic.stop()
        received = await drain(talkers, (len(talkers) - 1) * traffic.total_sent)
        usage = meter.stop()
        rss = rss_bytes(pid) if pid else None
        held = sum(1 for link in links if not link.closed.done())
        result = {
            "connections": settings.scale,
            "connect_failed": settings.scale - len(links),  # refused or dropped while opening
            "held": held,
            "connects_per_s": round(settings.scale / seconds),
            "rss_mb": None if rss is None else round(rss / 2**20, 1),
            "kb_per_connection": None
            if rss is None or baseline is None
            else round((rss - baseline) / settings.scale / 1024, 2),
            **percentiles(samples),
            **usage,
        }
        result.update(delivery_check(talkers, traffic, received, audits))
        return result
    finally:
        close_all(links)


async def handshake(target: Target, settings: Settings) -> Result:
    """New connections registered per second, from several processes: bench/sessions.py."""
    from bench.sessions import handshake as run

    return await run(target, settings)


async def announce(target: Target, settings: Settings) -> Result:
    """A big channel with a few lines a second: time to its last member, bench/announce.py."""
    from bench.announce import announce as run

    return await run(target, settings)


async def history(target: Target, settings: Settings) -> Result:
    """CHATHISTORY readers and a pinger (servers with draft/chathistory only): bench/history.py."""
    from bench.history import history as run  # (it uses the helpers above)

    return await run(target, settings)


SCENARIOS: dict[str, Callable[[Target, Settings], Coroutine[Any, Any, Result]]] = {
    "fanout": fanout,
    "latency": latency,
    "churn": churn,
    "handshake": handshake,
    "scale": scale,
    "announce": announce,
    "history": history,
    "idle": idle,  # last: with thousands in one channel, the slowest to run
}
