"""Read markers held in memory: the online accounts', and guests' on their Client.

How this works: an account's markers are read from the store when one of its
clients first needs them, then kept while it is online; changes are kept as
unsaved and written together by the sweep (a crash loses at most a second of
them, which clients send again). A marker only moves forward. An account holds
at most `limit` targets (a guest GUEST_TARGETS, as they cost memory, not disk); a
new one beyond that pushes out the one read longest ago. A guest's markers live
on its Client and go with it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.server.core.stores import Changes, ReadMarkerStore
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.core.client import Client

log = logging.getLogger("parley.core")

MAX_UNSAVED = 100_000  # changes kept while the store fails; past that they are dropped
GUEST_TARGETS = 100  # markers a user without an account keeps, at most


class ReadMarkers:
    """Every marker the server holds, by owner (account, or guest client)."""

    def __init__(self, store: ReadMarkerStore) -> None:
        self.store = store
        self._loaded: dict[str, dict[str, int]] = {}  # folded account -> folded target -> ms
        self._unsaved: Changes = {}
        self._failing = False  # the last save failed (said once)

    def get(self, client: Client, target: str) -> int | None:
        """The marker of `client`'s owner on `target` (folded); StoreError if unreadable."""
        if client.account is None:
            return client.read_markers.get(target) if client.read_markers else None
        return self._account(client.account).get(target)

    def advance(self, client: Client, target: str, at: int, limit: int) -> tuple[int, bool]:
        """Move the marker on `target` forward to `at`: the marker now, and whether it moved."""
        if client.account is None:
            if client.read_markers is None:
                client.read_markers = {}
            held, account = client.read_markers, None
            limit = min(limit, GUEST_TARGETS)
        else:
            account = fold(client.account)
            held = self._account(client.account)
        old = held.get(target)
        if old is not None and at <= old:
            return old, False
        if old is None and len(held) >= limit:
            oldest = min(held, key=held.__getitem__)  # read longest ago
            del held[oldest]
            if account is not None:
                self._unsaved[(account, oldest)] = None
        held[target] = at
        if account is not None:
            self._unsaved[(account, target)] = at
        return at, True

    def _account(self, name: str) -> dict[str, int]:
        key = fold(name)
        held = self._loaded.get(key)
        if held is None:
            held = self.store.markers(key)
            for (account, target), at in self._unsaved.items():  # not yet on the disk
                if account == key:
                    if at is None:
                        held.pop(target, None)
                    else:
                        held[target] = max(at, held.get(target, at))
            self._loaded[key] = held
        return held

    def save(self, online: Callable[[str], bool]) -> None:
        """The sweep: write what changed, and let go of accounts no longer online."""
        if self._unsaved:
            changes, self._unsaved = self._unsaved, {}
            try:
                self.store.save_markers(changes)
            except StoreError as exc:
                if not self._failing:
                    log.warning("read markers not saved (tried again each second): %s", exc)
                self._failing = True
                if len(changes) + len(self._unsaved) <= MAX_UNSAVED:
                    self._unsaved = changes | self._unsaved  # the newer win
                else:
                    log.error("%d read markers dropped unsaved", len(changes))
            else:
                if self._failing:
                    log.warning("read markers are saved again")
                self._failing = False
        waiting = {account for account, _ in self._unsaved}
        for key in [k for k in self._loaded if not online(k) and k not in waiting]:
            del self._loaded[key]

    def stored_elsewhere(self, accounts: set[str]) -> None:
        """Another node of a cluster saved markers of these (folded) accounts: what is
        held of them is read again from the store when next needed (cluster/stores.py)."""
        for key in accounts:
            self._loaded.pop(key, None)

    def forget(self, account: str) -> None:
        """The account was deleted: nothing of its markers stays, in memory or stored."""
        key = fold(account)
        self._loaded.pop(key, None)
        self._unsaved = {k: v for k, v in self._unsaved.items() if k[0] != key}
        try:
            self.store.forget_markers(key)
        except StoreError as exc:  # (SQLite's trigger deleted them with the account)
            log.warning("%s", exc)
