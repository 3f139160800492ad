"""Numbered channel messages: sending them within a window, and checking them on arrival.

Every message is `PRIVMSG <channel> :<sender> <seq> <microseconds>`: the
sender's number, its own running count from 1, and when it was sent. A
receiver that audits matches each line with one regex and counts, per sender,
the numbers skipped (lost) and those that came again or out of order; every
receiver counts its lines, which the scenario checks against what was sent.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Sequence

from bench.link import Link

MESSAGE = re.compile(rb"PRIVMSG [^ ]+ :(\d+) (\d+) (\d+)\r?\n")


def now_us() -> int:
    return time.monotonic_ns() // 1000


class Audit:
    """Per-sender sequence checks for the lines one receiver got."""

    __slots__ = ("disorder", "gaps", "last", "latencies", "seen", "traffic")

    def __init__(self, senders: int, traffic: Traffic | None, latencies: list[int] | None) -> None:
        self.last = [0] * senders
        self.gaps = 0  # numbers skipped: lost on the way
        self.disorder = 0  # numbers at or below the last one seen: duplicated or reordered
        self.seen = 0
        self.traffic = traffic  # the receiver whose arrivals open the senders' window
        self.latencies = latencies

    def feed(self, buf: bytes, end: int) -> None:
        last = self.last
        arrived = now_us() if self.latencies is not None else 0
        for match in MESSAGE.finditer(buf, 0, end):
            sender = int(match.group(1))
            seq = int(match.group(2))
            expected = last[sender] + 1
            if seq == expected:
                last[sender] = seq
            elif seq > expected:
                self.gaps += seq - expected
                last[sender] = seq
            else:
                self.disorder += 1
            self.seen += 1
            if self.latencies is not None:
                self.latencies.append(arrived - int(match.group(3)))
        if self.traffic is not None:
            self.traffic.acknowledge(last)


class Traffic:
    """Senders that keep at most `window` messages each in flight to the ack receiver."""

    def __init__(
        self, senders: Sequence[Link], channel: str, window: int, piece: int | None = None
    ) -> None:
        self.links = list(senders)
        self.piece = piece  # bytes a write may hold at most (whole lines), None: no bound
        self.stamps: list[int] | None = None  # paced: when each line was sent, if a list
        self.channel = channel.encode()
        self.window = window
        self.sent = [0] * len(senders)
        self.acked = [0] * len(senders)
        self._wake = [asyncio.Event() for _ in senders]
        self._running = False
        self._tasks: list[asyncio.Task[None]] = []

    def acknowledge(self, last: list[int]) -> None:
        """The ack receiver saw these numbers: open the window of senders that wait."""
        half = self.window // 2
        for index, seq in enumerate(last):
            if seq > self.acked[index]:
                self.acked[index] = seq
                if self.sent[index] - seq <= half:
                    self._wake[index].set()

    def line(self, sender: int, seq: int, stamp: int) -> bytes:
        return b"PRIVMSG %s :%d %d %d\r\n" % (self.channel, sender, seq, stamp)

    # -- as fast as the server takes them --------------------------------------

    def start_flood(self) -> None:
        self._running = True
        self._tasks = [asyncio.create_task(self._pump(i)) for i in range(len(self.links))]

    async def _pump(self, index: int) -> None:
        link, wake = self.links[index], self._wake[index]
        window = self.window
        while self._running:
            room = self.acked[index] + window - self.sent[index]
            if room <= window // 2:
                wake.clear()
                await wake.wait()
                continue
            first = self.sent[index] + 1
            stamp = now_us()
            lines = [self.line(index, n, stamp) for n in range(first, first + room)]
            if self.piece is None:
                link.send(b"".join(lines))
            else:
                per_piece = max(1, self.piece // len(lines[-1]))
                for start in range(0, len(lines), per_piece):
                    link.send(b"".join(lines[start : start + per_piece]))
            self.sent[index] += room

    # -- at a fixed rate ---------------------------------------------------------

    def start_paced(self, rate: float) -> None:
        self._running = True
        self._tasks = [asyncio.create_task(self._paced(rate))]

    async def _paced(self, rate: float) -> None:
        """`rate` messages a second in all, the senders taking turns."""
        loop = asyncio.get_running_loop()
        start = loop.time()
        count = len(self.links)
        k = 0
        while self._running:
            due = start + k / rate
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            index = k % count
            self.sent[index] += 1
            stamp = now_us()
            if self.stamps is not None:
                self.stamps.append(stamp)
            self.links[index].send(self.line(index, self.sent[index], stamp))
            k += 1

    async def stop(self) -> None:
        self._running = False
        for wake in self._wake:
            wake.set()
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    @property
    def total_sent(self) -> int:
        return sum(self.sent)
