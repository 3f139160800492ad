"""Server information: LUSERS, MOTD, VERSION, TIME, INFO (modern IRC)."""

from __future__ import annotations

import time
from typing import TYPE_CHECKING

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
    Numeric,
)
from parley.server.core.clock import server_time
from parley.server.core.context import Context
from parley.server.core.outgoing import WANTS_TIME, with_tags
from parley.server.core.support import isupport_tokens

if TYPE_CHECKING:
    from parley.server.core.server import Server


def _other_server(ctx: Context, msg: Message) -> bool:
    """Queries may name a server; we are the only one (402 for any other)."""
    if msg.params and msg.params[0] != "*" and msg.params[0].lower() != ctx.server.name.lower():
        ctx.reply(ERR_NOSUCHSERVER, msg.params[0])
        return True
    return False


def send_lusers(ctx: Context) -> None:
    """251-266, made as one piece of text: they are in every newcomer's welcome, and
    the counts change with every connection (nothing to keep between two)."""
    state = ctx.state
    total = len(state.clients)
    invisible, opers, unknown = state.invisible, state.opers, state.unregistered
    peak = state.max_clients
    head, nick = f":{ctx.server.name} ", f" {ctx.nick} "  # (a nick may hold { and })
    text = "".join(
        (
            f"{head}{RPL_LUSERCLIENT.code}{nick}:There are {total - invisible} users",
            f" and {invisible} invisible on 1 servers\r\n",
            f"{head}{RPL_LUSEROP.code}{nick}{opers} :{RPL_LUSEROP.text}\r\n" if opers else "",
            f"{head}{RPL_LUSERUNKNOWN.code}{nick}{unknown} :{RPL_LUSERUNKNOWN.text}\r\n"
            if unknown
            else "",
            f"{head}{RPL_LUSERCHANNELS.code}{nick}{len(state.channels)}",
            f" :{RPL_LUSERCHANNELS.text}\r\n",
            f"{head}{RPL_LUSERME.code}{nick}:I have {total} clients and 0 servers\r\n",
            f"{head}{RPL_LOCALUSERS.code}{nick}{total} {peak}",
            f" :Current local users {total}, max {peak}\r\n",
            f"{head}{RPL_GLOBALUSERS.code}{nick}{total} {peak}",
            f" :Current global users {total}, max {peak}\r\n",
        )
    )
    data = text.encode("utf-8", "replace")
    if not ctx.session.tag_mask & WANTS_TIME:
        ctx.send_raw(data)
        return
    for line in data.splitlines(keepends=True):
        ctx.send_raw(with_tags(line, {"time": server_time(ctx.state.clock.now())}))


def motd_replies(server: Server) -> list[tuple[Numeric, str | None]]:
    """The MOTD as (numeric, text) replies: 375, 372 a line, 376; or 422 when there is none."""
    motd = server.motd
    if not motd:
        return [(ERR_NOMOTD, None)]
    config = server.config
    text = motd.replace("{server_name}", config.server_name).replace(
        "{lobby}", config.lobby or "a channel"
    )
    return [
        (RPL_MOTDSTART, f"- {server.name} Message of the day - "),
        *((RPL_MOTD, f"- {line}") for line in text.splitlines()),
        (RPL_ENDOFMOTD, None),
    ]


def send_motd(ctx: Context) -> None:
    for numeric, text in motd_replies(ctx.server):
        ctx.reply(numeric, text=text)


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
