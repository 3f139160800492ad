"""IRCv3 draft/message-redaction: REDACT <target> <msgid> [:reason] deletes a message.

Who may: its sender (the same account, or for a line said without one, the same
connection), an operator of the channel for lines of the channel's present life,
and a server operator. The message leaves history for good; those with the
capability who could have it are told. A message the asker could not read is
answered as one that does not exist (docs/privacy.md).
"""

from __future__ import annotations

from parley.irc.casemap import is_channel
from parley.irc.message import Message
from parley.server.core import events as ev
from parley.server.core.context import Context
from parley.server.core.handlers.history import reader_for
from parley.server.store.history import HistoryItem, conversation_key

REDACTABLE = frozenset(("PRIVMSG", "NOTICE", "TAGMSG"))  # the spec's: never events


def handle_redact(ctx: Context, msg: Message) -> None:
    target, msgid = msg.params[0], msg.params[1]
    reason = msg.params[2] if len(msg.params) > 2 and msg.params[2] else None
    client = ctx.client
    channel = ctx.state.channel(target) if is_channel(target) else None
    if is_channel(target) and (channel is None or client not in channel.members):
        ctx.fail("REDACT", "INVALID_TARGET", target, f"You cannot delete messages from {target}")
        return
    conversation = conversation_key(client.nick, target)
    history = ctx.server.history
    item = history.find(conversation, msgid, reader_for(ctx, channel)) if msgid else None
    if item is None or item.command not in REDACTABLE:
        ctx.fail(
            "REDACT", "UNKNOWN_MSGID", target, msgid, "This message does not exist or is too old"
        )
        return
    if not _may_redact(ctx, item):
        ctx.fail(
            "REDACT",
            "REDACT_FORBIDDEN",
            target,
            msgid,
            "You are not authorised to delete this message",
        )
        return
    if not history.redact(conversation, msgid):
        ctx.fail("REDACT", "TEMPORARILY_UNAVAILABLE", target, "History cannot be changed now")
        return
    server = ctx.server
    event = ev.Redacted(
        client.nick,
        target,
        msgid,
        reason,
        server.new_msgid(),
        server.message_time(),
        item.time,
        item.public,
        None if channel is not None else _peer(ctx, item),
    )
    ctx.send_out(ctx.state.apply(event, ctx.session))


def _may_redact(ctx: Context, item: HistoryItem) -> bool:
    """The sender, an operator of the channel's present life, or a server operator."""
    client = ctx.client
    if client.is_oper:
        return True
    if item.account is not None:
        account = ctx.server.accounts.get(item.account) if client.account == item.account else None
        # (an account deleted and registered again is not the one that said it)
        mine = account is not None and account.created <= item.time
    else:
        mine = item.sender_uid is not None and item.sender_uid == client.uid
    if mine:
        return True
    channel = ctx.state.channel(item.target) if item.incarnation is not None else None
    return channel is not None and channel.incarnation == item.incarnation and channel.is_op(client)


def _peer(ctx: Context, item: HistoryItem) -> str | None:
    """The other side of a private message, if the user online under its nick is it."""
    client = ctx.client
    mine = item.sender == client.folded
    other = ctx.state.client(item.target if mine else item.sender)
    if other is None or other is client:
        return None
    account, uid = (
        (item.recipient_account, item.recipient_uid) if mine else (item.account, item.sender_uid)
    )
    if account is not None:
        return other.nick if other.account == account else None
    return other.nick if uid is not None and other.uid == uid else None
