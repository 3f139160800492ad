"""Unread lines per conversation, sans-IO: counted as they come, cleared by reading here
or by a read marker from the server (another device of the account read them)."""

from __future__ import annotations

from dataclasses import dataclass, field

MAX_TRACKED = 10_000  # unread lines remembered per conversation; the count goes on past it


@dataclass
class Unread:
    """One conversation's unread lines, by their server time."""

    times: list[str | None] = field(default_factory=list)  # None: no server-time
    mention_times: list[str | None] = field(default_factory=list)
    extra: int = 0  # lines past MAX_TRACKED
    marker: str | None = None  # the server's read marker

    @property
    def count(self) -> int:
        return len(self.times) + self.extra

    @property
    def mentions(self) -> int:
        return len(self.mention_times)

    def counts(self, time: str | None) -> bool:
        """Whether a line of this time is unread: not if it was read elsewhere already."""
        return time is None or self.marker is None or time > self.marker

    def add(self, time: str | None, mention: bool) -> None:
        """A line the user has not seen; one already read elsewhere (by time) is not counted."""
        if not self.counts(time):
            return
        if len(self.times) >= MAX_TRACKED:
            self.extra += 1
            return
        self.times.append(time)
        if mention:
            self.mention_times.append(time)

    def read(self) -> None:
        self.times.clear()
        self.mention_times.clear()
        self.extra = 0

    def marked(self, timestamp: str | None) -> bool:
        """The server's marker moved: lines up to it are read. True if the count changed."""
        self.marker = timestamp
        if timestamp is None:
            return False
        before = self.count
        self.times = [t for t in self.times if t is None or t > timestamp]
        self.mention_times = [t for t in self.mention_times if t is None or t > timestamp]
        if not self.times:
            self.extra = 0
        return self.count != before
