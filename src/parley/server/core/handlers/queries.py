"""Questions about users: WHO, WHOIS, WHOWAS, ISON, USERHOST (modern IRC)."""

from __future__ import annotations

import time
from collections.abc import Iterator

from parley.irc.casemap import fold, is_channel
from parley.irc.digits import parse_number
from parley.irc.masks import mask_matches
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_NONICKNAMEGIVEN,
    ERR_NOSUCHNICK,
    ERR_WASNOSUCHNICK,
    RPL_AWAY,
    RPL_ENDOFWHO,
    RPL_ENDOFWHOIS,
    RPL_ENDOFWHOWAS,
    RPL_ISON,
    RPL_USERHOST,
    RPL_WHOISACCOUNT,
    RPL_WHOISBOT,
    RPL_WHOISCHANNELS,
    RPL_WHOISHOST,
    RPL_WHOISIDLE,
    RPL_WHOISOPERATOR,
    RPL_WHOISSECURE,
    RPL_WHOISSERVER,
    RPL_WHOISUSER,
    RPL_WHOREPLY,
    RPL_WHOSPCRPL,
    RPL_WHOWASUSER,
)
from parley.server.core import metadata_ops
from parley.server.core.channel import Channel, prefix_symbols
from parley.server.core.client import BOT_MODE, Client
from parley.server.core.context import Context
from parley.server.core.handlers.attach import session_count


def _shares_channel(a: Client, b: Client) -> bool:
    return any(key in b.channels for key in a.channels)


_WHOX_ORDER = "tcuihsnfdlaor"


def _who_line(ctx: Context, client: Client, channel: Channel | None, whox: str | None) -> bytes:
    """RPL_WHOREPLY, or RPL_WHOSPCRPL when the query asked for WHOX fields."""
    flags = "G" if client.away is not None else "H"
    if client.is_oper:
        flags += "*"
    if client.is_bot:
        flags += BOT_MODE  # IRCv3 bot mode: the BOT token's letter
    if channel is not None:
        flags += prefix_symbols(channel.members[client], "multi-prefix" in ctx.session.caps)
    name = channel.name if channel is not None else "*"
    if whox is None:
        return ctx.numeric(
            RPL_WHOREPLY,
            name,
            client.user,
            client.host,
            ctx.server.name,
            client.nick,
            flags,
            text=f"0 {client.realname}",
        )
    fields, _, token = whox.partition(",")
    if parse_number(token, max_digits=3) is None:
        token = "0"  # IRCv3 WHOX: a token is one to three digits
    idle = str(max(0, int(ctx.state.clock.now() - client.last_spoke)))
    values = {
        "t": token,
        "c": name,
        "u": client.user,
        "i": client.host,
        "h": client.host,
        "s": ctx.server.name,
        "n": client.nick,
        "f": flags,
        "d": "0",
        "l": idle,
        "a": client.account or "0",
        "o": "n/a",
        "r": client.realname,
    }
    params = [values[c] for c in _WHOX_ORDER if c in fields]
    if params and "r" in fields:
        return ctx.numeric(RPL_WHOSPCRPL, *params[:-1], text=params[-1])
    return ctx.numeric(RPL_WHOSPCRPL, *params, text=None)


def handle_who(ctx: Context, msg: Message) -> None:
    """WHO #channel, WHO nick, or WHO mask, with IRCv3 WHOX `%fields,token`.

    Invisible users are shown only to those who share a channel with them.
    """
    mask = msg.params[0] if msg.params else "*"
    whox = msg.params[1][1:] if len(msg.params) > 1 and msg.params[1].startswith("%") else None
    ctx.stream(_who_lines(ctx, mask, whox))
    ctx.reply(RPL_ENDOFWHO, mask)


def _who_lines(ctx: Context, mask: str, whox: str | None) -> Iterator[bytes]:
    """Made as the client reads (Context.stream); those gone meanwhile are left out."""
    me = ctx.client
    if len(mask) > ctx.server.config.limits.mask_length:
        ctx.reply(RPL_ENDOFWHO, mask[: ctx.server.config.limits.mask_length])
        return  # a mask over the cap is matched against nobody
    if is_channel(mask):
        channel = ctx.state.channel(mask)
        if channel is not None and ("s" not in channel.flags or me in channel.members):
            inside = me in channel.members
            for member in list(channel.members):
                if (inside or "i" not in member.modes) and member in channel.members:
                    yield _who_line(ctx, member, channel, whox)
    else:
        exact = ctx.state.client(mask)
        if exact is not None:
            yield _who_line(ctx, exact, None, whox)
        else:
            for client in list(ctx.state.clients.values()):
                if "i" in client.modes and client is not me and not _shares_channel(me, client):
                    continue
                if ctx.state.clients.get(client.folded) is not client:
                    continue
                fields = (client.prefix, client.nick, client.host, client.realname, client.user)
                if mask in ("*", "0") or any(mask_matches(mask, f) for f in fields):
                    yield _who_line(ctx, client, None, whox)


