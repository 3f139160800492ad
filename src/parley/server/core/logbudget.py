"""A token bucket for log lines, so no client can fill the server's log.

Anyone, even a client that has not registered, can make the same error happen
over and over; the log keeps a burst of them, then a few a minute, and the next
line it keeps says how many it left out.
"""

from __future__ import annotations


class LogBudget:
    """`burst` lines at once, then `rate` a second; counts the lines held back."""

    __slots__ = ("_last", "_tokens", "burst", "rate", "suppressed")

    def __init__(self, burst: int, rate: float) -> None:
        self.burst = burst
        self.rate = rate
        self._tokens = float(burst)
        self._last: float | None = None
        self.suppressed = 0

    def take(self, now: float) -> int | None:
        """None if this line is to be left out; else how many were left out before it."""
        if self._last is not None:
            elapsed = max(0.0, now - self._last)
            self._tokens = min(float(self.burst), self._tokens + elapsed * self.rate)
        self._last = now
        if self._tokens < 1.0:
            self.suppressed += 1
            return None
        self._tokens -= 1.0
        held_back, self.suppressed = self.suppressed, 0
        return held_back
