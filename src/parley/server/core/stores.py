"""What the core needs of its stores; the classes in `store/` provide it.

Like `Connection`, each interface is a small Protocol owned by the core, so the
core never depends on SQLite: the store's classes (SQLite, or in memory for
tests) implement them (docs/architecture.md, "Storage interfaces").
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:  # values the store's modules define and the core reads
    from parley.server.store.accounts import Account, AlwaysOnAccount, Deletion, Presence
    from parley.server.store.history import HistoryItem, Reader, Window
    from parley.server.store.registrations import Registration
    from parley.server.store.search import Scope, SearchQuery


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


class RegistrationStore(Protocol):
    """Registered channels (ChanServ), kept whole, by folded name."""

    def all(self) -> list[Registration]: ...

    def save(self, registration: Registration, old: str | None = None) -> None:
        """Write it whole (renamed from folded `old`, if given); StoreError if not saved."""
        ...

    def drop(self, folded: str) -> None:
        """The registration ends; StoreError if that was not saved."""
        ...


class AccountStore(Protocol):
    """What the server needs of account storage."""

    def get(self, name: str) -> Account | None: ...

    def create(self, name: str, password_hash: str, scram: str | None = None) -> Account: ...

    def delete(self, name: str) -> bool:
        """Delete an account and what it leaves behind: presence, stays in channels, and
        its side of stored messages (docs/privacy.md)."""
        ...

    def deletions(self, after: int) -> list[Deletion]:
        """Accounts deleted since deletion `after` (by anyone: the running server logs
        their sessions out)."""
        ...

    def set_password(self, name: str, password_hash: str, scram: str | None = None) -> bool: ...

    def names(self) -> list[str]: ...

    def set_history_opt_out(self, name: str, opt_out: bool) -> bool: ...

    def set_multiclient(self, name: str, on: bool) -> bool:
        """Whether another device's login joins the nick already online (default on)."""
        ...

    def presence(self, name: str) -> Presence | None: ...

    def save_presence(self, states: dict[str, Presence]) -> None:
        """Remember several accounts' presence in one write."""
        ...

    def set_always_on(self, name: str, enabled: bool) -> bool:
        """NickServ SET ALWAYS-ON: the account's choice; StoreError if not saved."""
        ...

    def always_on_accounts(self) -> list[AlwaysOnAccount]:
        """The accounts that chose, or are kept online as always-on (core/always_on.py)."""
        ...

    def save_always_on_use(self, uses: dict[str, float | None]) -> None:
        """When each account was last used by a device (None: no longer kept online),
        in one write; StoreError if it fails."""
        ...


class HistoryStore(Protocol):
    """What the server needs of history storage."""

    def append(self, item: HistoryItem) -> None: ...

    def between(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        """Items with after < time < before, the `limit` oldest (or newest), oldest first."""
        ...

    def find(self, conversation: str, msgid: str, reader: Reader) -> HistoryItem | None: ...

    def silent(self, conversation: str) -> bool:
        """True if the channel surely holds no PRIVMSG or NOTICE for anyone, known without
        a read (JOIN's replay then needs none); False if it may, or is not known."""
        ...

    def search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        """Up to `query.limit` messages matching it that `scope` may find, oldest first
        (the newest such, or the oldest from `query.after`); SearchTimeout past `seconds`."""
        ...

    def conversations(
        self, reader: Reader, after: float, before: float, limit: int
    ) -> list[tuple[str, float]]:
        """(conversation, latest time) of the private conversations whose latest line the
        reader may read falls between `after` and `before`, oldest first (TARGETS)."""
        ...

    def missed(self, account: str, since: float, limit: int) -> list[HistoryItem]:
        """Private messages to `account` after `since`, oldest first (delivered on login)."""
        ...

    def save_windows(self, windows: list[Window]) -> None:
        """Remember accounts' ended stays in channels: what each may read of them later."""
        ...

    def redact(self, conversation: str, msgid: str) -> bool:
        """Delete a message for good (IRCv3 message-redaction); reads no longer show it.
        False if it cannot be done now (too many deletions wait for the disk)."""
        ...

    def rename(self, old: str, new: str, name: str) -> bool:
        """A channel's lines and stays move from folded `old` to folded `new` (IRCv3
        channel-rename; `name` as written). False if it cannot be done now."""
        ...

    def forget_account(self, account: str) -> None:
        """A deleted account: its stays go, its private lines lose it, those on their
        way to the disk too (the database did so for the others, schema.py)."""
        ...

    def lagging(self) -> bool:
        """Whether senders of messages should wait: the writer is behind (cheap, any thread)."""
        ...

    def wait_drained(self, callback: Callable[[], object]) -> bool:
        """Have `callback` called (from any thread) once no longer lagging; False if not now."""
        ...

    def close(self) -> None: ...
