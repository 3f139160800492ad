"""Counting tries per key in a sliding window, to slow down password guessing."""

from __future__ import annotations

from collections import deque


class Throttle:
    """At most `limit` tries per key within `window` seconds; bounded in keys too.

    A try is counted when it is noted; `refund` takes one back (a right password).
    """

    __slots__ = ("_failures", "limit", "max_keys", "window")

    def __init__(self, limit: int, window: float, max_keys: int = 10_000) -> None:
        self.limit = limit
        self.window = window
        self.max_keys = max_keys
        self._failures: dict[str, deque[float]] = {}

    def blocked(self, key: str, now: float, limit: int | None = None) -> bool:
        """Whether `key` has used up its tries for now (`limit` overrides the default)."""
        times = self._failures.get(key)
        if times is None:
            return False
        while times and now - times[0] > self.window:
            times.popleft()
        if not times:
            del self._failures[key]
            return False
        return len(times) >= (self.limit if limit is None else limit)

    def fail(self, key: str, now: float) -> None:
        """Count one try (or failure) for `key` at `now`."""
        if key not in self._failures and len(self._failures) >= self.max_keys:
            self._failures.pop(next(iter(self._failures)))  # the oldest key goes
        self._failures.setdefault(key, deque()).append(now)

    def refund(self, key: str, when: float) -> None:
        """Take back the try counted for `key` at `when`, if it is still counted."""
        times = self._failures.get(key)
        if times is not None and when in times:
            times.remove(when)
            if not times:
                del self._failures[key]

    def clear(self, key: str) -> None:
        self._failures.pop(key, None)
