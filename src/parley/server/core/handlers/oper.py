"""Operators: OPER, KILL, KLINE/DLINE and their removal, STATS, SETMOTD, WALLOPS, REHASH, DIE.

The actions themselves are in operations.py, which the console's admin API calls too;
the Refusal they raise is answered by the dispatcher.

Operator passwords are stored as argon2id hashes (Config holds no clear ones).
"""

from __future__ import annotations

import logging
from functools import partial

from parley.irc.digits import is_number, parse_number
from parley.irc.message import Message
from parley.irc.modes import ModeChange
from parley.irc.numerics import (
    ERR_NOOPERHOST,
    ERR_PASSWDMISMATCH,
    RPL_ENDOFSTATS,
    RPL_REHASHING,
    RPL_STATSDLINE,
    RPL_STATSKLINE,
    RPL_YOUREOPER,
)
from parley.server.core import events as ev
from parley.server.core import operations as op
from parley.server.core.context import Context
from parley.server.core.login import check_secret

log = logging.getLogger("parley.core")


def handle_oper(ctx: Context, msg: Message) -> None:
    name, password = msg.params[0], msg.params[1]
    block = next((o for o in ctx.server.config.opers if o.name == name), None)
    if block is None:
        ctx.reply(ERR_NOOPERHOST)
        return
    then = partial(_opered, name)
    check_secret(ctx, f"oper:{name}", block.password_hash, password, then, f"operator {name}")


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
    reason = msg.params[1] if len(msg.params) > 1 and msg.params[1] else "No reason"
    target = op.kill_target(ctx.server, msg.params[0])  # a Refusal is answered by dispatch
    ctx.flush()  # the killer may be the target: its replies go out first
    op.kill(ctx.server, target, reason, ctx.client.nick)


def _ban_params(msg: Message) -> tuple[int, str, str]:
    """`[minutes] <mask> [:reason]`, as KLINE and DLINE take them."""
    params = list(msg.params)
    minutes = 0
    if len(params) > 1 and is_number(params[0]):
        number = parse_number(params.pop(0))
        minutes = -1 if number is None else number  # too many digits: new_ban refuses it
    reason = params[1] if len(params) > 1 and params[1] else "Banned"
    return minutes, params[0], reason


def _ban(ctx: Context, msg: Message, address: bool) -> None:
    minutes, mask, reason = _ban_params(msg)
    ban = op.new_ban(ctx.server, mask, minutes, reason, ctx.client.nick, address)
    length = f"{minutes} minutes" if minutes else "until removed"
    ctx.note(ctx.command, "BAN_SET", f"Banned {ban.mask} ({length}): {ban.reason}", notice=True)
    ctx.flush()  # the operator may fall under the ban
    try:
        op.add_ban(ctx.server, ban)
    except op.Unsaved as unsaved:  # (in force all the same: not a refusal)
        ctx.warn(ctx.command, "NOT_SAVED", str(unsaved), notice=True)


def handle_kline(ctx: Context, msg: Message) -> None:
    """KLINE [minutes] <mask> :<reason>: refuse a hostmask at registration; matches go now."""
    _ban(ctx, msg, address=False)


def handle_dline(ctx: Context, msg: Message) -> None:
    """DLINE [minutes] <address or network> :<reason>: refuse connections from it at once."""
    _ban(ctx, msg, address=True)


def _unban(ctx: Context, msg: Message, address: bool) -> None:
    try:
        mask = op.remove_ban(ctx.server, msg.params[0], ctx.client.nick, address)
    except op.Unsaved as unsaved:  # (lifted all the same: not a refusal)
        ctx.warn(ctx.command, "NOT_SAVED", str(unsaved), notice=True)
        return
    ctx.note(ctx.command, "BAN_REMOVED", f"Removed the ban on {mask}", notice=True)


def handle_unkline(ctx: Context, msg: Message) -> None:
    _unban(ctx, msg, address=False)


def handle_undline(ctx: Context, msg: Message) -> None:
    _unban(ctx, msg, address=True)


def handle_stats(ctx: Context, msg: Message) -> None:
    """STATS k and d: the K-lines and D-lines (operators only); other letters just end."""
    letter = msg.params[0][:1] if msg.params else ""
    wanted = letter.lower()
    if wanted in ("k", "d") and ctx.client.is_oper:
        now = ctx.state.clock.now()
        for ban in ctx.server.bans.active():
            if ban.on_address != (wanted == "d"):
                continue
            left = "permanent" if ban.expires is None else f"{int(ban.expires - now)}s left"
            text = f"{ban.reason} ({left}, by {ban.set_by})"
            if wanted == "d":
                ctx.reply(RPL_STATSDLINE, "D", ban.mask, text=text)
            else:
                ctx.reply(RPL_STATSKLINE, "K", ban.mask, "*", text=text)
    ctx.reply(RPL_ENDOFSTATS, letter or "*")


def handle_setmotd(ctx: Context, msg: Message) -> None:
    """SETMOTD :<text>: the MOTD until REHASH or restart; `\\n` in the text starts a line."""
    text = msg.params[0].replace("\\n", "\n")
    op.set_motd(ctx.server, text, ctx.client.nick)
    lines = len(text.splitlines())
    said = f"MOTD set ({lines} lines)" if lines else "MOTD cleared"
    ctx.note(ctx.command, "MOTD_SET", said, notice=True)


def handle_wallops(ctx: Context, msg: Message) -> None:
    ctx.state.apply(ev.Wallops(ctx.client.nick, msg.params[0]), None)


def handle_rehash(ctx: Context, msg: Message) -> None:
    config = ctx.server.config
    ctx.reply(RPL_REHASHING, str(config.config_file or "flags"))
    error = ctx.server.control.rehash()
    if error is not None:
        why = f"REHASH failed, the old configuration stays: {error}"
        ctx.fail(ctx.command, "CONFIG_BAD", why, notice=True)
    log.info("REHASH by %s: %s", ctx.client.nick, error or "ok")


def handle_die(ctx: Context, msg: Message) -> None:
    ctx.flush()
    nick = ctx.client.nick
    op.shut_down(ctx.server, f"Server shutting down (DIE by {nick})", nick)
