"""Store replication, sans-IO: every node keeps its own SQLite database, and makes on it
the writes its peers made on theirs.

How this works: in cluster mode the core is given `Replication`'s wrappers
(wrappers.py) instead of the node's stores; each write they make here goes out as
`emit(store, method, args)`, which the link puts on the stream as a record. A
peer's record comes back through `apply_record`, which makes the same write on this
node's own stores (never sent again) after checking it: only the writes in WRITES,
with arguments of the types listed there (shapes.py), so a record never calls an
arbitrary method nor reaches a store half-checked. Applying a record twice (read
again after a reconnect) changes nothing: accounts and settings are set to the same
values, a line or a stay already stored is ignored, and so on. (That holds for the
stream read again in order, as after a restart; a record delivered again after this
node's own later writes would undo those, so the link skips, by stream sequence, what
it applied already.) Given the Server,
`apply_record` also updates what the core holds in memory in front of a store: bans
in force, registered channels, always-on choices and read markers held.

What is not replicated, and why: the deletion log of accounts (each node's sweep
reads its own and acts on it: logging out, forgetting a deleted account's lines and
markers, which are therefore not sent either); shared files (their bytes are on one
node's disk: uploads.py rows and files stay with it) and Web Push subscriptions (the
node that took one sends its notifications). Writes made by another process on a
node's database (`parley-server create-account` and the like, cli.py) reach that
node only: in cluster mode accounts are made through a running node. Writes the
core makes while applying a peer's events (a channel event kept in history, a
registration following a topic) are the peer's own writes: the link applies events
inside `Replication.quiet()`.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from parley.irc.casemap import fold
from parley.server.cluster import codec
from parley.server.cluster.shapes import RecordError, conform_all
from parley.server.cluster.wrappers import (
    AccountReplica,
    Emit,
    Outbox,
    Recent,
    ReplicatedAccounts,
    ReplicatedBans,
    ReplicatedHistory,
    ReplicatedMarkers,
    ReplicatedMetadata,
    ReplicatedRegistrations,
    ReplicatedVhosts,
    copied,
)
from parley.server.core.stores import (
    AccountStore,
    Ban,
    BanStore,
    HistoryStore,
    MetadataStore,
    ReadMarkerStore,
    RegistrationStore,
    VhostStore,
)
from parley.server.store.accounts import AccountExists, Presence
from parley.server.store.history import HistoryItem, Window
from parley.server.store.registrations import Registration

if TYPE_CHECKING:
    from contextlib import AbstractContextManager

    from parley.server.core.server import Server

__all__ = ["WRITES", "Emit", "RecordError", "Replication", "Stores", "apply_record"]

codec.register(HistoryItem, Window, Ban, Presence, Registration)

# The writes a peer may make here, by store and method, with the types of the record's
# arguments (as they travel: see the wrappers for how each is sent).
WRITES: dict[str, dict[str, tuple[Any, ...]]] = {
    "accounts": {
        "create": (str, str, str | None, float),  # name, hash, scram, created
        "delete": (str,),
        "set_password": (str, str, str | None),
        "set_history_opt_out": (str, bool),
        "set_multiclient": (str, bool),
        "set_always_on": (str, bool),
        "save_presence": (dict[str, Presence],),
        "save_always_on_use": (dict[str, float | None],),
    },
    "history": {
        "append": (HistoryItem,),
        "save_windows": (tuple[Window, ...],),
        "redact": (str, str),  # conversation, msgid
        "rename": (str, str, str),  # old (folded), new (folded), name
    },
    "bans": {"add": (Ban,), "remove": (str,)},
    "vhosts": {"set": (str, str | None)},
    "metadata": {"save": (str, dict[str, str | None])},
    "markers": {"save_markers": (tuple[tuple[str, str, int | None], ...],)},
    "registrations": {"save": (Registration, str | None), "drop": (str,)},
}


@dataclass(frozen=True, slots=True)
class Stores:
    """A node's own stores of what every node shares."""

    accounts: AccountReplica
    history: HistoryStore
    bans: BanStore
    vhosts: VhostStore
    metadata: MetadataStore
    markers: ReadMarkerStore
    registrations: RegistrationStore


class Replication:
    """The node's stores wrapped for the core (`accounts`, `history`, ... are what the
    Server is given), and what applying peers' records needs."""

    def __init__(self, local: Stores, emit: Emit) -> None:
        self.local = local
        self.outbox = out = Outbox(emit)
        self.recent = Recent()  # lines stored lately, whoever wrote them
        # (typed as the core's Protocols: mypy checks that the wrappers are what it needs)
        self.accounts: AccountStore = ReplicatedAccounts(local.accounts, out)
        self.history: HistoryStore = ReplicatedHistory(local.history, out, self.recent)
        self.bans: BanStore = ReplicatedBans(local.bans, out)
        self.vhosts: VhostStore = ReplicatedVhosts(local.vhosts, out)
        self.metadata: MetadataStore = ReplicatedMetadata(local.metadata, out)
        self.markers: ReadMarkerStore = ReplicatedMarkers(local.markers, out)
        self.registrations: RegistrationStore = ReplicatedRegistrations(local.registrations, out)

    def quiet(self) -> AbstractContextManager[None]:
        """Writes made on this thread meanwhile are not sent (while a peer's events are
        applied: the writes they cause are that peer's, made and sent by it)."""
        return self.outbox.quiet()


