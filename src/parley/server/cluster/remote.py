"""The users of other nodes, kept from their events (sans-IO: no NATS here).

A peer's event is applied to State as a local one is, with no origin: the
lines go to this node's sessions concerned, and a peer's users are Clients
with no sessions, so nothing is sent for them. Before an event is applied it
is checked against what this node holds (`_GUARDS`): delivery is at least
once, and two nodes may change one thing at the same instant, so an event
that no longer fits (a JOIN of someone already there, a message from someone
gone) is dropped, never allowed to raise in an applier. History is not
written here: the origin's store writes travel as records of their own
(cluster/stores.py). docs/cluster.md has the whole design.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any

from parley.irc.casemap import fold, is_channel
from parley.server.cluster import codec
from parley.server.core import events as ev
from parley.server.core.channel import STATUSMSG, ListEntry
from parley.server.core.outgoing import Outgoing

if TYPE_CHECKING:
    from parley.server.core.channel import Channel
    from parley.server.core.client import Client
    from parley.server.core.server import Server
    from parley.server.core.state import State

log = logging.getLogger("parley.cluster")

# A peer's session ids mean nothing here: its Registered names no session of ours.
NO_SESSION = -1

# The events a node tells its peers. Sessions, MONITOR watches and idle times are
# a node's own business; a peer's Registered and Quit stand for its sessions.
RELAYED: frozenset[type] = frozenset((
    ev.Joined, ev.Parted, ev.Kicked, ev.Quit, ev.NickChanged, ev.Messaged,
    ev.MultilineMessaged, ev.ChannelModeChanged, ev.UserModeChanged, ev.TopicChanged,
    ev.Invited, ev.AwayChanged, ev.Wallops, ev.Announced, ev.AccountChanged,
    ev.RealnameChanged, ev.HostChanged, ev.MetadataChanged, ev.Redacted,
    ev.ChannelRenamed, ev.Registered, ev.HistoryOptOut,
))  # fmt: skip


def event_record(state: State, event: ev.Event, out: Outgoing) -> list[Any]:
    """A local event as the stream carries it: with its line's stamp, and for a JOIN the
    channel's identity (a JOIN that made it gives the channel its incarnation)."""
    stamp = (out.msgid, out.time) if out.msgid else None
    extra = None
    if type(event) is ev.Joined:
        channel = state.channels.get(fold(event.channel))
        if channel is not None:
            extra = {"incarnation": channel.incarnation, "created": channel.created}
    return ["e", event, stamp, extra]


@dataclass(frozen=True, slots=True)
class ChannelState:
    """A channel as a node's snapshot carries it: what no event sets at once."""

    name: str
    incarnation: str
    created: float
    flags: tuple[str, ...]
    key: str | None
    limit: int | None
    lists: tuple[tuple[str, str, str, float], ...]  # (letter, mask, set by, set at)
    topic: str
    topic_set_by: str
    topic_set_at: float
    members: tuple[tuple[str, str], ...]  # (nick, prefix letters) of the node's own users


@dataclass(frozen=True, slots=True)
class Snapshot:
    """A node's own users and the channels they are in, for a node that starts."""

    users: tuple[ev.Event, ...]  # Registered, then what each user has set since
    channels: tuple[ChannelState, ...]


codec.register(ChannelState, Snapshot)


class _Stamped:
    """Playback for a peer's event: its line takes the stamp the origin gave it, and
    nothing is stored (the origin's history records are applied separately)."""

    __slots__ = ("msgid", "state", "time")

    def __init__(self, state: State, stamp: tuple[str, float] | None) -> None:
        self.state = state
        self.msgid: str | None = stamp[0] if stamp is not None else None
        self.time = stamp[1] if stamp is not None else state.clock.now()

    def stamp(self, out: Outgoing) -> float:
        out.msgid, out.time = self.msgid, self.time
        return max(self.state.last_line, self.time)

    def keep(self, *args: Any, **kwargs: Any) -> None:
        return None


