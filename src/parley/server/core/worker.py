"""Work too slow for the event loop, such as an argon2 check (~20 ms), and where it runs.

How this works: a handler that needs slow work calls `Context.defer(job, then)` as its
last step. The dispatcher hands `job` to the server's Worker and holds the session's
further lines, in order, so that a `CAP END` after `AUTHENTICATE` or a `PRIVMSG` after
`IDENTIFY` sees the login. When the job is done, `then(ctx, result)` runs on the loop
with the same Context (its label and buffered replies intact), the replies are flushed,
and the held lines are fed in again. Everyone else's lines go on meanwhile.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

if TYPE_CHECKING:
    from parley.server.core.context import Context

T = TypeVar("T")

MAX_HELD_LINES = 64  # lines a session may send while its slow job runs; more is a flood


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
