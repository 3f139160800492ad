"""The history scenario: does reading a long channel history hold up everyone else?

A channel's history is filled through IRC first (a few clients talk into it with
lines of about `history_bytes`, until CHATHISTORY LATEST returns the last one).
Then a pinger times PING round trips on its own connection, first alone
(`warmup` seconds: the quiet figures) and then for `seconds` while readers keep
`reader_window` CHATHISTORY BEFORE queries of 100 lines each in flight, each
query reaching back to another point of the history. A server that reads its
history on the event loop makes the pinger wait behind every query.

Only servers offering `draft/chathistory` in CAP LS can be asked; for the others
the scenario says so and reports no figures (the C servers have no history).
"""

from __future__ import annotations

import asyncio
import secrets
import time

from bench.link import Link, Refused
from bench.probe import Meter
from bench.scenarios import Result, Settings, Target, close_all, connect_many, percentiles, settle

CHANNEL = "#history"
CAPABILITY = b"draft/chathistory"
WANTED_CAPS = b"batch server-time message-tags draft/chathistory"
PAGE = 100  # lines a query asks for (the most a server is bound to give, by the spec)
CAP_TIMEOUT = 5.0  # seconds a server may take to list its capabilities
STORED_TIMEOUT = 120.0  # ...and to have stored the whole fill
POLL = 0.05  # seconds between CHATHISTORY LATEST asks while the fill is being stored
REFS = 64  # points of the history the readers' queries reach back from, in turn


async def offers_chathistory(target: Target) -> bool:
    """Whether the server lists draft/chathistory in CAP LS (no answer: it does not)."""
    link = await target.open("probe", 0)
    seen: list[bytes] = []
    link.on_lines = lambda buf, end: seen.append(buf[:end])
    try:
        done = link.expect(b" LS :")  # the last line of the list (others have `LS * :`)
        link.send(b"CAP LS 302\r\n")
        await asyncio.wait_for(done, CAP_TIMEOUT)
    except (TimeoutError, Refused):
        return False
    finally:
        link.close()
    return listed(b"".join(seen), CAPABILITY)


def listed(received: bytes, capability: bytes) -> bool:
    """Whether the CAP LS lines in `received` (one or more, 302's `name=value` or not)
    name `capability`."""
    return any(
        word.split(b"=", 1)[0] == capability
        for line in received.splitlines()
        if b" CAP " in line and b" LS " in line
        for word in line.rsplit(b" :", 1)[-1].split()
    )


async def capable_link(target: Target, nick: str, index: int) -> Link:
    """A registered link with the history capabilities (its CAP REQ before registering)."""
    link = await target.open(nick, index)
    try:
        link.send(b"CAP REQ :%s\r\nCAP END\r\n" % WANTED_CAPS)
        await link.register()
    except BaseException:
        link.close()
        raise
    return link


def stamp(seconds: float) -> bytes:
    """An IRCv3 timestamp, `2026-11-25T22:30:00.123Z`."""
    whole = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(seconds))
    return b"%s.%03dZ" % (whole.encode(), int(seconds % 1 * 1000))


class Watch:
    """Counts the channel lines one member receives, so that the fill keeps a window."""

    def __init__(self, link: Link) -> None:
        self.link = link
        self.received = 0
        self.moved = asyncio.Event()
        link.on_lines = self.feed

    def feed(self, buf: bytes, end: int) -> None:
        self.received += buf.count(b" PRIVMSG ", 0, end)
        self.moved.set()

    async def more(self) -> None:
        """Until more lines have come; Refused if the member is let go (its send queue
        overflowed, say), TimeoutError if nothing comes for a long while."""
        self.moved.clear()
        moved = asyncio.ensure_future(self.moved.wait())
        try:
            await asyncio.wait(
                (moved, self.link.closed),
                timeout=STORED_TIMEOUT,
                return_when=asyncio.FIRST_COMPLETED,
            )
        finally:
            moved.cancel()
        if self.link.closed.done():
            raise Refused(f"{self.link.nick}: closed by the server during the fill")
        if not self.moved.is_set():
            raise TimeoutError(f"the fill stalled after {self.received} lines")