class Peers:
    """Which users are whose, and the one way a peer's event reaches State."""

    def __init__(self, server: Server, node: str) -> None:
        self.server = server
        self.state = server.state
        self.node = node
        self.owner: dict[Client, str] = {}  # a peer's user -> its node
        self.applying = False  # a peer's event is being applied: it is not relayed back
        self.dropped = 0  # peers' events that no longer fitted (metrics)

    def is_remote(self, client: Client) -> bool:
        return client in self.owner

    def _local_account(self, account: str) -> bool:
        """Some user of this node is logged into `account`."""
        return any(c not in self.owner for c in self.state.by_account.clients(account))

    def users_of(self, node: str) -> list[Client]:
        return [c for c, n in self.owner.items() if n == node]

    def apply(self, node: str, event: ev.Event, stamp: tuple[str, float] | None = None,
              extra: dict[str, Any] | None = None) -> bool:  # fmt: skip
        """Apply `node`'s event; False when it no longer fits and is dropped."""
        guard = _GUARDS.get(type(event))
        fitted = guard(self, node, event) if guard is not None else None
        if fitted is None:
            self.dropped += 1
            return False
        quitter = _user(self, fitted.nick) if isinstance(fitted, ev.Quit) else None
        try:
            with self._remote(stamp):
                self.state.apply(fitted, None)
        except Exception:  # a peer's odd event must not stop the others
            log.exception("a peer's event failed: %r", fitted)
            self.dropped += 1
            return False
        if quitter is not None:
            self.owner.pop(quitter, None)
        self._after(node, fitted, extra)
        return True

    @contextmanager
    def _remote(self, stamp: tuple[str, float] | None) -> Iterator[None]:
        state = self.state
        playback, keep_presence, last = state.playback, state.keep_presence, state.last_line
        windows = len(state.windows)
        state.playback = _Stamped(state, stamp)  # type: ignore[assignment]
        state.keep_presence = None  # the origin saves where its user was
        self.applying = True
        try:
            yield
        finally:
            self.applying = False
            state.playback, state.keep_presence = playback, keep_presence
            state.last_line = max(last, state.last_line)
            if len(state.windows) > windows:  # a peer's user's stay: its node saves it
                state.windows[windows:] = [
                    w for w in state.windows[windows:] if self._local_account(w.account)
                ]

    def _after(self, node: str, e: ev.Event, extra: dict[str, Any] | None) -> None:
        state = self.state
        if isinstance(e, ev.Registered):
            self.owner[state.clients[fold(e.nick)]] = node
        elif isinstance(e, ev.Joined) and extra:
            channel = state.channels[fold(e.channel)]
            if len(channel.members) == 1:  # it made the channel: the origin's identity
                channel.incarnation = str(extra.get("incarnation", channel.incarnation))
                channel.created = float(extra.get("created", channel.created))
        if state.moved:  # their own node saves where they are
            state.moved.difference_update([c for c in state.moved if c in self.owner])

    # -- a node gone, a node starting ---------------------------------------------

    def node_gone(self, node: str, reason: str) -> int:
        """Every user of `node` quits (it died or left); how many."""
        gone = self.users_of(node)
        for client in gone:
            if self.state.clients.get(client.folded) is client:
                with self._remote(None):
                    self.state.apply(ev.Quit(client.nick, reason), None)
            self.owner.pop(client, None)
        return len(gone)

    def snapshot(self) -> Snapshot:
        """This node's own users and their channels, as a starting node needs them."""
        users: list[ev.Event] = []
        channels: dict[str, Channel] = {}
        for client in list(self.state.clients.values()):
            if client in self.owner:
                continue
            users.extend(_user_events(client))
            for channel in client.channels.values():
                channels[channel.folded] = channel
        return Snapshot(tuple(users), tuple(self._channel_state(c) for c in channels.values()))

    def _channel_state(self, channel: Channel) -> ChannelState:
        lists = tuple(
            (letter, e.mask, e.set_by, e.set_at)
            for letter, entries in channel.lists.items()
            for e in entries
        )
        owner = self.owner
        members = tuple((m.nick, held) for m, held in channel.members.items() if m not in owner)
        return ChannelState(
            channel.name, channel.incarnation, channel.created, tuple(sorted(channel.flags)),
            channel.key, channel.limit, lists, channel.topic, channel.topic_set_by,
            channel.topic_set_at, members,
        )  # fmt: skip

    def restore(self, node: str, snapshot: Snapshot) -> None:
        """A peer's snapshot, applied as this node starts (before it takes clients)."""
        for event in snapshot.users:
            self.apply(node, event)
        for cs in snapshot.channels:
            for nick, held in cs.members:
                client = self.state.client(nick)
                if client is None or self.owner.get(client) != node:
                    continue
                if fold(cs.name) not in client.channels:
                    self.apply(node, ev.Joined(nick, cs.name))
                channel = self.state.channels.get(fold(cs.name))
                if channel is not None:
                    channel.members[client] = held
            channel = self.state.channels.get(fold(cs.name))
            if channel is not None and all(m in self.owner for m in channel.members):
                _take_state(channel, cs)  # (a channel with our own members has ours)


def _user_events(client: Client) -> Iterator[ev.Event]:
    yield ev.Registered(
        NO_SESSION, client.nick, client.user, client.host, client.real_host, client.realname,
        client.account, client.no_history, client.uid,
        tuple(sorted((client.metadata or {}).items())),
    )  # fmt: skip
    if client.away is not None:
        yield ev.AwayChanged(client.nick, client.away)
    if client.modes:
        from parley.irc.modes import ModeChange

        changes = tuple(ModeChange(True, letter) for letter in sorted(client.modes))
        yield ev.UserModeChanged(client.nick, changes)


