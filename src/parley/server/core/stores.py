"""What the core needs of its stores; the classes in `store/` provide it.

Like `Connection`, each interface is a small Protocol owned by the core, so the
core never depends on SQLite: the store's classes (SQLite, or in memory for
tests) implement them (docs/architecture.md, "Storage interfaces").
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


@dataclass(frozen=True, slots=True)
class Ban:
    """A K-line (a `nick!user@host` glob) or a D-line (an address or network, no `@`)."""

    mask: str
    reason: str
    set_by: str
    set_at: float
    expires: float | None  # None: until removed

    def active(self, now: float) -> bool:
        return self.expires is None or now < self.expires

    @property
    def on_address(self) -> bool:
        """A D-line (an address or network) rather than a K-line (a hostmask)."""
        return "@" not in self.mask


class BanStore(Protocol):
    """Bans kept across restarts, keyed by the folded mask."""

    def all(self) -> list[Ban]: ...

    def add(self, ban: Ban) -> None: ...

    def remove(self, mask: str) -> bool: ...
