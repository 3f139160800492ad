"""A fake connection and a settable clock: the core with no sockets at all.

`Harness` builds a core `Server` on a `FakeClock`; each client is a Session on
a `FakeConnection` that records the bytes the core sent and how it was closed.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from parley.irc.message import Message, parse
from parley.server.config import Config, Limits
from parley.server.core.server import Server
from parley.server.core.session import Session


@dataclass
class FakeClock:
    """Wall and monotonic time that move only when a test says so."""

    wall: float = 1_700_000_000.0
    mono: float = 1000.0

    def now(self) -> float:
        return self.wall

    def monotonic(self) -> float:
        return self.mono

    def advance(self, seconds: float) -> None:
        self.wall += seconds
        self.mono += seconds


@dataclass(eq=False)
class FakeConnection:
    """What the net layer would be: records sends and closes."""

    host: str = "192.0.2.1"
    tls: bool = False
    sent: list[bytes] = field(default_factory=list)
    closed_with: list[str | None] = field(default_factory=list)

    def send(self, data: bytes) -> None:
        self.sent.append(data)

    def close(self, error: str | None = None) -> None:
        self.closed_with.append(error)

    def take(self) -> list[Message]:
        """Every message sent since the last take."""
        lines = b"".join(self.sent).split(b"\r\n")
        self.sent.clear()
        return [parse(line) for line in lines if line]


def commands_of(messages: list[Message]) -> list[str]:
    """The commands (or numerics) of `messages`, in order."""
    return [m.command for m in messages]


class Harness:
    """A core server and helpers to connect and speak as clients."""

    def __init__(self, **changes: Any) -> None:
        limits = replace(Limits(), **changes.pop("limits", {}))
        config = Config(data_dir=Path("/nonexistent"), server_name="test.parley", limits=limits)
        self.clock = FakeClock()
        worker = changes.pop("worker", None)
        self.server = Server(replace(config, **changes), clock=self.clock, worker=worker)

    def connect(self, host: str = "192.0.2.1") -> tuple[Session, FakeConnection]:
        conn = FakeConnection(host=host)
        return self.server.connect(conn), conn

    def say(self, session: Session, *lines: str) -> None:
        for line in lines:
            self.server.receive(session, line.encode())

    def user(self, nick: str, *channels: str) -> tuple[Session, FakeConnection]:
        """A registered client that has joined `channels`, its replies so far taken."""
        session, conn = self.connect()
        self.say(session, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
        for channel in channels:
            self.say(session, f"JOIN {channel}")
        conn.take()
        return session, conn


class HeldWorker:
    """A worker whose jobs wait until the test lets them finish, as a busy pool would."""

    def __init__(self) -> None:
        self.jobs: list[tuple[Callable[[], Any], Callable[[Any], None]]] = []

    def submit(self, job: Callable[[], Any], done: Callable[[Any], None]) -> None:
        self.jobs.append((job, done))

    def finish_all(self) -> None:
        jobs, self.jobs = self.jobs, []
        for job, done in jobs:
            done(job())

    def finish_one(self) -> Any:
        """Finish the oldest job; its result."""
        job, done = self.jobs.pop(0)
        result = job()
        done(result)
        return result

    def drain(self) -> int:
        """Finish jobs until none is left, those they let in too; how many ran."""
        count = 0
        while self.jobs:
            self.finish_one()
            count += 1
        return count
