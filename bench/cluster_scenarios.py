"""The cluster's scenarios: the generator's clients spread over several servers.

Each takes the Targets of a cluster's nodes (or the one Target of a single
server, for the comparison in the same run) and Settings, and returns a flat
dict of figures, as the scenarios of bench/scenarios.py do, whose helpers
these use. Clients are dealt out to the nodes in turn: client i on node i % n.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from bench.link import Link
from bench.probe import Meter, cpu_seconds, rss_bytes
from bench.scenarios import (
    Result,
    Settings,
    Target,
    close_all,
    connect_many,
    delivery_check,
    drain,
    in_parallel,
    join_all,
    percentiles,
    settle,
)
from bench.traffic import Audit, Traffic

ROOM = 10  # memory: users to a channel (a million in 100,000 channels)
CONVERGE_TIMEOUT = 60.0  # seconds for every node to see every member of a room
NICK_TOKENS = (b" NICK ", b" 432 ", b" 433 ", b" 436 ", b" 437 ")
_NAMES = re.compile(rb" 353 [^ ]+ [=*@] [^ ]+ :([^\r\n]*)")


class Processes:
    """The CPU each process of a run used over a stretch: nodes, NATS servers."""

    def __init__(self, pids: dict[str, int]) -> None:
        self.pids = pids
        self.start: dict[str, float | None] = {}
        self.wall = 0.0

    def begin(self) -> Processes:
        self.wall = time.perf_counter()
        self.start = {name: cpu_seconds(pid) for name, pid in self.pids.items()}
        return self

    def shares(self) -> Result:
        """`cpu_<name>`: the share of one core each used since `begin`."""
        wall = time.perf_counter() - self.wall
        out: Result = {}
        for name, pid in self.pids.items():
            now, then = cpu_seconds(pid), self.start.get(name)
            out[f"cpu_{name}"] = None if now is None or then is None else (now - then) / wall
        return out


def cpu_per_message(shares: Result, rate: float) -> float | None:
    """The CPU all Parley processes together spent per channel message, in µs."""
    used = [v for k, v in shares.items() if not k.startswith("cpu_nats") and v is not None]
    return round(sum(used) / rate * 1e6, 1) if used and rate else None


def deal(targets: Sequence[Target], links: Sequence[Link]) -> list[list[Link]]:
    """The links of each target, in the order they were dealt out (i % n)."""
    n = len(targets)
    return [list(links[i::n]) for i in range(n)]


async def connect_spread(
    targets: Sequence[Target], prefix: str, count: int, workers: int, opening: int | None = None
) -> tuple[list[Link], float]:
    """`count` registered links, link i on node i % n (`workers` at a time in all)."""
    n = len(targets)
    shares = [len(range(i, count, n)) for i in range(n)]
    each = None if opening is None else max(1, opening // n)
    started = time.perf_counter()
    parts = await asyncio.gather(
        *(
            connect_many(t, f"{prefix}{i}x", shares[i], max(1, workers // n), opening=each)
            for i, t in enumerate(targets)
        ),
        return_exceptions=True,
    )
    seconds = time.perf_counter() - started
    failed = [p for p in parts if isinstance(p, BaseException)]
    if failed:
        for part in parts:
            if not isinstance(part, BaseException):
                close_all(part[0])
        raise failed[0]
    per_node = [p[0] for p in parts if not isinstance(p, BaseException)]
    links = [per_node[i % n][i // n] for i in range(sum(len(p) for p in per_node))]
    return links, seconds


async def names(link: Link, channel: str) -> int:
    """How many members the link's server lists in `channel` (NAMES)."""
    seen: list[bytes] = []
    sink = link.on_lines

    def collect(buf: bytes, end: int) -> None:
        seen.extend(_NAMES.findall(buf, 0, end))

    link.on_lines = collect
    try:
        done = link.expect(b" 366 ")
        link.send(b"NAMES %s\r\n" % channel.encode())
        await asyncio.wait_for(done, CONVERGE_TIMEOUT)
    finally:
        link.on_lines = sink
    return sum(len(part.split()) for part in seen)