def _take_state(channel: Channel, cs: ChannelState) -> None:
    """The snapshot's modes, lists and topic (a restore, not a change anyone sees)."""
    channel.incarnation, channel.created = cs.incarnation, cs.created
    channel.flags = set(cs.flags)
    channel.key, channel.limit = cs.key, cs.limit
    for entries in channel.lists.values():
        entries.clear()
    for letter, mask, by, at in cs.lists:
        if letter in channel.lists:
            channel.lists[letter].append(ListEntry(mask, by, at))
    channel.topic, channel.topic_set_by, channel.topic_set_at = (
        cs.topic, cs.topic_set_by, cs.topic_set_at,
    )  # fmt: skip


# -- what makes a peer's event fit -------------------------------------------------

Guard = Callable[[Peers, str, Any], "ev.Event | None"]


def _user(p: Peers, nick: str) -> Client | None:
    return p.state.clients.get(fold(nick))


def _about_user(field: str) -> Guard:
    """Events about one user: they fit while that user is here."""

    def guard(p: Peers, node: str, e: Any) -> ev.Event | None:
        return e if _user(p, getattr(e, field)) is not None else None

    return guard


def _registered(p: Peers, node: str, e: ev.Registered) -> ev.Event | None:
    if _user(p, e.nick) is not None:  # claims make this rare: the one here stays
        log.warning("node %s registered %s, a nick in use here", node, e.nick)
        return None
    return replace(e, session=NO_SESSION)


def _quit(p: Peers, node: str, e: ev.Quit) -> ev.Event | None:
    client = _user(p, e.nick)
    return e if client is not None and p.owner.get(client) == node else None


def _joined(p: Peers, node: str, e: ev.Joined) -> ev.Event | None:
    client = _user(p, e.nick)
    if client is None or fold(e.channel) in client.channels:
        return None
    return e


def _member(p: Peers, nick: str, channel: str) -> bool:
    client = _user(p, nick)
    return client is not None and fold(channel) in client.channels


def _parted(p: Peers, node: str, e: ev.Parted) -> ev.Event | None:
    return e if _member(p, e.nick, e.channel) else None


def _kicked(p: Peers, node: str, e: ev.Kicked) -> ev.Event | None:
    return e if _member(p, e.victim, e.channel) else None


def _nick_changed(p: Peers, node: str, e: ev.NickChanged) -> ev.Event | None:
    client, holder = _user(p, e.old), _user(p, e.new)
    if client is None or (holder is not None and holder is not client):
        return None
    return e


def _said(p: Peers, node: str, e: ev.Messaged | ev.MultilineMessaged) -> ev.Event | None:
    if _user(p, e.nick) is None:
        return None
    target = e.target[1:] if e.target[:1] in STATUSMSG else e.target
    if is_channel(target):
        return e if fold(target) in p.state.channels else None
    return e if _user(p, target) is not None else None


def _channel(p: Peers, node: str, e: Any) -> ev.Event | None:
    return e if fold(e.channel) in p.state.channels else None


def _mode_changed(p: Peers, node: str, e: ev.ChannelModeChanged) -> ev.Event | None:
    channel = p.state.channels.get(fold(e.channel))
    if channel is None:
        return None
    changes = tuple(
        c for c in e.changes
        if c.letter not in "ov" or _member(p, c.arg or "", e.channel)
    )  # fmt: skip
    return replace(e, changes=changes) if changes else None


def _invited(p: Peers, node: str, e: ev.Invited) -> ev.Event | None:
    return e if _user(p, e.nick) is not None else None


def _metadata(p: Peers, node: str, e: ev.MetadataChanged) -> ev.Event | None:
    if is_channel(e.target):
        return e if fold(e.target) in p.state.channels else None
    return e if _user(p, e.target) is not None else None


def _redacted(p: Peers, node: str, e: ev.Redacted) -> ev.Event | None:
    if _user(p, e.by) is None or (e.peer is not None and _user(p, e.peer) is None):
        return None
    return e


def _renamed(p: Peers, node: str, e: ev.ChannelRenamed) -> ev.Event | None:
    channels = p.state.channels
    if fold(e.old) not in channels or (fold(e.new) in channels and fold(e.new) != fold(e.old)):
        return None
    return e


def _anyone(p: Peers, node: str, e: ev.Event) -> ev.Event | None:
    return e


_GUARDS: dict[type, Guard] = {
    ev.Registered: _registered,
    ev.Quit: _quit,
    ev.Joined: _joined,
    ev.Parted: _parted,
    ev.Kicked: _kicked,
    ev.NickChanged: _nick_changed,
    ev.Messaged: _said,
    ev.MultilineMessaged: _said,
    ev.ChannelModeChanged: _mode_changed,
    ev.TopicChanged: _channel,
    ev.Invited: _invited,
    ev.UserModeChanged: _about_user("nick"),
    ev.AwayChanged: _about_user("nick"),
    ev.AccountChanged: _about_user("nick"),
    ev.RealnameChanged: _about_user("nick"),
    ev.HostChanged: _about_user("nick"),
    ev.HistoryOptOut: _about_user("nick"),
    ev.MetadataChanged: _metadata,
    ev.Redacted: _redacted,
    ev.ChannelRenamed: _renamed,
    ev.Wallops: _anyone,
    ev.Announced: _anyone,
}