async def fill(fillers: list[Link], watch: Watch, settings: Settings) -> tuple[float, float]:
    """`history_lines` lines said in the channel, the fillers taking turns, with at most
    `window` of them in all not yet seen by the watching member (whose send queue on the
    server must hold them); returns when they began and when the last was stored."""
    text = b"x" * max(1, settings.history_bytes - 24)  # (the number and the line's ends)
    window = settings.window
    per_chunk = max(1, window // 8)
    began = time.time()
    sent = 0
    turn = 0
    while sent < settings.history_lines:
        room = window - (sent - watch.received)
        if room < per_chunk:
            await watch.more()
            continue
        count = min(per_chunk, settings.history_lines - sent)
        link = fillers[turn % len(fillers)]
        turn += 1
        link.send(
            b"".join(
                b"PRIVMSG %s :%d %s\r\n" % (CHANNEL.encode(), n, text)
                for n in range(sent + 1, sent + count + 1)
            )
        )
        sent += count
    while watch.received < sent:  # all said: the marker below is the last line stored
        await watch.more()
    await stored(fillers[0])
    return began, time.time()


async def stored(link: Link) -> None:
    """Say a last line, then ask for the channel's latest until the server has it."""
    marker = b"end-of-fill-" + secrets.token_hex(4).encode()
    link.send(b"PRIVMSG %s :%s\r\n" % (CHANNEL.encode(), marker))
    deadline = asyncio.get_running_loop().time() + STORED_TIMEOUT
    while asyncio.get_running_loop().time() < deadline:
        # The sender is not sent its own line, so the marker can only come in the answer.
        answer = link.expect(marker, b" BATCH -", b"FAIL ")
        link.send(b"CHATHISTORY LATEST %s * 1\r\n" % CHANNEL.encode())
        token = await asyncio.wait_for(answer, STORED_TIMEOUT)
        if token == marker:
            return
        if token == b"FAIL ":
            raise Refused(f"{link.nick}: CHATHISTORY failed")
        await asyncio.sleep(POLL)
    raise TimeoutError(f"the fill was not stored within {STORED_TIMEOUT:g} s")


class Reader:
    """Keeps `window` CHATHISTORY queries in flight on one link; counts the answers."""

    def __init__(self, link: Link, refs: list[bytes], first: int, window: int) -> None:
        self.link = link
        self.refs = refs
        self.next = first
        self.window = window
        self.answered = 0
        self.failed = 0
        self.running = False
        link.on_lines = self.feed

    def start(self) -> None:
        self.running = True
        for _ in range(self.window):
            self.ask()

    def ask(self) -> None:
        ref = self.refs[self.next % len(self.refs)]
        self.next += 1
        self.link.send(b"CHATHISTORY BEFORE %s timestamp=%s %d\r\n" % (CHANNEL.encode(), ref, PAGE))

    def feed(self, buf: bytes, end: int) -> None:
        done = buf.count(b" BATCH -", 0, end)
        failed = buf.count(b"FAIL CHATHISTORY", 0, end)
        self.answered += done
        self.failed += failed
        if self.running:
            for _ in range(done + failed):
                self.ask()


async def pings(link: Link, until: float, interval: float, samples: list[int]) -> None:
    """PING round trips one at a time, `interval` apart, until the loop's time `until`."""
    loop = asyncio.get_running_loop()
    while loop.time() < until:
        started = time.perf_counter_ns()
        await link.sync()
        samples.append((time.perf_counter_ns() - started) // 1000)
        await asyncio.sleep(interval)


async def history(target: Target, settings: Settings) -> Result:
    """Readers asking for old lines while a pinger times round trips; see the module."""
    if settings.readers < 1 or settings.history_fillers < 1:
        raise ValueError("history needs at least one reader and one filler")
    if not await offers_chathistory(target):
        return {"skipped": "no draft/chathistory in CAP LS"}
    loop = asyncio.get_running_loop()
    links: list[Link] = []
    try:
        for index in range(settings.readers + settings.history_fillers):
            links.append(await capable_link(target, f"h{index}", 1 + index))
        readers_links = links[: settings.readers]
        fillers = links[settings.readers :]
        for link in links:
            await link.join(CHANNEL)
        watch = Watch(readers_links[0])
        began, ended = await fill(fillers, watch, settings)
        await settle(links)
        pinger_links, _ = await connect_many(target, "hp", 1, 1, first=100)
        links += pinger_links
        pinger = pinger_links[0]

        span = max(ended - began, 0.001)
        refs = [stamp(began + span * (k + 1) / REFS) for k in range(REFS)]
        readers = [
            Reader(link, refs, i * REFS // max(1, settings.readers), settings.reader_window)
            for i, link in enumerate(readers_links)
        ]
        quiet: list[int] = []
        await pings(pinger, loop.time() + settings.warmup, settings.ping_interval, quiet)
        busy: list[int] = []
        for reader in readers:
            reader.start()
        before = sum(r.answered for r in readers)
        meter = Meter(target.pid).start()
        await pings(pinger, loop.time() + settings.seconds, settings.ping_interval, busy)
        answered = sum(r.answered for r in readers) - before
        usage = meter.stop()
        for reader in readers:
            reader.running = False
        failed = sum(r.failed for r in readers)
        return {
            "lines": settings.history_lines,
            "fill_s": round(ended - began, 2),
            "queries": answered,
            "queries_per_s": round(answered / usage["seconds"], 1),
            "failed": failed,
            "pings": len(busy),
            **{f"ping_{k}": v for k, v in percentiles(busy).items()},
            **{f"quiet_{k}": v for k, v in percentiles(quiet).items()},
            **usage,
        }
    finally:
        close_all(links)