def handle_whois(ctx: Context, msg: Message) -> None:
    """WHOIS [server] nick: the second form names a server, which we are."""
    nick = msg.params[-1]
    target = ctx.state.client(nick)
    if target is None:
        ctx.reply(ERR_NOSUCHNICK, nick)
        ctx.reply(RPL_ENDOFWHOIS, nick)
        return
    me = ctx.client
    ctx.reply(RPL_WHOISUSER, target.nick, target.user, target.host, "*", text=target.realname)
    multi = "multi-prefix" in ctx.session.caps
    hidden = "i" in target.modes and target is not me  # invisible: shared channels only
    names = [
        prefix_symbols(channel.members[target], multi) + channel.name
        for channel in target.channels.values()
        if me in channel.members or ("s" not in channel.flags and not hidden)
    ]
    if names:
        ctx.reply(RPL_WHOISCHANNELS, target.nick, text=" ".join(names))
    config = ctx.server.config
    ctx.reply(RPL_WHOISSERVER, target.nick, ctx.server.name, text=config.server_description)
    if target.is_oper:
        ctx.reply(RPL_WHOISOPERATOR, target.nick)
    if target.account is not None:
        ctx.reply(RPL_WHOISACCOUNT, target.nick, target.account)
    if target.sessions and all(s.conn.tls for s in target.sessions):  # each of its devices
        ctx.reply(RPL_WHOISSECURE, target.nick)
    if target.is_bot:
        ctx.reply(RPL_WHOISBOT, target.nick, text=f"is a Bot on {ctx.server.config.network_name}")
    if target is me or me.is_oper:  # each address its sessions connect from
        hosts = dict.fromkeys(s.conn.host for s in target.sessions) or (target.real_host,)
        for host in hosts:
            ctx.reply(RPL_WHOISHOST, target.nick, text=f"is connecting from *@{host}")
    session_count(ctx, target)
    if target.away is not None:
        ctx.reply(RPL_AWAY, target.nick, text=target.away)
    now = ctx.state.clock.now()
    idle = str(max(0, int(now - target.last_spoke)))
    ctx.reply(RPL_WHOISIDLE, target.nick, idle, str(int(target.signon)))
    metadata_ops.whois(ctx, target)
    ctx.reply(RPL_ENDOFWHOIS, target.nick)


def handle_whowas(ctx: Context, msg: Message) -> None:
    if not msg.params[0]:
        ctx.reply(ERR_NONICKNAMEGIVEN)
        return
    count = (parse_number(msg.params[1]) if len(msg.params) > 1 else None) or 0
    for nick in msg.params[0].split(","):
        key = fold(nick)
        entries = [e for e in reversed(ctx.state.whowas) if fold(e.nick) == key]
        if count > 0:
            entries = entries[:count]
        if not entries:
            ctx.reply(ERR_WASNOSUCHNICK, nick)
        for entry in entries:
            ctx.reply(RPL_WHOWASUSER, entry.nick, entry.user, entry.host, "*", text=entry.realname)
            ctx.reply(RPL_WHOISSERVER, entry.nick, ctx.server.name, text=_when(entry.at))
        ctx.reply(RPL_ENDOFWHOWAS, nick)


def _when(ts: float) -> str:
    return time.strftime("%a %b %d %H:%M:%S %Y", time.gmtime(ts))


def handle_ison(ctx: Context, msg: Message) -> None:
    found = []
    for param in msg.params:
        for nick in param.split():
            client = ctx.state.client(nick)
            if client is not None:
                found.append(client.nick)
    ctx.reply(RPL_ISON, text=" ".join(found))


def handle_userhost(ctx: Context, msg: Message) -> None:
    replies = []
    for nick in msg.params[:5]:
        client = ctx.state.client(nick)
        if client is not None:
            oper = "*" if client.is_oper else ""
            away = "-" if client.away is not None else "+"
            replies.append(f"{client.nick}{oper}={away}{client.user}@{client.host}")
    ctx.reply(RPL_USERHOST, text=" ".join(replies))
