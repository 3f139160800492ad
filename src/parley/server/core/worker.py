"""Work too slow for the event loop, such as an argon2 check (~20 ms), and where it runs.

How this works: a handler that needs slow work calls `Context.defer(job, then)` as its
last step. The dispatcher hands `job` to the server's Worker and holds the session's
further lines, in order, so that a `CAP END` after `AUTHENTICATE` or a `PRIVMSG` after
`IDENTIFY` sees the login. When the job is done, `then(ctx, result)` runs on the loop
with the same Context (its label and buffered replies intact), the replies are flushed,
and the held lines are fed in again. Everyone else's lines go on meanwhile.

Jobs wait in a FairQueue, one queue per address, and reach the worker round-robin,
as many at a time as it has threads: an address with hundreds of checks queued
delays another's login by one job, not by hundreds.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from parley.server.core.context import Context

T = TypeVar("T")

MAX_HELD_LINES = 64  # lines a session may send while its slow job runs; more is a flood
WORKER_THREADS = 2  # the production worker's threads: jobs handed to it at once


class Worker(Protocol):
    """Runs jobs away from the event loop and reports back on it."""

    def submit(self, job: Callable[[], T], done: Callable[[T], None]) -> None:
        """Run `job` (which never raises) and later call `done` with its result, on the loop."""


class InlineWorker:
    """Runs each job at once, in the caller: for a core with no event loop (tests, tools)."""

    def submit(self, job: Callable[[], T], done: Callable[[T], None]) -> None:
        done(job())


@dataclass(frozen=True, slots=True)
class Deferred:
    """A handler's slow job and what to do with its result.

    `settle(result)` always runs (bookkeeping such as throttles); `then(ctx, result)`
    only if the session is still there to answer.
    """

    job: Callable[[], Any]
    then: Callable[[Context, Any], None]
    settle: Callable[[Any], None] | None = None


@dataclass(frozen=True, slots=True)
class Failed:
    """What a job that raised gives `then`'s caller instead of a result."""

    error: BaseException


def guarded(job: Callable[[], Any]) -> Any:
    """Run a slow job on the worker; an exception comes back as a value, for the loop."""
    try:
        return job()
    except Exception as exc:
        return Failed(exc)


Job = tuple[Callable[[], Any], Callable[[Any], None]]


class FairQueue:
    """Jobs queued per key (an address) and handed to `worker` in turn, at most `capacity`
    at a time, so that no key's backlog holds up another key's job.

    The next job is the first queued key's, in turn order, that has the fewest jobs
    with the worker (none, usually): a new address goes ahead of one already served.
    """

    def __init__(self, worker: Worker, capacity: int = WORKER_THREADS) -> None:
        self.worker = worker
        self.capacity = capacity
        self.running = 0
        self._queues: dict[str, deque[Job]] = {}  # in turn order: the first key goes next
        self._running_by_key: Counter[str] = Counter()

    def __len__(self) -> int:
        """Jobs waiting, not counting those the worker has."""
        return sum(len(queue) for queue in self._queues.values())

    def submit(self, key: str, job: Callable[[], T], done: Callable[[T], None]) -> None:
        self._queues.setdefault(key, deque()).append((job, done))
        self._pump()

    def _next_key(self) -> str:
        """The first key in turn with nothing running, else the one with least running."""
        best = ""
        for key in self._queues:
            running = self._running_by_key[key]
            if running == 0:
                return key
            if not best or running < self._running_by_key[best]:
                best = key
        return best

    def _pump(self) -> None:
        while self.running < self.capacity and self._queues:
            key = self._next_key()
            queue = self._queues.pop(key)
            job, done = queue.popleft()
            if queue:
                self._queues[key] = queue  # its next job waits for every other key's turn
            self.running += 1
            self._running_by_key[key] += 1
            self.worker.submit(job, partial(self._finished, key, done))

    def _finished(self, key: str, done: Callable[[Any], None], result: Any) -> None:
        self.running -= 1
        self._running_by_key[key] -= 1
        if self._running_by_key[key] <= 0:
            del self._running_by_key[key]
        try:
            done(result)
        finally:
            self._pump()
