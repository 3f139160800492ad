"""Server information: LUSERS, MOTD, VERSION, TIME, INFO (modern IRC)."""

from __future__ import annotations

import time

import parley
from parley.irc.isupport import isupport_lines
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_NOMOTD,
    ERR_NOSUCHSERVER,
    RPL_ENDOFINFO,
    RPL_ENDOFMOTD,
    RPL_GLOBALUSERS,
    RPL_INFO,
    RPL_ISUPPORT,
    RPL_LOCALUSERS,
    RPL_LUSERCHANNELS,
    RPL_LUSERCLIENT,
    RPL_LUSERME,
    RPL_LUSEROP,
    RPL_LUSERUNKNOWN,
    RPL_MOTD,
    RPL_MOTDSTART,
    RPL_TIME,
    RPL_VERSION,
)
from parley.server.core.context import Context
from parley.server.core.session import Phase
from parley.server.core.support import isupport_tokens


def _other_server(ctx: Context, msg: Message) -> bool:
    """Queries may name a server; we are the only one (402 for any other)."""
    if msg.params and msg.params[0] != "*" and msg.params[0].lower() != ctx.server.name.lower():
        ctx.reply(ERR_NOSUCHSERVER, msg.params[0])
        return True
    return False


def send_lusers(ctx: Context) -> None:
    state = ctx.state
    clients = state.clients.values()
    total = len(state.clients)
    invisible = sum(1 for c in clients if "i" in c.modes)
    opers = sum(1 for c in clients if c.is_oper)
    unknown = sum(1 for s in state.sessions.values() if s.phase is Phase.UNREGISTERED)
    visible = total - invisible
    ctx.reply(
        RPL_LUSERCLIENT,
        text=f"There are {visible} users and {invisible} invisible on 1 servers",
    )
    if opers:
        ctx.reply(RPL_LUSEROP, str(opers))
    if unknown:
        ctx.reply(RPL_LUSERUNKNOWN, str(unknown))
    ctx.reply(RPL_LUSERCHANNELS, str(len(state.channels)))
    ctx.reply(RPL_LUSERME, text=f"I have {total} clients and 0 servers")
    peak = str(state.max_clients)
    ctx.reply(RPL_LOCALUSERS, str(total), peak, text=f"Current local users {total}, max {peak}")
    ctx.reply(RPL_GLOBALUSERS, str(total), peak, text=f"Current global users {total}, max {peak}")


def send_motd(ctx: Context) -> None:
    motd = ctx.server.motd
    if not motd:
        ctx.reply(ERR_NOMOTD)
        return
    config = ctx.server.config
    text = motd.replace("{server_name}", config.server_name).replace(
        "{lobby}", config.lobby or "a channel"
    )
    ctx.reply(RPL_MOTDSTART, text=f"- {ctx.server.name} Message of the day - ")
    for line in text.splitlines():
        ctx.reply(RPL_MOTD, text=f"- {line}")
    ctx.reply(RPL_ENDOFMOTD)


def handle_lusers(ctx: Context, msg: Message) -> None:
    send_lusers(ctx)


def handle_motd(ctx: Context, msg: Message) -> None:
    if not _other_server(ctx, msg):
        send_motd(ctx)


def handle_version(ctx: Context, msg: Message) -> None:
    if _other_server(ctx, msg):
        return
    ctx.reply(RPL_VERSION, f"parley-{parley.__version__}", ctx.server.name, text="")
    for tokens in isupport_lines(isupport_tokens(ctx.server.config)):
        ctx.reply(RPL_ISUPPORT, *tokens)


def handle_info(ctx: Context, msg: Message) -> None:
    if _other_server(ctx, msg):
        return
    for line in (
        f"Parley {parley.__version__}: a chat server that speaks IRC.",
        "Written in Python (asyncio); licensed under the MIT license.",
        f"Up since {time.strftime('%Y-%m-%d %H:%M:%S UTC', time.gmtime(ctx.server.created))}.",
    ):
        ctx.reply(RPL_INFO, text=line)
    ctx.reply(RPL_ENDOFINFO)


def handle_time(ctx: Context, msg: Message) -> None:
    if _other_server(ctx, msg):
        return
    now = ctx.state.clock.now()
    stamp = time.strftime("%A %B %d %Y -- %H:%M:%S +00:00", time.gmtime(now))
    ctx.reply(RPL_TIME, ctx.server.name, text=stamp)
