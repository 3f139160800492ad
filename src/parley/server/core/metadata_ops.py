"""IRCv3 metadata in a command's context: batches of values, what a join, a WHOIS, a
MONITOR or a login brings, and changes to an account's keys (kept in the store).

Lines to the asker go in a `metadata` batch when it negotiated `batch`; a batch
that may be long (a channel's members' keys) is made as the client reads it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator

from parley.irc.casemap import fold
from parley.irc.message import encode_parts
from parley.irc.numerics import RPL_KEYVALUE, RPL_WHOISKEYVALUE
from parley.server.core import events as ev
from parley.server.core.channel import Channel
from parley.server.core.client import Client
from parley.server.core.context import Context
from parley.server.core.metadata import CAP, VISIBILITY, merged, notice, shown
from parley.server.core.outgoing import Outgoing, with_tags
from parley.server.store.schema import StoreError

log = logging.getLogger("parley.core")

# Members of a channel whose keys go at once on JOIN or SYNC; past this, as read.
AT_ONCE = 50

Values = Iterable[tuple[str, dict[str, str] | None]]  # (target's name, its keys)


def batch(ctx: Context, kind: str, param: str | None, lines: Iterable[bytes]) -> Iterator[bytes]:
    """`lines` in an IRCv3 batch of `kind` if the asker negotiated batch."""
    if "batch" not in ctx.session.caps:
        yield from lines
        return
    ref = ctx.server.new_batch_id()
    params = (f"+{ref}", kind, param) if param else (f"+{ref}", kind)
    yield stamped(ctx, encode_parts(ctx.server.name, "BATCH", params))
    tag = {"batch": ref}
    for line in lines:
        yield with_tags(line, tag)
    yield stamped(ctx, encode_parts(ctx.server.name, "BATCH", (f"-{ref}",)))


def stamped(ctx: Context, line: bytes) -> bytes:
    """A line to the asker, with server-time if it negotiated it."""
    return Outgoing(line, ctx.state.clock.now()).to(ctx.session.tag_mask)


def value_lines(ctx: Context, targets: Values, keys: Iterable[str] | None) -> Iterator[bytes]:
    """761 for each key of each target (among `keys`, or all of them if None)."""
    wanted = list(keys) if keys is not None else None
    for name, values in targets:
        pairs = shown(values, wanted) if wanted is not None else (values or {}).items()
        for key, value in pairs:
            yield ctx.numeric(RPL_KEYVALUE, name, key, VISIBILITY, text=value)


def send_batch(ctx: Context, param: str, lines: Iterable[bytes], large: bool = False) -> None:
    """A `metadata` batch to the asker: at once, or (`large`) made as the client reads."""
    out = batch(ctx, "metadata", param, lines)
    if large:
        ctx.stream(out)
    else:
        for line in out:
            ctx.send_raw(line)


def sync_channel(ctx: Context, channel: Channel, keys: Iterable[str] | None = None) -> None:
    """The channel's subscribed keys and its members', in one batch (JOIN, SYNC)."""
    subs = sorted(keys if keys is not None else ctx.session.metadata_subs)
    members = list(channel.members)
    targets: list[tuple[str, dict[str, str] | None]] = [(channel.name, channel.metadata)]
    targets += [(m.nick, m.metadata) for m in members if m.metadata]
    send_batch(ctx, channel.name, value_lines(ctx, targets, subs), len(members) > AT_ONCE)


def channel_shown(ctx: Context, channel: Channel) -> None:
    """After a JOIN, to each of the joiner's connections: the channel's and members' keys."""
    session = ctx.session
    if CAP in session.caps and session.metadata_subs:
        sync_channel(ctx, channel)


def joiner_known(ctx: Context, channel: Channel) -> None:
    """After a JOIN: members who subscribed learn the joiner's keys."""
    client = ctx.client
    if client.metadata:
        _tell(ctx, client, (m for m in channel.members if m is not client))


def _tell(ctx: Context, client: Client, others: Iterable[Client]) -> None:
    """A user's keys, as change notices, to the others' connections that subscribed."""
    assert client.metadata is not None
    now = ctx.state.clock.now()
    lines = {k: Outgoing(notice(ctx.server.name, client.nick, k, v), now)
             for k, v in client.metadata.items()}  # fmt: skip
    for other in others:
        for session in other.sessions:
            if session.metadata_subs and CAP in session.caps:  # (most have none: no loop)
                for key in session.metadata_subs & lines.keys():
                    session.conn.send(lines[key].to(session.tag_mask))


