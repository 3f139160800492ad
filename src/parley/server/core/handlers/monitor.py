"""IRCv3 MONITOR: be told when given nicks come online or go offline.

    MONITOR + nick[,nick...]   start watching (730/731 say who is online now)
    MONITOR - nick[,nick...]   stop
    MONITOR C | L | S          clear, list (732/733), status of all (730/731)

Only nicks can be watched, never masks (the spec's privacy rule), at most
Limits.monitor_entries of them. The notifications themselves are sent by State
when users arrive, leave or rename, and (IRCv3 extended-monitor, for watchers
with that capability and the one of the change) when they go away or come
back, log in or out, or change their real name or host.
"""

from __future__ import annotations

from parley.irc.casemap import fold, valid_nick
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_ERRONEUSNICKNAME,
    ERR_MONLISTFULL,
    RPL_ENDOFMONLIST,
    RPL_MONLIST,
    RPL_MONOFFLINE,
    RPL_MONONLINE,
)
from parley.server.core import events as ev
from parley.server.core import metadata_ops
from parley.server.core.context import Context


def handle_monitor(ctx: Context, msg: Message) -> None:
    sub = msg.params[0]
    targets = [t for t in msg.params[1].split(",") if t] if len(msg.params) > 1 else []
    client = ctx.client
    most = ctx.server.config.limits.monitor_entries
    if sub == "+":
        added: list[tuple[str, str]] = []
        new: set[str] = set()  # keys not watched before
        for nick in targets:
            if not valid_nick(nick, ctx.server.config.limits.nick_length):
                ctx.reply(ERR_ERRONEUSNICKNAME, nick)
                continue
            key = fold(nick)
            if key not in client.monitoring and key not in new:
                if len(client.monitoring) + len(new) >= most:
                    rest = ",".join(targets[targets.index(nick) :])
                    ctx.reply(ERR_MONLISTFULL, str(most), rest)
                    break
                new.add(key)
            added.append((key, nick))
        if added:
            event = ev.Watched(client.nick, tuple(nick for _, nick in added))
            ctx.state.apply(event, ctx.session)
        _status(ctx, added)
        metadata_ops.monitored(ctx, (key for key, _ in added))
    elif sub == "-":
        gone = tuple(nick for nick in targets if fold(nick) in client.monitoring)
        if gone:
            ctx.state.apply(ev.Unwatched(client.nick, gone), ctx.session)
    elif sub in ("C", "c"):
        if client.monitoring:
            ctx.state.apply(
                ev.Unwatched(client.nick, tuple(client.monitoring.values())), ctx.session
            )
    elif sub in ("L", "l"):
        names = list(client.monitoring.values())
        for i in range(0, len(names), 20):
            ctx.reply(RPL_MONLIST, text=",".join(names[i : i + 20]))
        ctx.reply(RPL_ENDOFMONLIST)
    elif sub in ("S", "s"):
        _status(ctx, list(client.monitoring.items()))


def _status(ctx: Context, watched: list[tuple[str, str]]) -> None:
    """730 for those of the (folded, given) nicks online, 731 for the others."""
    online, offline = [], []
    for key, nick in watched:
        present = ctx.state.clients.get(key)
        if present is not None:
            online.append(present.prefix)
        else:
            offline.append(nick)
    if online:
        ctx.reply(RPL_MONONLINE, text=",".join(online))
    if offline:
        ctx.reply(RPL_MONOFFLINE, text=",".join(offline))
