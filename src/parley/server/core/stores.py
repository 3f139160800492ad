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


# A change to save: (account, target) -> the new marker, or None for one dropped.
Changes = dict[tuple[str, str], "int | None"]


class ReadMarkerStore(Protocol):
    """What the server needs of read-marker storage."""

    def markers(self, account: str) -> dict[str, int]:
        """Every marker of `account` (folded), by folded target."""
        ...

    def save_markers(self, changes: Changes) -> None:
        """Apply `changes` in one write; a marker never moves back. StoreError if it fails."""
        ...

    def forget_markers(self, account: str) -> None:
        """The account was deleted: its markers go."""
        ...


class MetadataStore(Protocol):
    """What the server needs of stored metadata."""

    def load(self, account: str) -> dict[str, str]:
        """The account's keys and values (empty for an account with none)."""
        ...

    def save(self, account: str, changes: dict[str, str | None]) -> None:
        """Set keys (None deletes one), in one transaction; StoreError if it failed."""
        ...


class VhostStore(Protocol):
    def get(self, account: str) -> str | None: ...

    def set(self, account: str, host: str | None) -> None:
        """Keep `host` for `account`; None forgets it."""
