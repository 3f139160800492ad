"""Channel membership and state: JOIN, PART, TOPIC, NAMES, LIST, KICK, INVITE."""

from __future__ import annotations

from collections.abc import Iterator

from parley.irc.casemap import fold, valid_channel
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_BADCHANNELKEY,
    ERR_BANNEDFROMCHAN,
    ERR_CHANNELISFULL,
    ERR_CHANOPRIVSNEEDED,
    ERR_INVITEONLYCHAN,
    ERR_NEEDMOREPARAMS,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_NOTONCHANNEL,
    ERR_TOOMANYCHANNELS,
    ERR_USERONCHANNEL,
    RPL_AWAY,
    RPL_ENDOFINVITED,
    RPL_ENDOFNAMES,
    RPL_INVITED,
    RPL_INVITING,
    RPL_NAMREPLY,
    RPL_NOTOPIC,
    RPL_TOPIC,
    RPL_TOPICWHOTIME,
    Numeric,
)
from parley.server.core import events as ev
from parley.server.core import metadata_ops
from parley.server.core import operations as op
from parley.server.core.channel import Channel, prefix_symbols
from parley.server.core.context import Context
from parley.server.core.handlers.history import replay
from parley.server.core.handlers.markread import send_marker

# Room for `:server 353 nick = #channel :` and CRLF within 512 bytes.
_NAMES_BUDGET = 400


def channel_or_403(ctx: Context, name: str) -> Channel | None:
    channel = ctx.state.channel(name)
    if channel is None:
        ctx.reply(ERR_NOSUCHCHANNEL, name)
    return channel


def handle_join(ctx: Context, msg: Message) -> None:
    if msg.params[0] == "0":
        for channel in list(ctx.client.channels.values()):
            ctx.send_out(
                ctx.state.apply(ev.Parted(ctx.client.nick, channel.name, None), ctx.session)
            )
        return
    names = msg.params[0].split(",")
    keys = msg.params[1].split(",") if len(msg.params) > 1 else []
    for i, name in enumerate(names):
        if name:
            join_channel(ctx, name, keys[i] if i < len(keys) else None)


def join_channel(ctx: Context, name: str, key: str | None, topic: str | None = None) -> bool:
    """Join one channel if its modes allow, then show its topic and names (unless the
    session asked for IRCv3 no-implicit-names).

    `topic` is set if the join creates the channel (the configured lobby topic).
    """
    client = ctx.client
    limits = ctx.server.config.limits
    if not valid_channel(name, limits.channel_length):
        ctx.reply(ERR_NOSUCHCHANNEL, name)
        return False
    folded = fold(name)
    channel = ctx.state.channels.get(folded)
    if channel is not None and client in channel.members:
        return False
    registry = ctx.server.registry
    # An empty registered channel is checked as it will be made (its saved modes); its
    # founder and op access join whatever they are (ChanServ).
    checked = channel or registry.sketch(folded, ctx.state.clock.now())
    if checked is not None and not registry.trusted(folded, client.account):
        refusal = _join_refusal(ctx, checked, key)
        if refusal is not None:
            ctx.reply(refusal, checked.name)
            return False
    if len(client.channels) >= limits.channels_per_user:
        ctx.reply(ERR_TOOMANYCHANNELS, name)
        return False
    created = channel is None
    ctx.send_out(ctx.state.apply(ev.Joined(client.nick, name), ctx.session))
    channel = ctx.state.channels[folded]
    granted = registry.grant(ctx.state, client, channel, ctx.session)  # ChanServ's op
    if granted is not None:
        ctx.send_out(granted)
    if created and topic and not channel.topic:
        ctx.state.apply(ev.TopicChanged(ctx.server.name, channel.name, topic), ctx.session)
    show_joined(ctx, channel)
    for sibling in client.sessions:  # the client's other connections saw the JOIN too
        if sibling is not ctx.session:
            theirs = Context(ctx.server, sibling, "JOIN")
            show_joined(theirs, channel)
            theirs.flush()
    metadata_ops.joiner_known(ctx, channel)
    if not created:
        replay(ctx, channel.name)
    return True