async def converge(probes: Sequence[Link], channel: str, members: int) -> None:
    """Wait until every probe's node lists `members` in `channel` (joins cross over NATS)."""
    deadline = time.monotonic() + CONVERGE_TIMEOUT
    for probe in probes:
        while await names(probe, channel) < members:
            if time.monotonic() > deadline:
                raise TimeoutError(f"{channel}: the nodes did not agree on its members")
            await asyncio.sleep(0.1)  # (polling the nodes' member lists)


async def spread_room(
    targets: Sequence[Target], settings: Settings, prefix: str, channel: str
) -> list[Link]:
    """`clients` links dealt out over the nodes, all in `channel`, every node agreeing."""
    links, _ = await connect_spread(
        targets, prefix, settings.clients, settings.bulk, opening=settings.opening
    )
    try:
        probes = [side[0] for side in deal(targets, links)]
        await links[0].join(channel)  # one node makes the channel, the others learn of it
        await converge(probes, channel, 1)
        await join_all(links[1:], channel, 20)
        await converge(probes, channel, len(links))
        await settle(links)
    except BaseException:
        close_all(links)
        raise
    return links


class Slowest(Traffic):
    """Traffic whose window reopens as the slowest of its ack receivers (one per node) sees
    the messages: a node behind the others holds the senders back, nothing piles up."""

    def __init__(self, senders: Sequence[Link], channel: str, window: int) -> None:
        super().__init__(senders, channel, window)
        self.receivers: list[list[int]] = []

    def acknowledge(self, last: list[int]) -> None:
        if len(self.receivers) > 1:
            last = [min(seen) for seen in zip(*self.receivers, strict=True)]
        super().acknowledge(last)


# -- the scenarios -------------------------------------------------------------------


async def fanout(targets: Sequence[Target], settings: Settings, pids: dict[str, int]) -> Result:
    """One room split over the nodes, senders on every node, as fast as all take it."""
    links = await spread_room(targets, settings, "f", "#fanout")
    try:
        senders = links[: settings.senders]  # (dealt out: on every node in turn)
        traffic = Slowest(senders, "#fanout", settings.window)
        audits = []
        audited = links[settings.senders : settings.senders + max(settings.audited, len(targets))]
        for i, link in enumerate(audited):
            acks = traffic if i < len(targets) else None  # the first on each node
            audit = Audit(settings.senders, acks, None)
            if acks is not None:
                traffic.receivers.append(audit.last)
            link.on_lines = audit.feed
            audits.append(audit)
        traffic.start_flood()
        await asyncio.sleep(settings.warmup)
        before = sum(link.lines for link in links)
        meter, cpu = Meter(targets[0].pid).start(), Processes(pids).begin()
        await asyncio.sleep(settings.seconds)
        during = sum(link.lines for link in links) - before
        usage, shares = meter.stop(), cpu.shares()
        await traffic.stop()
        received = await drain(links, (len(links) - 1) * traffic.total_sent)
        result = {"deliveries_per_s": round(during / usage["seconds"]), **usage, **shares}
        result["servers_cpu_us_per_message"] = cpu_per_message(
            shares, during / (len(links) - 1) / usage["seconds"]
        )
        result.update(delivery_check(links, traffic, received, audits))
        return result
    finally:
        close_all(links)


async def latency(targets: Sequence[Target], settings: Settings, pids: dict[str, int]) -> Result:
    """The room at a fixed rate, senders on the first node: each delivery timed, apart for
    receivers on the senders' node (`same_*`) and on another (`other_*`)."""
    links = await spread_room(targets, settings, "l", "#latency")
    try:
        sides = deal(targets, links)
        traffic = Traffic(sides[0][: settings.senders], "#latency", settings.window)
        same: list[int] = []
        other: list[int] = []
        audits = []
        for index, side in enumerate(sides):
            for link in side:
                audit = Audit(settings.senders, None, same if index == 0 else other)
                link.on_lines = audit.feed
                audits.append(audit)
        meter, cpu = Meter(targets[0].pid).start(), Processes(pids).begin()
        traffic.start_paced(settings.rate)
        await asyncio.sleep(settings.seconds)
        await traffic.stop()
        received = await drain(links, (len(links) - 1) * traffic.total_sent)
        result: Result = {
            **{f"same_{k}": v for k, v in percentiles(same).items()},
            **{f"other_{k}": v for k, v in percentiles(other).items()},
            **meter.stop(),
            **cpu.shares(),
        }
        result.update(delivery_check(links, traffic, received, audits))
        return result
    finally:
        close_all(links)


