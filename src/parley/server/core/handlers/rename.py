"""IRCv3 draft/channel-rename: RENAME <channel> <new name> [:reason], by a channel operator.

The channel keeps everything but its name: members, modes, lists, topic, and its
history, which moves to the new name. Members with the capability are sent
RENAME; the others see themselves part the old name and join the new one, with
its topic and names, as on a JOIN (not for a change of case only). A channel is
renamed at most once in `limits.channel_rename_interval`: each rename costs a
NAMES burst per member without the capability and a rewrite of its history.
"""

from __future__ import annotations

from parley.irc.casemap import fold, valid_channel
from parley.irc.message import Message
from parley.irc.numerics import ERR_CHANOPRIVSNEEDED, ERR_NOTONCHANNEL
from parley.server.core import events as ev
from parley.server.core.channel import Channel
from parley.server.core.context import Context
from parley.server.core.handlers.channels import channel_or_403, send_names, send_topic

CAP = "draft/channel-rename"


def handle_rename(ctx: Context, msg: Message) -> None:
    new = msg.params[1]
    limits = ctx.server.config.limits
    reason = msg.params[2][: limits.kick_length] if len(msg.params) > 2 else ""
    channel = channel_or_403(ctx, msg.params[0])
    if channel is None:
        return
    client = ctx.client
    old = channel.name
    if client not in channel.members:
        ctx.reply(ERR_NOTONCHANNEL, old)
        return
    if not channel.is_op(client):
        ctx.reply(ERR_CHANOPRIVSNEEDED, old)
        return
    why = _refusal(ctx, channel, new)
    if why is not None:
        code = "CHANNEL_NAME_IN_USE" if why is _IN_USE else "CANNOT_RENAME"
        ctx.fail("RENAME", code, old, new, why)
        return
    now = ctx.state.clock.monotonic()
    if not ctx.server.history.rename(channel.folded, fold(new), new):
        ctx.fail("RENAME", "CANNOT_RENAME", old, new, "The channel cannot be renamed just now")
        return
    _pause(ctx, channel, now)
    out = ctx.state.apply(ev.ChannelRenamed(client.nick, old, new, reason), ctx.session)
    if fold(old) == channel.folded:
        if CAP in ctx.session.caps:
            ctx.send_out(out)
        return
    for member in channel.members:  # the rest of the fallback: the new name's JOIN burst
        for session in member.sessions:
            if CAP in session.caps:
                if session is ctx.session:
                    ctx.send_out(out)
                continue
            burst = ctx if session is ctx.session else Context(ctx.server, session, "RENAME")
            if channel.topic:
                send_topic(burst, channel)
            send_names(burst, channel)
            if burst is not ctx:
                burst.flush()


_IN_USE = "The channel name is already taken"


def _refusal(ctx: Context, channel: Channel, new: str) -> str | None:
    """Why `channel` may not be named `new`, or None."""
    if not valid_channel(new, ctx.server.config.limits.channel_length):
        return "That is not a valid channel name"
    if new[:1] != channel.name[:1]:
        return "You cannot change a channel prefix type"
    if new == channel.name:
        return "The channel has that name already"
    lobby = ctx.server.config.lobby  # (everyone is put there by its name)
    if lobby and fold(lobby) in (channel.folded, fold(new)):
        return "The lobby keeps its name, and no channel takes it"
    taken = ctx.state.channel(new)
    if taken is not None and taken is not channel:
        return _IN_USE
    if fold(new) != channel.folded and ctx.server.registry.get(new) is not None:
        return _IN_USE  # a registered channel's name, even while it is empty
    last = ctx.state.renamed.get(channel.incarnation)
    interval = ctx.server.config.limits.channel_rename_interval
    if last is not None and ctx.state.clock.monotonic() - last < interval:
        return "This channel has been renamed recently"
    return None


def _pause(ctx: Context, channel: Channel, now: float) -> None:
    """Remember the rename; forget those whose pause is over (kept: one per channel, at most)."""
    interval = ctx.server.config.limits.channel_rename_interval
    renamed = ctx.state.renamed
    for incarnation, when in list(renamed.items()):
        if now - when >= interval:
            del renamed[incarnation]
    if interval > 0:
        renamed[channel.incarnation] = now