def apply_record(
    stores: Replication, store: str, method: str, args: Any, server: Server | None = None
) -> bool:
    """Make a peer's write on this node's stores (not sent again); with `server`, what the
    core holds in memory follows. False if there was nothing to do (a line already
    stored). RecordError for a write not in WRITES or arguments of the wrong shape (then
    no store is touched); StoreError if this node's store could not make it."""
    checked = checked_args(store, method, args)
    if store == "history" and method == "append":
        item: HistoryItem = checked[0]
        if not stores.recent.first(item.conversation, item.msgid):
            return False
    _write(stores.local, store, method, checked)
    if server is not None:
        _refresh(server, store, method, checked)
    return True


def checked_args(store: Any, method: Any, args: Any) -> tuple[Any, ...]:
    """A record's arguments as the write takes them; RecordError if it is not one of WRITES."""
    methods = WRITES.get(store) if isinstance(store, str) else None
    if methods is None:
        raise RecordError(f"no store {str(store)[:40]!r} is replicated")
    hints = methods.get(method) if isinstance(method, str) else None
    if hints is None:
        raise RecordError(f"{store}.{str(method)[:40]!r} is not a replicated write")
    if not isinstance(args, tuple | list):
        raise RecordError(f"{store}.{method}: arguments are a list, not a {type(args).__name__}")
    if len(args) != len(hints):
        raise RecordError(f"{store}.{method}: {len(hints)} arguments expected, not {len(args)}")
    return conform_all(args, hints, f"{store}.{method}")


def _write(local: Stores, store: str, method: str, a: tuple[Any, ...]) -> None:
    """The write itself, on this node's store (`a` checked against WRITES)."""
    match store, method:
        case "accounts", "create":
            with contextlib.suppress(AccountExists):  # (made already: the record came twice)
                local.accounts.create(a[0], a[1], a[2], created=a[3])
        case "accounts", "delete":
            local.accounts.delete(a[0])
        case "accounts", "set_password":
            local.accounts.set_password(a[0], a[1], a[2])
        case "accounts", "set_history_opt_out":
            local.accounts.set_history_opt_out(a[0], a[1])
        case "accounts", "set_multiclient":
            local.accounts.set_multiclient(a[0], a[1])
        case "accounts", "set_always_on":
            local.accounts.set_always_on(a[0], a[1])
        case "accounts", "save_presence":
            local.accounts.save_presence(a[0])
        case "accounts", "save_always_on_use":
            local.accounts.save_always_on_use(a[0])
        case "history", "append":
            local.history.append(a[0])
        case "history", "save_windows":
            local.history.save_windows(list(a[0]))
        case "history", "redact":
            local.history.redact(a[0], a[1])
        case "history", "rename":
            local.history.rename(a[0], a[1], a[2])
        case "bans", "add":
            local.bans.add(a[0])
        case "bans", "remove":
            local.bans.remove(a[0])
        case "vhosts", "set":
            local.vhosts.set(a[0], a[1])
        case "metadata", "save":
            local.metadata.save(a[0], a[1])
        case "markers", "save_markers":
            local.markers.save_markers({(account, target): at for account, target, at in a[0]})
        case "registrations", "save":
            local.registrations.save(a[0], a[1])
        case "registrations", "drop":
            local.registrations.drop(a[0])
        case _:  # (WRITES lists a write this does not make: a bug, caught by the tests)
            raise RecordError(f"{store}.{method} has no writer")


def _refresh(server: Server, store: str, method: str, a: tuple[Any, ...]) -> None:
    """What the core holds in memory in front of a store, after a peer's write to it.
    (Accounts are read from the store each time, but for always-on choices; a deletion
    is acted on by the sweep, which reads the store's deletion log.)"""
    match store, method:
        case "bans", "add":
            server.bans.stored_elsewhere(a[0].mask, a[0])
        case "bans", "remove":
            server.bans.stored_elsewhere(a[0], None)
        case "registrations", "save":
            server.registry.stored_elsewhere(a[0].folded, copied(a[0]), a[1])
        case "registrations", "drop":
            server.registry.stored_elsewhere(a[0], None)
        case "markers", "save_markers":
            server.markers.stored_elsewhere({account for account, _, _ in a[0]})
        case "accounts", "set_always_on":
            server.always_on.settings[fold(a[0])] = a[1]
