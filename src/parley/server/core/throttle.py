"""Counting failures per key in a sliding window, to slow down password guessing."""

from __future__ import annotations

from collections import deque


class Throttle:
    """At most `limit` failures per key within `window` seconds; bounded in keys too."""

    __slots__ = ("_failures", "limit", "max_keys", "window")

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, key: str, now: float) -> bool:
        """Whether `key` has used up its failures for now."""
        times = self._failures.get(key)
        if times is None:
            return False
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return False
        return len(times) >= self.limit

    def fail(self, key: str, now: float) -> None:
        if key not in self._failures and len(self._failures) >= self.max_keys:
            self._failures.pop(next(iter(self._failures)))  # the oldest key goes
        self._failures.setdefault(key, deque()).append(now)

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)
