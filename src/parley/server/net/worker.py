"""The production Worker: a small thread pool whose results come back on the event loop.

argon2 releases the GIL while it hashes, and SQLite while it reads, so checks and
history reads on the pool do not stall the loop; two threads match the two cores a
small server has. The core hands it no more jobs
than it has threads (core/worker.py's FairQueue keeps the rest, fairly by address).
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial
from typing import TypeVar

from parley.server.core.worker import WORKER_THREADS

T = TypeVar("T")


class ThreadWorker:
    """Jobs on a thread pool; `done` is called on `loop`'s thread."""

    def __init__(
        self, loop: asyncio.AbstractEventLoop, threads: int = WORKER_THREADS, name: str = "work"
    ) -> None:
        self.loop = loop
        self.pool = ThreadPoolExecutor(max_workers=threads, thread_name_prefix=f"parley-{name}")
        self.after: Callable[[], None] | None = None  # called on the loop after each `done`

    def submit(self, job: Callable[[], T], done: Callable[[T], None]) -> None:
        future = self.pool.submit(job)
        future.add_done_callback(partial(self._report, done=done))

    def _report(self, future: Future[T], done: Callable[[T], None]) -> None:
        with contextlib.suppress(RuntimeError):  # the loop closed while the job ran
            self.loop.call_soon_threadsafe(self._done, done, future.result())

    def _done(self, done: Callable[[T], None], result: T) -> None:
        try:
            done(result)
        finally:
            if self.after is not None:
                self.after()

    def close(self) -> None:
        """Wait for jobs under way; their results are dropped once the loop is gone."""
        self.pool.shutdown(wait=True, cancel_futures=True)