def show_joined(ctx: Context, channel: Channel) -> None:
    """What follows one's own JOIN: the topic, the read marker (IRCv3 read-marker: before
    RPL_ENDOFNAMES), the names (unless draft/no-implicit-names) and the metadata."""
    if channel.topic:
        send_topic(ctx, channel)
    send_marker(ctx, channel)
    if "draft/no-implicit-names" not in ctx.session.caps:  # IRCv3: NAMES only when asked
        send_names(ctx, channel)
    metadata_ops.channel_shown(ctx, channel)


def _join_refusal(ctx: Context, channel: Channel, key: str | None) -> Numeric | None:
    """The numeric that refuses a join (modern IRC: JOIN), or None to let it be."""
    client = ctx.client
    invited = channel in client.invited
    if channel.is_banned(client) and not invited:
        return ERR_BANNEDFROMCHAN
    if "i" in channel.flags and not invited and not channel.is_invite_excepted(client):
        return ERR_INVITEONLYCHAN
    if channel.key is not None and key != channel.key:
        return ERR_BADCHANNELKEY
    if channel.limit is not None and len(channel.members) >= channel.limit and not invited:
        return ERR_CHANNELISFULL
    return None


def send_topic(ctx: Context, channel: Channel) -> None:
    ctx.reply(RPL_TOPIC, channel.name, text=channel.topic)
    ctx.reply(RPL_TOPICWHOTIME, channel.name, channel.topic_set_by, str(int(channel.topic_set_at)))


# Members of a channel whose NAMES goes out at once; a larger one's is made as the
# client reads it (Context.stream), so its size never meets the send queue.
NAMES_AT_ONCE = 100


def send_names(ctx: Context, channel: Channel, end: bool = True) -> None:
    """RPL_NAMREPLY lines that fit the line length, then (if `end`) RPL_ENDOFNAMES."""
    lines = _names_lines(ctx, channel)
    if len(channel.members) <= NAMES_AT_ONCE:  # a few lines, the usual JOIN: sent at once
        for line in lines:
            ctx.send_raw(line)
    else:
        ctx.stream(lines)
    if end:
        ctx.reply(RPL_ENDOFNAMES, channel.name)


def _names_lines(ctx: Context, channel: Channel) -> Iterator[bytes]:
    """Made as the client reads (Context.stream), from the members at the time of asking."""
    caps = ctx.session.caps
    multi = "multi-prefix" in caps
    full = "userhost-in-names" in caps
    symbol = "@" if "s" in channel.flags else "="
    inside = ctx.client in channel.members
    batch: list[str] = []
    size = 0
    for member, letters in list(channel.members.items()):
        if not inside and "i" in member.modes:
            continue  # modern IRC: invisible users are listed only to fellow members
        entry = member.prefix if full else member.nick
        if letters:
            entry = prefix_symbols(letters, multi) + entry
        if batch and size + len(entry) + 1 > _NAMES_BUDGET:
            yield ctx.numeric(RPL_NAMREPLY, symbol, channel.name, text=" ".join(batch))
            batch, size = [], 0
        batch.append(entry)
        size += len(entry) + 1
    if batch:
        yield ctx.numeric(RPL_NAMREPLY, symbol, channel.name, text=" ".join(batch))


def visible(ctx: Context, channel: Channel) -> bool:
    """Secret channels are seen only by their members."""
    return "s" not in channel.flags or ctx.client in channel.members


def handle_part(ctx: Context, msg: Message) -> None:
    reason = msg.params[1] if len(msg.params) > 1 and msg.params[1] else None
    for name in msg.params[0].split(","):
        channel = channel_or_403(ctx, name)
        if channel is None:
            continue
        if ctx.client not in channel.members:
            ctx.reply(ERR_NOTONCHANNEL, channel.name)
            continue
        ctx.send_out(ctx.state.apply(ev.Parted(ctx.client.nick, channel.name, reason), ctx.session))


def handle_topic(ctx: Context, msg: Message) -> None:
    # An empty registered channel has its saved topic (as ergo shows it).
    now = ctx.state.clock.now()
    channel = ctx.state.channel(msg.params[0]) or ctx.server.registry.sketch(msg.params[0], now)
    if channel is None:
        ctx.reply(ERR_NOSUCHCHANNEL, msg.params[0])
        return
    member = ctx.client in channel.members
    if len(msg.params) == 1:
        if not visible(ctx, channel):
            ctx.reply(ERR_NOTONCHANNEL, channel.name)
        elif channel.topic:
            send_topic(ctx, channel)
        else:
            ctx.reply(RPL_NOTOPIC, channel.name)
        return
    client = ctx.client
    if not client.is_oper:  # operators may set any topic (oper override)
        if not member:
            ctx.reply(ERR_NOTONCHANNEL, channel.name)
            return
        if "t" in channel.flags and not channel.is_op(client):
            ctx.reply(ERR_CHANOPRIVSNEEDED, channel.name)
            return
    ctx.send_out(op.set_topic(ctx.server, channel.name, msg.params[1], client.nick, ctx.session))


