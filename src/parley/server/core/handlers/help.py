"""HELP and HELPOP (modern IRC): a page per command from core/helptext.py."""

from __future__ import annotations

from parley.irc.message import Message
from parley.irc.numerics import ERR_HELPNOTFOUND, RPL_ENDOFHELP, RPL_HELPSTART, RPL_HELPTXT
from parley.server.core.context import Context
from parley.server.core.helptext import HELP, INDEX

MAX_SUBJECT = 32  # longer subjects are no command; answered as unknown, cut


def handle_help(ctx: Context, msg: Message) -> None:
    """HELP [subject]: the page as 704/705/706, or 524 for a subject with none."""
    subject = msg.params[0] if msg.params and msg.params[0] else INDEX
    lines = HELP.get(subject.upper())
    if lines is None:
        ctx.reply(ERR_HELPNOTFOUND, subject[:MAX_SUBJECT])
        return
    first, *rest = lines
    ctx.reply(RPL_HELPSTART, subject, text=first)
    for line in rest:
        ctx.reply(RPL_HELPTXT, subject, text=line)
    ctx.reply(RPL_ENDOFHELP, subject)