def greet(ctx: Context) -> None:
    """In the registration burst: one's own keys (an empty batch if none), and to those
    watching the nick with MONITOR, the keys they subscribed to."""
    client = ctx.client
    if CAP in ctx.session.caps:
        send_batch(ctx, client.nick, value_lines(ctx, [(client.nick, client.metadata)], None))
    if client.metadata:
        _tell(ctx, client, ctx.state.monitors.get(client.folded, ()))


def whois(ctx: Context, target: Client) -> None:
    """760 for each of the target's keys, to an asker who negotiated the capability."""
    if target.metadata and CAP in ctx.session.caps:
        for key, value in target.metadata.items():
            ctx.reply(RPL_WHOISKEYVALUE, target.nick, key, VISIBILITY, text=value)


def monitored(ctx: Context, nicks: Iterable[str]) -> None:
    """After MONITOR +: the subscribed keys of those of `nicks` online."""
    session = ctx.session
    if CAP not in session.caps or not session.metadata_subs:
        return
    subs = sorted(session.metadata_subs)
    for nick in nicks:
        client = ctx.state.clients.get(fold(nick))
        if client is not None and client.metadata:
            lines = list(value_lines(ctx, [(client.nick, client.metadata)], subs))
            if lines:
                send_batch(ctx, client.nick, lines)


def adopted(ctx: Context, account: str | None) -> tuple[tuple[str, str], ...]:
    """At registration: the keys a new user starts with, those set before it over those
    stored with the account logged into (the connection's own are the newer, and the
    account gains them, saved now)."""
    session = ctx.session
    early, session.metadata = session.metadata, None
    if account is None:
        return tuple((early or {}).items())
    limit = ctx.server.config.limits.metadata_max_keys
    values, gained = merged(early, _stored(ctx, account), limit)
    _save(ctx, account, dict(gained))
    return tuple(values.items())


def logged_in(ctx: Context) -> None:
    """After a login of a registered user: the account's keys come back (the
    connection's own win), and subscribers are told of what changed."""
    client = ctx.client
    account = client.account
    if account is None:
        return
    limit = ctx.server.config.limits.metadata_max_keys
    before = dict(client.metadata or {})
    values, gained = merged(before, _stored(ctx, account), limit)
    _save(ctx, account, dict(gained))
    for key in before.keys() - values.keys():  # (only with more keys than the limit)
        ctx.state.apply(ev.MetadataChanged(client.nick, client.nick, key, None), ctx.session)
    for key, value in values.items():
        if before.get(key) != value:
            ctx.state.apply(ev.MetadataChanged(client.nick, client.nick, key, value), ctx.session)
    if CAP in ctx.session.caps and values != before:
        send_batch(ctx, client.nick, value_lines(ctx, [(client.nick, client.metadata)], None))


def _stored(ctx: Context, account: str) -> dict[str, str]:
    try:
        return ctx.server.metadata.load(account)
    except Exception as exc:  # an unreadable store costs the restore, not the login
        log.error("metadata of %s could not be read: %s", account, exc)
        return {}


def _save(ctx: Context, account: str, changes: dict[str, str | None]) -> None:
    if changes:
        try:
            ctx.server.metadata.save(account, changes)
        except StoreError as exc:
            log.error("%s", exc)


def set_user_key(ctx: Context, client: Client, key: str, value: str | None) -> bool:
    """Set (or remove) a user's key: saved first if they are logged in, then on every
    client of that account. False (and nothing changed) if it could not be saved."""
    account = client.account
    if account is not None:
        try:
            ctx.server.metadata.save(account, {key: value})
        except StoreError as exc:
            log.error("%s", exc)
            return False
    clients = [c for c in ctx.state.logins if c.account == account] if account else [client]
    for other in clients:
        if (other.metadata or {}).get(key) != value:  # (setting what is there tells no one)
            ctx.state.apply(ev.MetadataChanged(ctx.nick, other.nick, key, value), ctx.session)
    return True
