"""Operators: OPER, KILL, WALLOPS, REHASH, DIE.

Operator passwords are stored as argon2id hashes (Config holds no clear ones).
"""

from __future__ import annotations

import logging
from functools import partial

from parley.irc.masks import mask_matches, normalize_mask
from parley.irc.message import Message
from parley.irc.modes import ModeChange
from parley.irc.numerics import (
    ERR_CANTKILLSERVER,
    ERR_NOOPERHOST,
    ERR_NOSUCHNICK,
    ERR_PASSWDMISMATCH,
    RPL_ENDOFSTATS,
    RPL_REHASHING,
    RPL_STATSKLINE,
    RPL_YOUREOPER,
)
from parley.server.core import events as ev
from parley.server.core.context import Context
from parley.server.core.login import check_secret
from parley.server.store.bans import Ban

log = logging.getLogger("parley.core")


def handle_oper(ctx: Context, msg: Message) -> None:
    name, password = msg.params[0], msg.params[1]
    block = next((o for o in ctx.server.config.opers if o.name == name), None)
    if block is None:
        ctx.reply(ERR_NOOPERHOST)
        return
    check_secret(ctx, f"oper:{name}", block.password_hash, password, partial(_opered, name))


def _opered(name: str, ctx: Context, right: bool) -> None:
    if not right:
        log.warning("failed OPER attempt for %r from %s", name, ctx.session.conn.host)
        ctx.reply(ERR_PASSWDMISMATCH)
        return
    client = ctx.client
    ctx.reply(RPL_YOUREOPER)
    if not client.is_oper:
        event = ev.UserModeChanged(client.nick, (ModeChange(True, "o"),))
        ctx.send_out(ctx.state.apply(event, ctx.session))
    log.info("%s is now an operator (%s)", client.nick, name)


def handle_kill(ctx: Context, msg: Message) -> None:
    nick = msg.params[0]
    reason = msg.params[1] if len(msg.params) > 1 and msg.params[1] else "No reason"
    if nick.lower() == ctx.server.name.lower():
        ctx.reply(ERR_CANTKILLSERVER)
        return
    target = ctx.state.client(nick)
    if target is None:
        ctx.reply(ERR_NOSUCHNICK, nick)
        return
    quit_reason = f"Killed ({ctx.client.nick} ({reason}))"
    log.info("%s killed %s", ctx.client.nick, target.nick)
    ctx.flush()  # the killer may be the target: its replies go out first
    for session in list(target.sessions):
        ctx.server.end_session(session, quit_reason, f"Closing link: ({quit_reason})")


def handle_kline(ctx: Context, msg: Message) -> None:
    """KLINE [minutes] <mask> :<reason>: ban a mask from the server; matching users go now."""
    params = list(msg.params)
    minutes = int(params.pop(0)) if params[0].isdigit() and len(params) > 1 else 0
    mask = normalize_mask(params[0])
    reason = params[1] if len(params) > 1 and params[1] else "Banned"
    now = ctx.state.clock.now()
    ban = Ban(mask, reason, ctx.client.nick, now, now + minutes * 60 if minutes else None)
    ctx.server.add_ban(ban)
    length = f"{minutes} minutes" if minutes else "until removed"
    ctx.notice(f"Banned {mask} ({length}): {reason}")
    log.info("%s banned %s (%s)", ctx.client.nick, mask, length)
    ctx.flush()
    for client in list(ctx.state.clients.values()):
        if mask_matches(mask, client.prefix):
            for session in list(client.sessions):
                quit_reason = f"Banned ({reason})"
                ctx.server.end_session(session, quit_reason, quit_reason)


def handle_unkline(ctx: Context, msg: Message) -> None:
    mask = normalize_mask(msg.params[0])
    if ctx.server.remove_ban(mask):
        ctx.notice(f"Removed the ban on {mask}")
        log.info("%s removed the ban on %s", ctx.client.nick, mask)
    else:
        ctx.notice(f"No ban on {mask}")


def handle_stats(ctx: Context, msg: Message) -> None:
    """STATS k: the server bans (operators only); other letters answer with the end."""
    letter = msg.params[0][:1] if msg.params else ""
    if letter.lower() == "k" and ctx.client.is_oper:
        now = ctx.state.clock.now()
        for ban in ctx.server.bans.values():
            if ban.active(now):
                left = "permanent" if ban.expires is None else f"{int(ban.expires - now)}s left"
                ctx.reply(
                    RPL_STATSKLINE,
                    "K",
                    ban.mask,
                    "*",
                    text=f"{ban.reason} ({left}, by {ban.set_by})",
                )
    ctx.reply(RPL_ENDOFSTATS, letter or "*")


def handle_wallops(ctx: Context, msg: Message) -> None:
    ctx.state.apply(ev.Wallops(ctx.client.nick, msg.params[0]), None)


def handle_rehash(ctx: Context, msg: Message) -> None:
    config = ctx.server.config
    ctx.reply(RPL_REHASHING, str(config.config_file or "flags"))
    error = ctx.server.control.rehash()
    if error is not None:
        ctx.notice(f"REHASH failed, the old configuration stays: {error}")
    log.info("REHASH by %s: %s", ctx.client.nick, error or "ok")


def handle_die(ctx: Context, msg: Message) -> None:
    log.info("DIE by %s", ctx.client.nick)
    ctx.flush()
    ctx.server.control.die(f"Server shutting down (DIE by {ctx.client.nick})")
