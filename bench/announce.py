"""The announcement channel: a big channel, a few lines a second, and its last member.

`announce_members` clients join one channel; one of them says
`announce_rate` numbered lines a second for `announce_seconds`. Every member
notes when each line reached it; for each line the figure is the time until
the last member had it, and the scenario reports the percentiles of those
over all lines, how many deliveries were lost, and how many members got every
line ("served").
"""

from __future__ import annotations

import asyncio

from bench.link import Link
from bench.probe import Meter
from bench.scenarios import (
    Result,
    Settings,
    Target,
    close_all,
    connect_many,
    drain,
    join_all,
    percentiles,
    settle,
)
from bench.traffic import MESSAGE, Traffic, now_us

CHANNEL = "#announce"
JOINING = 20  # joins under way at a time


class Arrivals:
    """For each line (by its number): how many members had it, and the slowest of them."""

    __slots__ = ("got", "worst")

    def __init__(self, capacity: int) -> None:
        self.got = [0] * capacity
        self.worst = [0] * capacity

    def sink(self) -> Member:
        return Member(self)


class Member:
    """One member's receiver: counts its lines and records their arrival in Arrivals."""

    __slots__ = ("arrivals", "seen")

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.seen = 0

    def feed(self, buf: bytes, end: int) -> None:
        arrived = now_us()
        got, worst = self.arrivals.got, self.arrivals.worst
        for match in MESSAGE.finditer(buf, 0, end):
            seq = int(match.group(2))
            if seq >= len(got):
                continue
            late = arrived - int(match.group(3))
            got[seq] += 1
            if late > worst[seq]:
                worst[seq] = late
            self.seen += 1


async def announce(target: Target, settings: Settings) -> Result:
    members = settings.announce_members
    links, _ = await connect_many(target, "a", members, settings.bulk, opening=settings.opening)
    try:
        await join_all(links, CHANNEL, JOINING)
        await settle(links)
        return await _talk(target, settings, links)
    finally:
        close_all(links)


async def _talk(target: Target, settings: Settings, links: list[Link]) -> Result:
    arrivals = Arrivals(int(settings.announce_rate * settings.announce_seconds) * 2 + 16)
    receivers = links[1:]
    sinks = [arrivals.sink() for _ in receivers]
    for link, sink in zip(receivers, sinks, strict=True):
        link.on_lines = sink.feed
    traffic = Traffic(links[:1], CHANNEL, settings.window)
    meter = Meter(target.pid).start()
    traffic.start_paced(settings.announce_rate)
    await asyncio.sleep(settings.announce_seconds)
    await traffic.stop()
    sent = min(traffic.total_sent, len(arrivals.got) - 1)
    received = await drain(receivers, len(receivers) * sent)
    usage = meter.stop()
    complete = [arrivals.worst[n] for n in range(1, sent + 1) if arrivals.got[n] == len(receivers)]
    expected = len(receivers) * sent
    return {
        "members": len(links),
        "messages": sent,
        "deliveries": received,
        "lost": max(0, expected - received),
        "extra": max(0, received - expected),
        "served": sum(1 for sink in sinks if sink.seen == sent),
        "receivers": len(receivers),
        "messages_to_all": len(complete),
        **percentiles(complete),  # per line: until its last member had it
        **usage,
    }
