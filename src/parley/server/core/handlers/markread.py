"""IRCv3 draft/read-marker: MARKREAD, how far a person has read in each conversation.

    MARKREAD <target>                      the marker: `timestamp=<time>`, or `*`
    MARKREAD <target> timestamp=<time>     move it forward; every session is told

A marker is its owner's own: a logged-in user's belongs to the account (kept
across sessions and restarts), a guest's to its connection. The answer depends
only on what the owner set and on the target's spelling, never on the channel
or user it names, so asking about a channel one cannot see tells nothing of it.
A time later than now is taken as now.
"""

from __future__ import annotations

import logging

from parley.irc.casemap import fold, is_channel, valid_channel, valid_nick
from parley.irc.message import Message, encode_parts
from parley.irc.servertime import format_server_time, parse_server_time
from parley.server.config import Limits
from parley.server.core.account_index import sessions_of
from parley.server.core.channel import Channel
from parley.server.core.context import Context
from parley.server.core.outgoing import Outgoing
from parley.server.store.schema import StoreError

log = logging.getLogger("parley.core")

CAP = "draft/read-marker"
_PREFIX = "timestamp="


def handle_markread(ctx: Context, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        ctx.fail("MARKREAD", "NEED_MORE_PARAMS", "Missing parameters")
        return
    target = msg.params[0]
    limits = ctx.server.config.limits
    if not _valid_target(target, limits):
        ctx.fail("MARKREAD", "INVALID_PARAMS", target, "Invalid target")
        return
    at = None
    if len(msg.params) > 1:
        given = msg.params[1]
        at = parse_server_time(given[len(_PREFIX) :]) if given.startswith(_PREFIX) else None
        if at is None:  # `*` too: a client sets a time, never "unknown"
            ctx.fail("MARKREAD", "INVALID_PARAMS", given, "Invalid timestamp")
            return
    markers = ctx.server.markers
    client = ctx.client
    try:
        if at is None:
            _reply(ctx, target, markers.get(client, fold(target)))
            return
        at = min(at, _now(ctx))
        now, moved = markers.advance(client, fold(target), at, limits.read_marker_targets)
    except StoreError as exc:
        log.warning("%s", exc)
        ctx.fail("MARKREAD", "INTERNAL_ERROR", target, "The read timestamp could not be set")
        return
    _reply(ctx, target, now)
    if moved:
        _tell_other_sessions(ctx, target, now)


def send_marker(ctx: Context, channel: Channel) -> None:
    """On JOIN, for a session that asked for read markers: the channel's (before 366)."""
    if CAP not in ctx.session.caps:
        return
    try:
        at = ctx.server.markers.get(ctx.client, channel.folded)
    except StoreError as exc:
        log.warning("%s", exc)
        ctx.fail("MARKREAD", "INTERNAL_ERROR", channel.name, "The read timestamp is not known")
        return
    _reply(ctx, channel.name, at)


def _valid_target(target: str, limits: Limits) -> bool:
    if is_channel(target):
        return valid_channel(target, limits.channel_length)
    return valid_nick(target, limits.nick_length)


def _now(ctx: Context) -> int:
    """Now in milliseconds, and never before the last message's time (they run ahead)."""
    return round(max(ctx.state.clock.now(), ctx.state.last_line) * 1000)


def _value(at: int | None) -> str:
    return "*" if at is None else _PREFIX + format_server_time(at)


def _reply(ctx: Context, target: str, at: int | None) -> None:
    ctx.send(Message("MARKREAD", (target, _value(at)), ctx.server.name))


def _tell_other_sessions(ctx: Context, target: str, at: int) -> None:
    """The marker moved: every other session of the same person that asked is told."""
    out: Outgoing | None = None
    for session in sessions_of(ctx.state.by_account, ctx.client):
        if session is ctx.session or CAP not in session.caps:
            continue
        if out is None:
            line = encode_parts(ctx.server.name, "MARKREAD", (target, _value(at)))
            out = Outgoing(line, ctx.state.clock.now())
        session.send(out.to(session.tag_mask))
