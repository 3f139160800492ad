"""The node's stores as the core sees them in cluster mode: each write is made here, then
sent to the peers (as `emit(store, method, args)`), who make it too (stores.py).

A write is sent only once it succeeded here: one that raised (StoreError, AccountExists)
or answered False (no such account, a history queue full) tells the core it was not
made, so the peers do not make it either. Arguments go out as the values they are
then (dicts and registrations copied): the core may change its own afterwards.

Threads: today the core calls every write on the event loop: argon2 hashes run on
the worker's threads (services.py, login.py) or the console's hashing thread
(admin/api.py), but the account is created by the `then` back on the loop; history's
writer thread writes only what `append` queued on the loop. `emit` may be called
from any thread all the same, and `quiet` is per thread.

Not sent (each node makes them itself): `history.forget_account` and
`markers.forget_markers`, which every node's sweep makes when it notices an account
deleted in its own store (core/deletion.py), the `delete` being sent; a late copy
from a peer could detach lines of an account registered again meanwhile.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any, Protocol

from parley.server.core.stores import (
    AccountStore,
    Ban,
    BanStore,
    Changes,
    HistoryStore,
    MetadataStore,
    ReadMarkerStore,
    RegistrationStore,
    VhostStore,
)
from parley.server.store.registrations import Registration

if TYPE_CHECKING:
    from parley.server.store.accounts import Account, AlwaysOnAccount, Deletion, Presence
    from parley.server.store.history import HistoryItem, Reader, Window
    from parley.server.store.search import Scope, SearchQuery

# What the cluster's link is given a write as: safe to call from any thread.
Emit = Callable[[str, str, tuple[Any, ...]], None]
RECENT_LINES = 10_000  # lines' (conversation, msgid) remembered to store each once


class AccountReplica(AccountStore, Protocol):
    """An account store that can create an account with the time a peer created it."""

    def create(
        self, name: str, password_hash: str, scram: str | None = None, created: float | None = None
    ) -> Account: ...


class Outbox:
    """Where the wrappers send writes: to `emit`, unless this thread is `quiet`."""

    __slots__ = ("_local", "emit")

    def __init__(self, emit: Emit) -> None:
        self.emit = emit
        self._local = threading.local()

    def send(self, store: str, method: str, args: tuple[Any, ...]) -> None:
        if not getattr(self._local, "quiet", False):
            self.emit(store, method, args)

    @contextmanager
    def quiet(self) -> Iterator[None]:
        """Writes made meanwhile on this thread are not sent: they are the consequence of a
        peer's event being applied (a channel event kept in history, a registration
        following a topic), which that peer made and sent itself."""
        was = getattr(self._local, "quiet", False)
        self._local.quiet = True
        try:
            yield
        finally:
            self._local.quiet = was


class Recent:
    """The (conversation, msgid) of the last lines stored, so that a line that arrives
    twice (a peer's record read again, or its event and its write both) is stored once
    even before it is on the disk (where schema.py's unique index ignores a second)."""

    __slots__ = ("_keys", "_lock", "_order")

    def __init__(self, size: int = RECENT_LINES) -> None:
        self._order: deque[tuple[str, str]] = deque(maxlen=size)
        self._keys: set[tuple[str, str]] = set()
        self._lock = threading.Lock()

    def first(self, conversation: str, msgid: str) -> bool:
        """Whether the line is new (it is remembered from now on)."""
        key = (conversation, msgid)
        with self._lock:
            if key in self._keys:
                return False
            if len(self._order) == self._order.maxlen:
                self._keys.discard(self._order[0])
            self._order.append(key)
            self._keys.add(key)
            return True


class ReplicatedAccounts:
    """Accounts: every change but the deletion log (each node keeps its own)."""

    __slots__ = ("_local", "_out")

    def __init__(self, local: AccountReplica, out: Outbox) -> None:
        self._local, self._out = local, out

    def get(self, name: str) -> Account | None:
        return self._local.get(name)

    def create(self, name: str, password_hash: str, scram: str | None = None) -> Account:
        account = self._local.create(name, password_hash, scram)
        self._out.send("accounts", "create", (name, password_hash, scram, account.created))
        return account

    def delete(self, name: str) -> bool:
        deleted = self._local.delete(name)
        if deleted:
            self._out.send("accounts", "delete", (name,))
        return deleted

    def deletions(self, after: int) -> list[Deletion]:
        return self._local.deletions(after)

    def set_password(self, name: str, password_hash: str, scram: str | None = None) -> bool:
        changed = self._local.set_password(name, password_hash, scram)
        if changed:
            self._out.send("accounts", "set_password", (name, password_hash, scram))
        return changed

    def names(self) -> list[str]:
        return self._local.names()

    def set_history_opt_out(self, name: str, opt_out: bool) -> bool:
        return self._setting("set_history_opt_out", self._local.set_history_opt_out, name, opt_out)

    def set_multiclient(self, name: str, on: bool) -> bool:
        return self._setting("set_multiclient", self._local.set_multiclient, name, on)

    def set_always_on(self, name: str, enabled: bool) -> bool:
        return self._setting("set_always_on", self._local.set_always_on, name, enabled)

    def _setting(
        self, method: str, write: Callable[[str, bool], bool], name: str, on: bool
    ) -> bool:
        changed = write(name, on)
        if changed:
            self._out.send("accounts", method, (name, on))
        return changed

    def presence(self, name: str) -> Presence | None:
        return self._local.presence(name)

    def save_presence(self, states: dict[str, Presence]) -> None:
        self._local.save_presence(states)  # (best effort: it says nothing of a failure)
        self._out.send("accounts", "save_presence", (dict(states),))

    def always_on_accounts(self) -> list[AlwaysOnAccount]:
        return self._local.always_on_accounts()

    def save_always_on_use(self, uses: dict[str, float | None]) -> None:
        self._local.save_always_on_use(uses)
        self._out.send("accounts", "save_always_on_use", (dict(uses),))


class ReplicatedHistory:
    """History: lines, stays, redactions and renames (not `forget_account`: see above)."""

    __slots__ = ("_local", "_out", "_recent")

    def __init__(self, local: HistoryStore, out: Outbox, recent: Recent) -> None:
        self._local, self._out, self._recent = local, out, recent

    def append(self, item: HistoryItem) -> None:
        if self._recent.first(item.conversation, item.msgid):
            self._local.append(item)
            self._out.send("history", "append", (item,))

    def between(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        return self._local.between(conversation, after, before, limit, newest, reader)

    def find(self, conversation: str, msgid: str, reader: Reader) -> HistoryItem | None:
        return self._local.find(conversation, msgid, reader)

    def silent(self, conversation: str) -> bool:
        return self._local.silent(conversation)  # (peers' lines are appended to it too)

    def search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        return self._local.search(query, scope, seconds)

    def conversations(
        self, reader: Reader, after: float, before: float, limit: int
    ) -> list[tuple[str, float]]:
        return self._local.conversations(reader, after, before, limit)

    def missed(self, account: str, since: float, limit: int) -> list[HistoryItem]:
        return self._local.missed(account, since, limit)

    def save_windows(self, windows: list[Window]) -> None:
        self._local.save_windows(windows)
        self._out.send("history", "save_windows", (tuple(windows),))

    def redact(self, conversation: str, msgid: str) -> bool:
        done = self._local.redact(conversation, msgid)
        if done:
            self._out.send("history", "redact", (conversation, msgid))
        return done

    def rename(self, old: str, new: str, name: str) -> bool:
        done = self._local.rename(old, new, name)
        if done:
            self._out.send("history", "rename", (old, new, name))
        return done

    def forget_account(self, account: str) -> None:
        self._local.forget_account(account)  # (each node's own sweep does it: not sent)

    def lagging(self) -> bool:
        return self._local.lagging()

    def wait_drained(self, callback: Callable[[], object]) -> bool:
        return self._local.wait_drained(callback)

    def close(self) -> None:
        self._local.close()


class ReplicatedBans:
    __slots__ = ("_local", "_out")

    def __init__(self, local: BanStore, out: Outbox) -> None:
        self._local, self._out = local, out

    def all(self) -> list[Ban]:
        return self._local.all()

    def add(self, ban: Ban) -> None:
        self._local.add(ban)
        self._out.send("bans", "add", (ban,))

    def remove(self, mask: str) -> bool:
        removed = self._local.remove(mask)
        self._out.send("bans", "remove", (mask,))  # (lifted everywhere, stored here or not)
        return removed


class ReplicatedVhosts:
    __slots__ = ("_local", "_out")

    def __init__(self, local: VhostStore, out: Outbox) -> None:
        self._local, self._out = local, out

    def get(self, account: str) -> str | None:
        return self._local.get(account)

    def set(self, account: str, host: str | None) -> None:
        self._local.set(account, host)
        self._out.send("vhosts", "set", (account, host))


class ReplicatedMetadata:
    __slots__ = ("_local", "_out")

    def __init__(self, local: MetadataStore, out: Outbox) -> None:
        self._local, self._out = local, out

    def load(self, account: str) -> dict[str, str]:
        return self._local.load(account)

    def save(self, account: str, changes: dict[str, str | None]) -> None:
        self._local.save(account, changes)
        self._out.send("metadata", "save", (account, dict(changes)))


class ReplicatedMarkers:
    """Read markers: a change travels as (account, target, marker or None), as a dict's
    keys travel only as strings."""

    __slots__ = ("_local", "_out")

    def __init__(self, local: ReadMarkerStore, out: Outbox) -> None:
        self._local, self._out = local, out

    def markers(self, account: str) -> dict[str, int]:
        return self._local.markers(account)

    def save_markers(self, changes: Changes) -> None:
        self._local.save_markers(changes)
        rows = tuple((account, target, at) for (account, target), at in changes.items())
        self._out.send("markers", "save_markers", (rows,))

    def forget_markers(self, account: str) -> None:
        self._local.forget_markers(account)  # (each node's own sweep does it: not sent)


class ReplicatedRegistrations:
    __slots__ = ("_local", "_out")

    def __init__(self, local: RegistrationStore, out: Outbox) -> None:
        self._local, self._out = local, out

    def all(self) -> list[Registration]:
        return self._local.all()

    def save(self, registration: Registration, old: str | None = None) -> None:
        self._local.save(registration, old)
        self._out.send("registrations", "save", (copied(registration), old))

    def drop(self, folded: str) -> None:
        self._local.drop(folded)
        self._out.send("registrations", "drop", (folded,))


def copied(r: Registration) -> Registration:
    """A registration of its own (the registry changes the one it holds in place)."""
    return Registration(
        r.name, r.founder, r.registered, r.topic, r.topic_by, r.topic_at, r.flags, r.key,
        r.limit, {k: list(v) for k, v in r.lists.items()}, dict(r.access),
    )  # fmt: skip
