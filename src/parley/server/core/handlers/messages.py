"""Talking: PRIVMSG, NOTICE and TAGMSG to channels and nicks, and AWAY (modern IRC)."""

from __future__ import annotations

from collections.abc import Callable

from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message, encode_parts
from parley.irc.numerics import (
    ERR_CANNOTSENDTOCHAN,
    ERR_NOPRIVILEGES,
    ERR_NORECIPIENT,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_NOTEXTTOSEND,
    ERR_TOOMANYTARGETS,
    RPL_AWAY,
    RPL_NOWAWAY,
    RPL_UNAWAY,
    Numeric,
)
from parley.server.core import events as ev
from parley.server.core import operations as op
from parley.server.core import push
from parley.server.core.channel import STATUSMSG, Channel
from parley.server.core.client import Client
from parley.server.core.context import Context
from parley.server.core.handlers.chanserv import chanserv
from parley.server.core.handlers.history import record
from parley.server.core.handlers.histserv import histserv
from parley.server.core.handlers.services import nickserv
from parley.server.core.outgoing import Outgoing
from parley.server.core.siblings import siblings

Reply = Callable[..., None]  # ctx.reply, or _no_reply for NOTICE


def _no_reply(numeric: Numeric, *params: str, text: str | None = None) -> None:
    """RFC 2812 3.3.2: a server sends no error reply to a NOTICE."""


def handle_privmsg(ctx: Context, msg: Message) -> None:
    """PRIVMSG, NOTICE and TAGMSG: to every other member of a channel, or to one nick."""
    command = msg.command
    fail = _no_reply if command == "NOTICE" else ctx.reply
    if not msg.params or not msg.params[0]:
        fail(ERR_NORECIPIENT, text=f"No recipient given ({command})")
        return
    if command == "TAGMSG":
        text = ""
    elif len(msg.params) < 2 or not msg.params[1]:
        fail(ERR_NOTEXTTOSEND)
        return
    else:
        text = msg.params[1]
    # IRCv3 message-tags: only client-only tags (`+name`) are relayed
    tags = tuple((k, v) for k, v in msg.tags.items() if k[:1] == "+") if msg.tags else ()
    client = ctx.client
    state = ctx.state
    echo = "echo-message" in ctx.session.caps
    targets = msg.params[0].split(",")
    limit = ctx.server.config.limits.targets_per_command
    for target in targets[limit:]:
        fail(ERR_TOOMANYTARGETS, target, text=f"Too many targets. Maximum is {limit}")
    ctx.server.stats.messages += 1
    spoke = False  # a Messaged event starts the sender's idle time again (State._messaged)
    for target in targets[:limit]:
        channel: Channel | None = None
        recipient: Client | None = None
        status = target[0] if target[:1] in STATUSMSG and is_channel(target[1:]) else ""
        if status or is_channel(target):
            channel = state.channel(target[len(status) :])
            if channel is None:
                fail(ERR_NOSUCHCHANNEL, target)
                continue
            why = channel.refusal(client, (text,))
            if why is not None:
                fail(ERR_CANNOTSENDTOCHAN, channel.name, text=why)
                continue
            name = status + channel.name
        elif fold(target) == "nickserv":
            if command == "PRIVMSG":
                nickserv(ctx, text)
            continue
        elif fold(target) == "chanserv":
            if command == "PRIVMSG":
                chanserv(ctx, text)
            continue
        elif fold(target) == "histserv":  # a search, never stored
            if command == "PRIVMSG":
                histserv(ctx, text)
            continue
        else:
            recipient = state.client(target)
            if recipient is None:  # no nick starts with `$`: server masks cost PMs nothing
                if target[:1] == "$":
                    _to_servers(ctx, target[1:], text, fail)
                elif not _keep_for_later(ctx, target, text, tags):
                    fail(ERR_NOSUCHNICK, target)
                continue
            if _squatted(ctx, recipient):  # for the nick's owner, not whoever sits on it
                owner = _owner_online(ctx, recipient.nick)
                if owner is None:
                    _keep_for_later(ctx, recipient.nick, text, tags, _SQUATTED)
                    continue
                recipient = owner  # logged in under another nick: it goes there
            name = recipient.nick
            if recipient.away is not None and command == "PRIVMSG":
                ctx.reply(RPL_AWAY, recipient.nick, text=recipient.away)
        server = ctx.server
        event = ev.Messaged(
            client.nick, command, name, text, server.new_msgid(), server.message_time(), tags
        )
        out = state.apply(event, ctx.session)
        spoke = True
        if channel is not None:
            if not status:  # a message to some members only is kept by nobody
                record(ctx, out, name, text, None, channel=channel)
        elif recipient is not None:
            record(ctx, out, name, text, recipient.account, recipient.uid)
        push.after_message(ctx, out, None if status else channel, recipient, text)
        if echo:
            ctx.send_out(out)
    if not spoke:  # to NickServ, kept for later or refused: the idle time starts again too
        state.apply(ev.Spoke(client.nick, state.clock.now()), ctx.session)


