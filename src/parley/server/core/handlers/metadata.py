"""IRCv3 METADATA (draft/metadata-3): users' and channels' keys, and subscriptions.

    METADATA <target> GET <key>...   LIST   SET <key> [:<value>]   CLEAR   SYNC
    METADATA * SUB <key>...   UNSUB <key>...   SUBS

A user sets keys on themselves, a channel operator on the channel. A user's keys
are readable by anyone (like WHOIS); a channel's by its members only. Before
registration (the cap's `before-connect`), `*` is the only target, and what is
set there becomes the user's at registration.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator

from parley.irc.casemap import is_channel
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_NEEDMOREPARAMS,
    ERR_NOTREGISTERED,
    RPL_KEYNOTSET,
    RPL_KEYVALUE,
    RPL_METADATASUBOK,
    RPL_METADATASUBS,
    RPL_METADATAUNSUBOK,
    Numeric,
)
from parley.server.core import events as ev
from parley.server.core.channel import Channel
from parley.server.core.client import Client
from parley.server.core.context import Context
from parley.server.core.metadata import CAP, VISIBILITY, valid_key, value_problem
from parley.server.core.metadata_ops import (
    AT_ONCE,
    batch,
    send_batch,
    set_user_key,
    sync_channel,
    value_lines,
)
from parley.server.core.session import Phase

# Bytes of keys in one 770/771/772 line (a line holds 512 with the prefix and the nick).
KEYS_PER_LINE = 400

Target = Client | Channel | None  # None: the session itself, before registration


def handle_metadata(ctx: Context, msg: Message) -> None:
    session = ctx.session
    if session.phase is not Phase.REGISTERED and CAP not in session.caps:
        ctx.reply(ERR_NOTREGISTERED)
        return
    target, sub, args = msg.params[0], msg.params[1].upper(), list(msg.params[2:])
    run = SUBCOMMANDS.get(sub)
    if run is None:
        ctx.fail("METADATA", "SUBCOMMAND_INVALID", msg.params[1], "invalid subcommand")
        return
    if sub in NEEDS_KEYS and not args:
        ctx.reply(ERR_NEEDMOREPARAMS, "METADATA")
        return
    run(ctx, target, args)


# -- targets -------------------------------------------------------------------


def _resolve(ctx: Context, name: str) -> tuple[bool, Target, str]:
    """(found, the target, its name in replies); says INVALID_TARGET if not found."""
    if ctx.session.phase is not Phase.REGISTERED:
        if name == "*":
            return True, None, "*"
        ctx.fail("METADATA", "KEY_NO_PERMISSION", name, "*", "only * before registration")
        return False, None, name
    client = ctx.client
    if name == "*":
        return True, client, client.nick
    if is_channel(name):
        channel = ctx.state.channel(name)
        # a secret channel is not there for those outside it (as for NAMES and LIST)
        if channel is not None and ("s" not in channel.flags or client in channel.members):
            return True, channel, channel.name
    else:
        other = ctx.state.client(name)
        if other is not None:
            return True, other, other.nick
    ctx.fail("METADATA", "INVALID_TARGET", name, "invalid metadata target")
    return False, None, name


def _values(ctx: Context, target: Target) -> dict[str, str] | None:
    return ctx.session.metadata if target is None else target.metadata


def _may_read(ctx: Context, target: Target, name: str) -> bool:
    """A channel's keys are its members'; anything else may be read by anyone."""
    if isinstance(target, Channel) and ctx.client not in target.members:
        ctx.fail("METADATA", "KEY_NO_PERMISSION", name, "*", "you are not on that channel")
        return False
    return True


def _may_write(ctx: Context, target: Target, name: str, key: str) -> bool:
    """One's own keys, and a channel's for its operators."""
    if target is None or target is ctx.session.client:
        return True
    if isinstance(target, Channel) and target.is_op(ctx.client):
        return True
    ctx.fail("METADATA", "KEY_NO_PERMISSION", name, key, "permission denied")
    return False


# -- reading -------------------------------------------------------------------


def _get(ctx: Context, name: str, args: list[str]) -> None:
    found, target, shown_as = _resolve(ctx, name)
    if not found or not _may_read(ctx, target, shown_as):
        return
    values = _values(ctx, target) or {}
    limits = ctx.server.config.limits
    lines: list[bytes] = []
    for key in args:
        if not valid_key(key, limits):
            lines.append(ctx.fail_line("METADATA", "INVALID_KEY", key, "invalid key"))
        elif key in values:
            lines.append(ctx.numeric(RPL_KEYVALUE, shown_as, key, VISIBILITY, text=values[key]))
        else:
            lines.append(ctx.numeric(RPL_KEYNOTSET, shown_as, key))
    send_batch(ctx, shown_as, lines)


def _list(ctx: Context, name: str, args: list[str]) -> None:
    found, target, shown_as = _resolve(ctx, name)
    if not found or not _may_read(ctx, target, shown_as):
        return
    send_batch(ctx, shown_as, value_lines(ctx, [(shown_as, _values(ctx, target))], None))


def _sync(ctx: Context, name: str, args: list[str]) -> None:
    found, target, shown_as = _resolve(ctx, name)
    if not found or not _may_read(ctx, target, shown_as):
        return
    if isinstance(target, Channel):
        sync_channel(ctx, target)
        return
    subs = sorted(ctx.session.metadata_subs)
    send_batch(ctx, shown_as, value_lines(ctx, [(shown_as, _values(ctx, target))], subs))


# -- writing -------------------------------------------------------------------


def _set(ctx: Context, name: str, args: list[str]) -> None:
    key = args[0]
    limits = ctx.server.config.limits
    if not valid_key(key, limits):
        ctx.fail("METADATA", "INVALID_KEY", key, "invalid key")
        return
    found, target, shown_as = _resolve(ctx, name)
    if not found or not _may_write(ctx, target, shown_as, key):
        return
    value = args[1] if len(args) > 1 else None
    values = _values(ctx, target) or {}
    if value is not None:
        problem = value_problem(value, limits)
        if problem is not None:
            ctx.fail("METADATA", "INVALID_VALUE", key, problem)
            return
        if key not in values and len(values) >= limits.metadata_max_keys:
            limit = str(limits.metadata_max_keys)
            ctx.fail("METADATA", "LIMIT_REACHED", shown_as, limit, "too many metadata keys")
            return
    if not _change(ctx, target, key, value):
        ctx.fail("METADATA", "TEMPORARILY_UNAVAILABLE", shown_as, key, "not saved; try again")
        return
    if value is None:
        ctx.reply(RPL_KEYNOTSET, shown_as, key)
    else:
        ctx.reply(RPL_KEYVALUE, shown_as, key, VISIBILITY, text=value)


def _change(ctx: Context, target: Target, key: str, value: str | None) -> bool:
    """Make the change and tell who subscribed; False if it could not be saved."""
    if target is None:
        session = ctx.session
        values = session.metadata or {}
        if value is None:
            values.pop(key, None)
        else:
            values[key] = value
        session.metadata = values or None
        return True
    if isinstance(target, Client):
        return set_user_key(ctx, target, key, value)
    if (target.metadata or {}).get(key) != value:  # (setting what is there tells no one)
        ctx.state.apply(ev.MetadataChanged(ctx.nick, target.name, key, value), ctx.session)
    return True


def _clear(ctx: Context, name: str, args: list[str]) -> None:
    found, target, shown_as = _resolve(ctx, name)
    if not found or not _may_write(ctx, target, shown_as, "*"):
        return
    cleared = []
    for key in list(_values(ctx, target) or {}):
        if _change(ctx, target, key, None):
            cleared.append(ctx.numeric(RPL_KEYNOTSET, shown_as, key))
    send_batch(ctx, shown_as, cleared)


# -- subscriptions ---------------------------------------------------------------


def _sub(ctx: Context, name: str, args: list[str]) -> None:
    session = ctx.session
    limits = ctx.server.config.limits
    subs = set(session.metadata_subs)
    acked: list[str] = []
    added: list[str] = []
    for key in args:
        if not valid_key(key, limits):
            ctx.fail("METADATA", "INVALID_KEY", key, "invalid key")
            continue
        if key not in subs:
            if len(subs) >= limits.metadata_max_subs:
                limit = str(limits.metadata_max_subs)
                ctx.fail("METADATA", "LIMIT_REACHED", key, limit, "too many subscriptions")
                break
            subs.add(key)
            added.append(key)
        acked.append(key)
    session.metadata_subs = frozenset(subs)
    _key_lines(ctx, RPL_METADATASUBOK, acked, ctx.send_raw)
    if added and session.client is not None:
        _now_known(ctx, session.client, added)


def _now_known(ctx: Context, client: Client, keys: list[str]) -> None:
    """After SUB: the new keys' values among those the user is told about (if any)."""
    seen: dict[Client, None] = {client: None}
    targets: list[tuple[str, dict[str, str] | None]] = []
    for channel in client.channels.values():
        if channel.metadata:
            targets.append((channel.name, channel.metadata))
        seen.update(dict.fromkeys(channel.members))
    for nick in client.monitoring:
        other = ctx.state.clients.get(nick)
        if other is not None:
            seen[other] = None
    targets += [(c.nick, c.metadata) for c in seen if c.metadata]
    if any(key in values for _, values in targets if values for key in keys):
        send_batch(ctx, client.nick, value_lines(ctx, targets, keys), len(seen) > AT_ONCE)


