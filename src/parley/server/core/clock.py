"""Time, passed in so tests can pin it (docs/architecture.md: every layer testable)."""

from __future__ import annotations

import time
from typing import Protocol


class Clock(Protocol):
    """Wall time for users to read, monotonic time for timeouts."""

    def now(self) -> float: ...

    def monotonic(self) -> float: ...


class SystemClock:
    """The real clocks."""

    def now(self) -> float:
        return time.time()

    def monotonic(self) -> float:
        return time.monotonic()


def server_time(ts: float) -> str:
    """IRCv3 server-time: ISO 8601 UTC with milliseconds."""
    whole, ms = divmod(round(ts * 1000), 1000)  # rounded: a stored .845 may read .8449999
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{ms:03d}Z"
