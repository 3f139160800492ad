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
import gc

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
from bench.traffic import Traffic, now_us

CHANNEL = "#announce"
JOINING = 20  # joins under way at a time
SENDER = b" :0 "  # the one sender's number, as its lines carry it


class Arrivals:
    """For each line (by its number): when it was sent, how many members had it, the slowest."""

    __slots__ = ("got", "sent", "worst")

    def __init__(self, capacity: int) -> None:
        self.got = [0] * capacity
        self.worst = [0] * capacity
        self.sent = [0]  # the sender's stamps, line 1 first (Traffic.stamps)


class Member:
    """One member's receiver: its lines are the sender's, one after another, so the n-th
    line it gets is line n. It counts them, timing each against its send stamp, and
    checks the number of the last line of each chunk (`mismatched` if it is not n)."""

    __slots__ = ("arrivals", "mismatched", "seen")

    def __init__(self, arrivals: Arrivals) -> None:
        self.arrivals = arrivals
        self.seen = 0
        self.mismatched = 0

    def feed(self, buf: bytes, end: int) -> None:
        arrived = now_us()
        first = self.seen + 1
        self.seen += buf.count(b"\n", 0, end)
        arrivals = self.arrivals
        got, worst, sent = arrivals.got, arrivals.worst, arrivals.sent
        for seq in range(first, min(self.seen + 1, len(sent), len(got))):
            got[seq] += 1
            late = arrived - sent[seq]
            if late > worst[seq]:
                worst[seq] = late
        at = buf.rfind(SENDER, 0, end) + len(SENDER)  # ":0 <seq> <stamp>" of the last line
        if at < len(SENDER) or buf[at : buf.find(b" ", at)] != b"%d" % self.seen:
            self.mismatched += 1


async def announce(target: Target, settings: Settings) -> Result:
    """Fill the channel, then let its first member talk while all the others listen."""
    members = settings.announce_members
    links, _ = await connect_many(target, "a", members, settings.bulk, opening=settings.opening)
    try:
        await join_all(links, CHANNEL, JOINING)
        await settle(links)
        return await _talk(target, settings, links)
    finally:
        close_all(links)


async def _talk(target: Target, settings: Settings, links: list[Link]) -> Result:
    """The measured part: lines at a fixed rate, each timed until its last member had it."""
    arrivals = Arrivals(int(settings.announce_rate * settings.announce_seconds) * 2 + 16)
    receivers = links[1:]
    sinks = [Member(arrivals) for _ in receivers]
    for link, sink in zip(receivers, sinks, strict=True):
        link.on_lines = sink.feed
    traffic = Traffic(links[:1], CHANNEL, settings.window)
    traffic.stamps = arrivals.sent
    gc.collect()
    gc.freeze()  # thousands of links: no collector pass stalls the receivers meanwhile
    try:
        meter = Meter(target.pid).start()
        traffic.start_paced(settings.announce_rate)
        await asyncio.sleep(settings.announce_seconds)
        await traffic.stop()
        sent = min(traffic.total_sent, len(arrivals.got) - 1)
        received = await drain(receivers, len(receivers) * sent)
        usage = meter.stop()
    finally:
        gc.unfreeze()
    complete = [arrivals.worst[n] for n in range(1, sent + 1) if arrivals.got[n] == len(receivers)]
    expected = len(receivers) * sent
    return {
        "members": len(links),
        "messages": sent,
        "deliveries": received,
        "lost": max(0, expected - received),
        "extra": max(0, received - expected),
        "served": sum(1 for sink in sinks if sink.seen == sent),
        "mismatched": sum(sink.mismatched for sink in sinks),
        "receivers": len(receivers),
        "messages_to_all": len(complete),
        **percentiles(complete),  # per line: until its last member had it
        **usage,
    }