def handle_names(ctx: Context, msg: Message) -> None:
    if not msg.params:
        ctx.reply(RPL_ENDOFNAMES, "*")
        return
    names = msg.params[0].split(",")[: ctx.server.config.limits.targets_per_command]
    for name in names:
        channel = ctx.state.channel(name)
        if channel is not None and visible(ctx, channel):
            send_names(ctx, channel, end=False)
    ctx.reply(RPL_ENDOFNAMES, ",".join(names))  # modern IRC: one end for the whole query


def handle_kick(ctx: Context, msg: Message) -> None:
    """KICK #c n1,n2 or, RFC 2812 3.2.8, KICK #c1,#c2 n1,n2 (paired)."""
    channels = msg.params[0].split(",")
    limit = ctx.server.config.limits.targets_per_command
    nicks = msg.params[1].split(",")[:limit]  # modern IRC: extra targets dropped
    if len(channels) == 1:
        channels = channels * len(nicks)
    elif len(channels) != len(nicks):
        ctx.reply(ERR_NEEDMOREPARAMS, "KICK")
        return
    reason = msg.params[2] if len(msg.params) > 2 and msg.params[2] else ctx.client.nick
    reason = reason[: ctx.server.config.limits.kick_length]
    for name, nick in zip(channels, nicks, strict=True):
        _kick_one(ctx, name, nick, reason)


def _kick_one(ctx: Context, name: str, nick: str, reason: str) -> None:
    channel = channel_or_403(ctx, name)
    if channel is None:
        return
    client = ctx.client
    if not client.is_oper:  # operators may kick from any channel (oper override)
        if client not in channel.members:
            ctx.reply(ERR_NOTONCHANNEL, channel.name)
            return
        if not channel.is_op(client):
            ctx.reply(ERR_CHANOPRIVSNEEDED, channel.name)
            return
    why = op.kick_refusal(ctx.server, channel.name, nick)
    if why is not None:  # answered here: the other targets are still kicked
        ctx.refuse(why)
        return
    ctx.send_out(op.kick(ctx.server, channel.name, nick, reason, client.nick, ctx.session))


def handle_invite(ctx: Context, msg: Message) -> None:
    """INVITE nick #channel; INVITE alone lists the channels one is invited to (336/337)."""
    if not msg.params:
        live = (c for c in ctx.client.invited if ctx.state.channels.get(c.folded) is c)
        for invited in sorted(live, key=lambda c: c.folded):
            ctx.reply(RPL_INVITED, invited.name)
        ctx.reply(RPL_ENDOFINVITED)
        return
    if len(msg.params) < 2:
        ctx.reply(ERR_NEEDMOREPARAMS, "INVITE")
        return
    nick, name = msg.params[0], msg.params[1]
    target = ctx.state.client(nick)
    if target is None:
        ctx.reply(ERR_NOSUCHNICK, nick)
        return
    channel = ctx.state.channel(name)
    if channel is None:  # an invite to no channel would wait for whoever makes it
        ctx.reply(ERR_NOSUCHCHANNEL, name)
        return
    if ctx.client not in channel.members:
        ctx.reply(ERR_NOTONCHANNEL, channel.name)
        return
    if "i" in channel.flags and not channel.is_op(ctx.client):
        ctx.reply(ERR_CHANOPRIVSNEEDED, channel.name)
        return
    if target in channel.members:
        ctx.reply(ERR_USERONCHANNEL, target.nick, channel.name)
        return
    ctx.state.apply(ev.Invited(ctx.client.nick, channel.name, target.nick), ctx.session)
    ctx.reply(RPL_INVITING, target.nick, channel.name, text=None)
    if target.away is not None:
        ctx.reply(RPL_AWAY, target.nick, text=target.away)
