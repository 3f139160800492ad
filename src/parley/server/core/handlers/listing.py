"""LIST: the channels one may see, filtered by the ELIST terms (core/elist.py)."""

from __future__ import annotations

from collections.abc import Iterator

from parley.irc.message import Message
from parley.irc.numerics import RPL_LIST, RPL_LISTEND, RPL_LISTSTART
from parley.server.core.channel import Channel
from parley.server.core.context import Context
from parley.server.core.elist import ListQuery, parse_list_query
from parley.server.core.handlers.channels import visible


def handle_list(ctx: Context, msg: Message) -> None:
    """LIST [terms]: streamed as the client reads, so a big network costs no burst."""
    state = ctx.state
    limit = ctx.server.config.limits.mask_length
    query = parse_list_query(msg.params[0], limit) if msg.params else ListQuery()
    if query.names is not None:  # named channels: looked up, not searched for
        found = (state.channels.get(name) for name in dict.fromkeys(query.names))
        channels = [channel for channel in found if channel is not None]
    else:
        channels = list(state.channels.values())
    channels += empty_registered(ctx, query.names)
    ctx.reply(RPL_LISTSTART, "Channel")
    ctx.stream(_list_lines(ctx, channels, query))
    ctx.reply(RPL_LISTEND)


def _list_lines(ctx: Context, channels: list[Channel], query: ListQuery) -> Iterator[bytes]:
    """Made as the client reads (Context.stream); channels gone meanwhile are left out."""
    now = ctx.state.clock.now()
    for channel in channels:
        if not query.matches(channel, now) or not visible(ctx, channel):
            continue
        if ctx.state.channels.get(channel.folded) is channel or channel.incarnation == EMPTY:
            yield ctx.numeric(RPL_LIST, channel.name, str(len(channel.members)), text=channel.topic)


EMPTY = "empty"  # the incarnation of an empty registered channel's sketch


def empty_registered(ctx: Context, names: list[str] | None) -> list[Channel]:
    """Registered channels with nobody in them, listed as ergo lists them: no members,
    their saved topic (a secret one is left out, as any secret channel is)."""
    state, registry = ctx.state, ctx.server.registry
    keys = registry.by_name if names is None else [n for n in names if n in registry.by_name]
    found = []
    for key in keys:
        if key not in state.channels:
            sketch = registry.sketch(key, state.clock.now())
            if sketch is not None:
                sketch.incarnation = EMPTY
                found.append(sketch)
    return found