def _unsub(ctx: Context, name: str, args: list[str]) -> None:
    session = ctx.session
    limits = ctx.server.config.limits
    gone: list[str] = []
    for key in args:
        if not valid_key(key, limits):
            ctx.fail("METADATA", "INVALID_KEY", key, "invalid key")
            continue
        gone.append(key)
    session.metadata_subs = frozenset(session.metadata_subs.difference(gone))
    _key_lines(ctx, RPL_METADATAUNSUBOK, gone, ctx.send_raw)


def _subs(ctx: Context, name: str, args: list[str]) -> None:
    lines: list[bytes] = []
    _key_lines(ctx, RPL_METADATASUBS, sorted(ctx.session.metadata_subs), lines.append)
    for line in batch(ctx, "metadata-subs", None, lines):
        ctx.send_raw(line)


def _key_lines(
    ctx: Context, numeric: Numeric, keys: list[str], put: Callable[[bytes], None]
) -> None:
    """Keys in as few lines of `numeric` as fit."""
    for chunk in _chunks(keys):
        put(ctx.numeric(numeric, *chunk[:-1], text=chunk[-1]))


def _chunks(keys: Iterable[str]) -> Iterator[list[str]]:
    chunk: list[str] = []
    size = 0
    for key in keys:
        if chunk and size + len(key) + 1 > KEYS_PER_LINE:
            yield chunk
            chunk, size = [], 0
        chunk.append(key)
        size += len(key) + 1
    if chunk:
        yield chunk


SUBCOMMANDS: dict[str, Callable[[Context, str, list[str]], None]] = {
    "GET": _get,
    "LIST": _list,
    "SET": _set,
    "CLEAR": _clear,
    "SYNC": _sync,
    "SUB": _sub,
    "UNSUB": _unsub,
    "SUBS": _subs,
}
NEEDS_KEYS = frozenset({"GET", "SET", "SUB", "UNSUB"})