def _to_servers(ctx: Context, mask: str, text: str, fail: Reply) -> None:
    """RFC 2812 3.3.1: `$mask` reaches every user of the matching servers (operators only)."""
    if not ctx.client.is_oper:
        fail(ERR_NOPRIVILEGES)
        return
    if ctx.command == "TAGMSG":
        return
    why = op.announcement_refusal(ctx.server, mask, text)
    if why is not None:  # answered here: the other targets still get it, NOTICE nothing
        fail(why.numeric or ERR_NOTEXTTOSEND, *why.params)
        return
    op.announce(ctx.server, mask, text, ctx.client.nick, ctx.command)


def _squatted(ctx: Context, recipient: Client) -> bool:
    """`recipient` holds a registered nick without being logged into its account.

    Such holders are on the clock to identify (NickReservations): others cost no lookup.
    """
    if recipient not in ctx.server.reservations.deadlines:
        return False
    account = ctx.server.accounts.get(recipient.nick)
    return account is not None and account.name != recipient.account


def _owner_online(ctx: Context, nick: str) -> Client | None:
    """The client logged into the account of the registered `nick`, if one is online.

    (A scan of the logged-in: only messages to a squatted nick pay for it.)"""
    account = ctx.server.accounts.get(nick)
    if account is None:
        return None
    return next((c for c in ctx.state.logins if c.account == account.name), None)


_OFFLINE = "Offline: they will get your message on login"
_SQUATTED = "Not logged in as the nick's owner: your message is kept for the owner's login"


def _keep_for_later(
    ctx: Context,
    target: str,
    text: str,
    tags: tuple[tuple[str, str], ...],
    why: str = _OFFLINE,
) -> bool:
    """A message to a registered nick that is offline (or held by someone else) is stored
    for the account's next login; `why` tells the sender so."""
    account = ctx.server.accounts.get(target)
    if account is None or ctx.command == "TAGMSG":
        return False
    server = ctx.server
    line = encode_parts(ctx.client.prefix, ctx.command, (account.name, text))
    when, msgid = server.message_time(), server.new_msgid()
    out = Outgoing(line, when, msgid, dict(tags) or None, bot=ctx.client.is_bot)
    record(ctx, out, account.name, text, account.name)
    push.to_account(ctx, out, account.name)
    for sibling in siblings(ctx):
        sibling.conn.send(out.to(sibling.tag_mask))
    if "echo-message" in ctx.session.caps:
        ctx.send_out(out)
    if ctx.command == "PRIVMSG":
        ctx.reply(RPL_AWAY, account.name, text=why)
    return True


def handle_away(ctx: Context, msg: Message) -> None:
    text = msg.params[0] if msg.params else ""
    client = ctx.client
    if text:
        text = text[: ctx.server.config.limits.away_length]
        ctx.state.apply(ev.AwayChanged(client.nick, text), ctx.session)
        ctx.reply(RPL_NOWAWAY)
    else:
        if client.away is not None:
            ctx.state.apply(ev.AwayChanged(client.nick, None), ctx.session)
        ctx.reply(RPL_UNAWAY)
