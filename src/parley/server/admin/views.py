"""What the console sees of a running server: frozen values made on the event loop.

`take` reads the core and the net layer's counters and copies what the console
shows into plain frozen dataclasses, so the Tk thread never touches a live
object. It runs on the loop, about once a second while a console is open.
"""

from __future__ import annotations

from dataclasses import dataclass
from itertools import islice
from typing import TYPE_CHECKING

import parley
from parley.server.core.cluster import ClusterStatus
from parley.server.core.session import Phase
from parley.server.store.history import WriterStatus

if TYPE_CHECKING:
    from parley.server.app import Process
    from parley.server.core.channel import Channel
    from parley.server.core.client import Client

MAX_ROWS = 5000  # users or channels copied per snapshot; the counters say how many there are


@dataclass(frozen=True, slots=True)
class Listener:
    address: str  # host:port as bound
    tls: bool


@dataclass(frozen=True, slots=True)
class ServerInfo:
    name: str
    network: str
    version: str
    listeners: tuple[Listener, ...]
    fingerprint: str | None  # SHA-256 of the TLS certificate, for users to check
    started: float  # wall-clock time
    metrics: str | None  # where Prometheus scrapes, if it does
    lobby: str | None
    motd: str  # the current message of the day ("" for none)


@dataclass(frozen=True, slots=True)
class UserRow:
    nick: str
    account: str | None
    user: str
    host: str
    connected: float  # wall-clock time of registration
    idle: float  # seconds since the user last spoke
    channels: tuple[str, ...]
    tls: bool
    oper: bool
    away: bool


@dataclass(frozen=True, slots=True)
class ChannelRow:
    name: str
    members: int
    topic: str
    modes: str
    flags: str = ""  # the flag modes set (FLAG_MODES letters)
    key: str | None = None  # shown to the operator, as MODE shows it to members
    limit: int | None = None
    founder: str | None = None  # the founding account of a registered (ChanServ) channel


@dataclass(frozen=True, slots=True)
class BanRow:
    mask: str
    address: bool  # a D-line (address or network), else a K-line (hostmask)
    reason: str
    set_by: str
    set_at: float
    expires: float | None  # None: until removed


@dataclass(frozen=True, slots=True)
class FileRow:
    """A file shared through the web listener (store/uploads.py)."""

    id: str
    account: str
    filename: str
    content_type: str
    size: int
    created: float


@dataclass(frozen=True, slots=True)
class Sample:
    """One second of the charts."""

    at: float
    connections: int
    users: int
    messages_per_s: float
    bytes_out_per_s: float


@dataclass(frozen=True, slots=True)
class Counters:
    connections: int
    unregistered: int
    users: int
    channels: int
    messages: int  # totals since start
    bytes_out: int
    registrations: int
    handler_errors: int
    loop_lag: float  # seconds
    history: WriterStatus | None = None  # the history writer's health
    cluster: ClusterStatus | None = None  # cluster mode: the node and its peers


@dataclass(frozen=True, slots=True)
class Snapshot:
    at: float
    info: ServerInfo
    counters: Counters
    users: tuple[UserRow, ...]
    channels: tuple[ChannelRow, ...]
    bans: tuple[BanRow, ...]
    samples: tuple[Sample, ...]
    files: tuple[FileRow, ...] = ()  # the newest MAX_FILES


def info(process: Process) -> ServerInfo:
    core = process.core
    config = core.config
    metrics = None
    if config.metrics is not None and process.metrics_port is not None:
        metrics = f"{config.metrics.host or '*'}:{process.metrics_port}"
    return ServerInfo(
        name=core.name,
        network=config.network_name,
        version=parley.__version__,
        listeners=tuple(Listener(address, tls) for address, tls in process.bound),
        fingerprint=process.fingerprint,
        started=core.created,
        metrics=metrics,
        lobby=config.lobby,
        motd=core.motd or "",
    )


def counters(process: Process) -> Counters:
    core, hub = process.core, process.hub
    state = core.state
    waiting = sum(1 for s in state.sessions.values() if s.phase is Phase.UNREGISTERED)
    return Counters(
        connections=len(hub.connections),
        unregistered=waiting,
        users=len(state.clients),
        channels=len(state.channels),
        messages=core.stats.messages,
        bytes_out=hub.bytes_out,
        registrations=core.stats.registrations,
        handler_errors=core.stats.handler_errors,
        loop_lag=hub.loop_lag,
        history=process.history.status(),
        cluster=core.cluster.status() if core.cluster is not None else None,
    )


def user_row(client: Client, now: float) -> UserRow:
    return UserRow(
        nick=client.nick,
        account=client.account,
        user=client.user,
        host=client.host,
        connected=client.signon,
        idle=max(0.0, now - client.last_spoke),
        channels=tuple(c.name for c in client.channels.values()),
        tls=any(s.conn.tls for s in client.sessions),
        oper=client.is_oper,
        away=client.away is not None,
    )


def channel_row(channel: Channel, founder: str | None = None) -> ChannelRow:
    return ChannelRow(
        name=channel.name,
        members=len(channel.members),
        topic=channel.topic,
        modes=" ".join(channel.mode_string(show_key=False)),
        flags="".join(sorted(channel.flags)),
        key=channel.key,
        limit=channel.limit,
        founder=founder,
    )


def users(process: Process) -> tuple[UserRow, ...]:
    core = process.core
    now = core.clock.now()
    return tuple(user_row(c, now) for c in islice(core.state.clients.values(), MAX_ROWS))


def channels(process: Process) -> tuple[ChannelRow, ...]:
    """The channels with members, then the registered ones nobody is in (as they would
    come back), each with its founder if registered."""
    core = process.core
    registry, live = core.registry, core.state.channels
    rows = [
        channel_row(c, r.founder if (r := registry.get(c.name)) else None)
        for c in islice(live.values(), MAX_ROWS)
    ]
    now = core.clock.now()
    for r in islice((r for f, r in registry.by_name.items() if f not in live), MAX_ROWS):
        sketch = registry.sketch(r.name, now)
        if sketch is not None:
            rows.append(channel_row(sketch, r.founder))
    return tuple(rows[:MAX_ROWS])


def bans(process: Process) -> tuple[BanRow, ...]:
    return tuple(
        BanRow(b.mask, b.on_address, b.reason, b.set_by, b.set_at, b.expires)
        for b in process.core.bans.active()
    )


MAX_FILES = 500  # shared files a snapshot copies, the newest first


def files(process: Process) -> tuple[FileRow, ...]:
    found = process.core.uploads.listed(None, MAX_FILES)
    return tuple(FileRow(u.id, u.account, u.filename, u.content_type, u.size, u.created)
                 for u in found)  # fmt: skip


def take(process: Process, samples: tuple[Sample, ...]) -> Snapshot:
    """Everything the console shows, copied (on the loop thread)."""
    return Snapshot(
        at=process.core.clock.now(),
        info=info(process),
        counters=counters(process),
        users=users(process),
        channels=channels(process),
        bans=bans(process),
        samples=samples,
        files=files(process),
    )
