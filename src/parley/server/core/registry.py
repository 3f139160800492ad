"""Registered channels in memory (ChanServ): what a channel comes back with, and who ops it.

Every registration is held here, by folded name, whether its channel has members
or not; the store has the same (`RegistrationStore`). A channel made by a first
JOIN takes its registration's name, topic and modes (`seed`, State's hook), and
its first member gets op only through the access list (handlers/chanserv.py).
The store follows events: after each topic or mode change of a registered
channel (`observe`, a State observer) the registration is written anew; a write
that fails (a full disk) is kept in memory and tried again by the sweep.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.modes import ModeChange
from parley.server.core import events as ev
from parley.server.core.channel import LIST_MODES, Channel, ListEntry
from parley.server.core.stores import RegistrationStore
from parley.server.store.registrations import LEVEL_LETTERS, OP, Registration
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

    from parley.server.core.client import Client
    from parley.server.core.outgoing import Outgoing
    from parley.server.core.session import Session
    from parley.server.core.state import State

log = logging.getLogger("parley.core")

CHANSERV = "ChanServ"
CHANSERV_PREFIX = "ChanServ!ChanServ@services.parley"


class Registry:
    """The registrations by folded channel name, and the writes still owed to the store."""

    def __init__(self, store: RegistrationStore) -> None:
        self.store = store
        self.by_name: dict[str, Registration] = {r.folded: r for r in store.all()}
        self.unsaved: set[str] = set()  # folded names whose last change is not on disk yet
        self.failing = False  # the last write failed (logged once until one succeeds)
        self.renamed_from: dict[str, str] = {}  # renamed, not yet written: the name on disk
        # Told (channel name, who changed it) when a change could not be written.
        self.on_unsaved: Callable[[str, str], None] | None = None

    def get(self, name: str) -> Registration | None:
        return self.by_name.get(fold(name))

    def founded_by(self, account: str) -> list[Registration]:
        folded = fold(account)
        return [r for r in self.by_name.values() if fold(r.founder) == folded]

    # -- channels come back as they were registered ------------------------------

    def seed(self, channel: Channel) -> bool:
        """A channel just made by a JOIN: give it its registration's name, topic and modes.
        Whether it is registered (its first member is then not made operator for coming
        first)."""
        r = self.by_name.get(channel.folded)
        if r is None:
            return False
        channel.name = r.name
        channel.created = r.registered
        channel.topic, channel.topic_set_by, channel.topic_set_at = r.topic, r.topic_by, r.topic_at
        channel.flags = set(r.flags)
        channel.key, channel.limit = r.key, r.limit
        for letter in LIST_MODES:
            channel.lists[letter] = [ListEntry(*entry) for entry in r.lists.get(letter, ())]
        return True

    def sketch(self, name: str, now: float) -> Channel | None:
        """A registered channel with no members, as it would be made (not in State): for
        the checks of a first JOIN, and for LIST and TOPIC while it is empty."""
        if fold(name) not in self.by_name:
            return None
        channel = Channel(name, now)
        self.seed(channel)
        return channel

    def trusted(self, name: str, account: str | None) -> bool:
        """Whether `account` has op on the registered channel `name`: it joins through +i,
        +k, +l and bans, as the founder of a channel must always be able to."""
        r = self.by_name.get(fold(name))
        return r is not None and r.level(account) == OP

    def grant(
        self, state: State, client: Client, channel: Channel, origin: Session | None
    ) -> Outgoing | None:
        """Op (or voice) from ChanServ for a member whose account is on the access list
        (founder: op), if it has not got it; the MODE line, or None."""
        r = self.by_name.get(channel.folded)
        level = r.level(client.account) if r is not None else None
        held = channel.members.get(client)
        if level is None or held is None:
            return None
        letter = LEVEL_LETTERS[level]
        if letter in held:
            return None
        change = ModeChange(True, letter, client.nick)
        return state.apply(ev.ChannelModeChanged(CHANSERV_PREFIX, channel.name, (change,)), origin)

    # -- the store follows events ------------------------------------------------

    def observe(self, event: ev.Event, channels: dict[str, Channel]) -> None:
        """After an event: a registered channel's topic or modes are saved as they now are."""
        if isinstance(event, ev.TopicChanged):
            name, by = event.channel, event.by
        elif isinstance(event, ev.ChannelModeChanged):
            if all(change.letter in "ov" for change in event.changes):
                return  # who holds op or voice is the access list's, not saved
            name, by = event.channel, event.by
        elif isinstance(event, ev.ChannelRenamed):
            self._renamed(event.old, event.new, event.by)
            return
        else:
            return
        r = self.by_name.get(fold(name))
        channel = channels.get(fold(name))
        if r is None or channel is None:
            return
        snapshot(r, channel)
        self.write(r, by)

    def _renamed(self, old: str, new: str, by: str) -> None:
        r = self.by_name.pop(fold(old), None)
        if r is None:
            return
        r.name = new
        self.by_name[r.folded] = r
        self.unsaved.discard(fold(old))
        # The row on disk is under the old name until a write succeeds (after a rename
        # not yet written, under the first one).
        self.renamed_from[r.folded] = self.renamed_from.pop(fold(old), fold(old))
        self.write(r, by)

    def write(self, r: Registration, by: str) -> bool:
        """Save `r`; if it fails it is kept for the sweep and `by` is told. Whether saved."""
        try:
            self.store.save(r, old=self.renamed_from.get(r.folded))
        except StoreError as exc:
            self._failed(exc, r, by)
            return False
        self.renamed_from.pop(r.folded, None)
        self.unsaved.discard(r.folded)
        self.failing = False
        return True

    def _failed(self, exc: StoreError, r: Registration, by: str) -> None:
        if not self.failing:
            log.error("%s (kept in memory; tried again each second)", exc)
        self.failing = True
        self.unsaved.add(r.folded)
        if self.on_unsaved is not None:
            self.on_unsaved(r.name, by)

    def retry(self) -> None:
        """The sweep: write what could not be written before."""
        for folded in list(self.unsaved):
            r = self.by_name.get(folded)
            if r is None:
                self.unsaved.discard(folded)
                continue
            try:
                self.store.save(r, old=self.renamed_from.get(folded))
            except StoreError:
                return  # still failing: the next sweep tries again
            self.renamed_from.pop(folded, None)
            self.unsaved.discard(folded)
        if self.failing and not self.unsaved:
            log.info("registered channels saved again")
            self.failing = False

    def drop(self, r: Registration) -> None:
        """End a registration (ChanServ DROP, the console); StoreError if it cannot be
        written, and then it stays."""
        self.store.drop(self.renamed_from.get(r.folded, r.folded))
        self.by_name.pop(r.folded, None)
        self.unsaved.discard(r.folded)
        self.renamed_from.pop(r.folded, None)

    def stored_elsewhere(self, folded: str, r: Registration | None, old: str | None = None) -> None:
        """Another node of a cluster saved `r` under `folded` (from `old`, if renamed) or,
        None, dropped the registration stored under `folded`; the store has it already
        (cluster/stores.py): what this node held of it gives way."""
        gone = {folded, old or folded}
        gone.update(new for new, was in self.renamed_from.items() if was == folded)
        for key in gone:
            self.by_name.pop(key, None)
            self.unsaved.discard(key)
            self.renamed_from.pop(key, None)
        if r is not None:
            self.by_name[folded] = r

    # -- accounts going ------------------------------------------------------------

    def account_gone(self, account: str) -> None:
        """A deleted account: the registrations it founded end, its access entries go (the
        store did the same on disk, schema.py)."""
        folded = fold(account)
        for key, r in list(self.by_name.items()):
            if fold(r.founder) == folded:
                del self.by_name[key]
                self.unsaved.discard(key)
            else:
                r.access.pop(folded, None)


def snapshot(r: Registration, channel: Channel) -> None:
    """Copy what a channel comes back with (topic, modes, lists) into its registration."""
    r.name = channel.name
    r.topic, r.topic_by, r.topic_at = channel.topic, channel.topic_set_by, channel.topic_set_at
    r.flags = "".join(sorted(channel.flags))
    r.key, r.limit = channel.key, channel.limit
    r.lists = {
        letter: [(e.mask, e.set_by, e.set_at) for e in entries]
        for letter, entries in channel.lists.items()
        if entries
    }