async def registrations(
    targets: Sequence[Target], settings: Settings, pids: dict[str, int]
) -> Result:
    """`timed` registrations, `concurrency` at a time in all, dealt out over the nodes."""
    meter, cpu = Meter(targets[0].pid).start(), Processes(pids).begin()
    links, seconds = await connect_spread(targets, "r", settings.timed, settings.concurrency)
    usage, shares = meter.stop(), cpu.shares()
    close_all(links)
    return {
        "registrations": len(links),
        "registrations_per_s": round(len(links) / seconds),
        "seconds": seconds,
        "generator_cpu": usage["generator_cpu"],
        **shares,
    }


async def nicks(targets: Sequence[Target], settings: Settings, pids: dict[str, int]) -> Result:
    """`concurrency` clients (dealt out over the nodes) each changing its nick to a new one,
    one change after the other, for `seconds`: nick claims/s through the cluster."""
    links, _ = await connect_spread(targets, "k", settings.concurrency, settings.concurrency)
    done = refused = 0
    loop = asyncio.get_running_loop()

    async def worker(index: int) -> None:
        nonlocal done, refused
        link, turn = links[index], 0
        while loop.time() < deadline:
            turn += 1
            answer = link.expect(*NICK_TOKENS)
            link.send(b"NICK k%dy%d\r\n" % (index, turn))
            token = await asyncio.wait_for(answer, CONVERGE_TIMEOUT)
            if token == b" NICK ":
                done += 1
            else:
                refused += 1

    try:
        meter, cpu = Meter(targets[0].pid).start(), Processes(pids).begin()
        deadline = loop.time() + settings.seconds
        await asyncio.gather(*(worker(i) for i in range(len(links))))
        usage, shares = meter.stop(), cpu.shares()
    finally:
        close_all(links)
    return {
        "nick_changes": done,
        "nick_changes_per_s": round(done / usage["seconds"]),
        "refused": refused,
        "generator_cpu": usage["generator_cpu"],
        **shares,
    }


async def memory(targets: Sequence[Target], settings: Settings, pids: dict[str, int]) -> Result:
    """`idle` users on the first node, ten to a channel: the RSS each costs the node they
    are on (`local_kb_per_user`) and every other node, which holds them too (`remote_`)."""
    await asyncio.sleep(0.5)
    before = [rss_bytes(t.pid) if t.pid else None for t in targets]
    links, _ = await connect_many(
        targets[0], "m", settings.idle, settings.bulk, opening=settings.opening
    )
    probes: list[Link] = []
    try:
        await in_parallel(
            len(links), settings.concurrency, lambda i: links[i].join(f"#m{i // ROOM}")
        )
        if len(targets) > 1:  # the last join is the last in the stream: all came before it
            await links[0].join("#mend")
            probes, _ = await connect_spread(targets[1:], "mp", len(targets) - 1, 1)
            await converge(probes, "#mend", 1)
        await settle(links)
        await asyncio.sleep(1.0)
        after = [rss_bytes(t.pid) if t.pid else None for t in targets]
    finally:
        close_all(links + probes)

    def per_user(i: int) -> float | None:
        old, new = (before[i], after[i]) if i < len(targets) else (None, None)
        if old is None or new is None:
            return None
        return round((new - old) / len(links) / 1024, 2)

    return {
        "users": len(links),
        "channels": (len(links) + ROOM - 1) // ROOM,
        "local_kb_per_user": per_user(0),
        "remote_kb_per_user": per_user(1),
        "rss_mb": [None if r is None else round(r / 2**20, 1) for r in after],
    }


Scenario = Callable[[Sequence[Target], Settings, dict[str, int]], Coroutine[Any, Any, Result]]
CLUSTER_SCENARIOS: dict[str, Scenario] = {
    "fanout": fanout,
    "latency": latency,
    "registrations": registrations,
    "nicks": nicks,
    "memory": memory,
}
