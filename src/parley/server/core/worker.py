"""Work too slow for the event loop, such as an argon2 check (~20 ms) or a read of
history that grows with what is stored, and where it runs.

How this works: a handler that needs slow work calls `Context.defer(job, then)` as its
last step. The dispatcher hands `job` to the server's Worker and holds the session's
further lines, in order, so that a `CAP END` after `AUTHENTICATE` or a `PRIVMSG` after
`IDENTIFY` sees the login. When the job is done, `then(ctx, result)` runs on the loop
with the same Context (its label and buffered replies intact), the replies are flushed,
and the held lines are fed in again. Everyone else's lines go on meanwhile.

Jobs wait in a FairQueue, one queue per address, and reach the worker round-robin
(by network, then by address within it), as many at a time as it has threads: an
address or network with hundreds of checks queued delays another's login by one
job, not by hundreds.
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from parley.server.core.context import Context

T = TypeVar("T")

MAX_HELD_LINES = 64  # lines a session may send while its slow job runs; more is a flood
WORKER_THREADS = 2  # the production worker's threads: jobs handed to it at once
MAIL_THREADS = 2  # mails being sent at once (the rest wait their turn)
# Jobs that only wait on the network (cluster mode's claims, docs/cluster.md): many at
# once, so that a node's reconnecting users do not queue behind two threads.
WAIT_THREADS = 32


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
    mail: bool = False  # sending mail: on the mail thread, so logins never wait for it
    # What the command has said so far goes before the job starts: it changed what
    # others see (joined a channel, registered), and their lines must not overtake it.
    early: bool = False
    waits: bool = False  # waits on the network, costs no CPU: on the waiting threads

    def followed_by(self, other: Deferred) -> Deferred:
        """Both jobs as one, then both second halves in order (JOIN #a,#b's replays)."""
        both = _Both(self, other)
        early, mail = self.early or other.early, self.mail or other.mail
        return Deferred(both.job, both.then, both.settle, mail, early, self.waits and other.waits)


@dataclass(frozen=True, slots=True)
class _Both:
    """Two slow jobs of one command, run one after the other."""

    first: Deferred
    second: Deferred

    def job(self) -> tuple[Any, Any]:
        return guarded(self.first.job), guarded(self.second.job)

    def settle(self, results: tuple[Any, Any]) -> None:
        for part, result in zip((self.first, self.second), results, strict=True):
            if part.settle is not None and not isinstance(result, Failed):
                part.settle(result)

    def then(self, ctx: Context, results: tuple[Any, Any]) -> None:
        for part, result in zip((self.first, self.second), results, strict=True):
            if isinstance(result, Failed):
                raise result.error  # as for one job: the command ends there
            part.then(ctx, result)


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
    """Jobs queued per party within a network, handed to `worker` in turn, at most
    `capacity` at a time, so that no backlog holds up someone else's job.

    Turns go round the networks, and within a network round its parties: many
    addresses of one network (or one address with many jobs) get one turn between
    everyone else's. A network, or party, with the fewest jobs already with the
    worker (usually none) goes first, in turn order.
    """

    def __init__(self, worker: Worker, capacity: int = WORKER_THREADS) -> None:
        self.worker = worker
        self.capacity = capacity
        self.running = 0
        # network -> party -> jobs, each level in turn order (the first goes next)
        self._queues: dict[str, dict[str, deque[Job]]] = {}
        self._running_nets: Counter[str] = Counter()  # jobs with the worker, by network
        self._running_parties: Counter[str] = Counter()  # and by party

    def __len__(self) -> int:
        """Jobs waiting, not counting those the worker has."""
        return sum(len(jobs) for parties in self._queues.values() for jobs in parties.values())

    def submit(self, key: tuple[str, str], job: Callable[[], T], done: Callable[[T], None]) -> None:
        """Queue `job` for `key`, a (network, party) pair."""
        net, who = key
        self._queues.setdefault(net, {}).setdefault(who, deque()).append((job, done))
        self._pump()

    @staticmethod
    def _first(keys: Iterable[str], running: Counter[str]) -> str:
        """The first key in turn with nothing running, else the one with least running."""
        best = ""
        for key in keys:
            if running[key] == 0:
                return key
            if not best or running[key] < running[best]:
                best = key
        return best

    def _pump(self) -> None:
        while self.running < self.capacity and self._queues:
            net = self._first(self._queues, self._running_nets)
            parties = self._queues.pop(net)
            who = self._first(parties, self._running_parties)
            jobs = parties.pop(who)
            job, done = jobs.popleft()
            if jobs:
                parties[who] = jobs  # its next job waits for the others' turns
            if parties:
                self._queues[net] = parties
            self.running += 1
            self._running_nets[net] += 1
            self._running_parties[who] += 1
            self.worker.submit(job, partial(self._finished, (net, who), done))

    def _finished(self, key: tuple[str, str], done: Callable[[Any], None], result: Any) -> None:
        self.running -= 1
        for counter, part in zip((self._running_nets, self._running_parties), key, strict=True):
            counter[part] -= 1
            if counter[part] <= 0:
                del counter[part]
        try:
            done(result)
        finally:
            self._pump()
