"""IRCv3 draft/multiline: a client's BATCH, the lines inside it, and the message it makes.

    BATCH +<ref> draft/multiline <target>
    @batch=<ref>[;draft/multiline-concat] PRIVMSG <target> :<line>   (or NOTICE)
    BATCH -<ref>

Lines are counted against `limits.multiline_max_lines` and `multiline_max_bytes`
before they are kept; a batch left waiting for its next line longer than
`multiline_timeout` is given up (FAIL BATCH TIMEOUT), and one whose session ends
is dropped with it: nothing of it is delivered. Every line costs a flood token as
any line does (the net layer counts lines before they are parsed).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_CANNOTSENDTOCHAN,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    RPL_AWAY,
    Numeric,
)
from parley.server.core import events as ev
from parley.server.core import push
from parley.server.core.channel import Channel
from parley.server.core.client import Client
from parley.server.core.context import Context
from parley.server.core.handlers.history import record
from parley.server.core.handlers.messages import _OFFLINE, _SQUATTED, _owner_online, _squatted
from parley.server.core.multiline import (
    BATCH_TYPE,
    CAP,
    CONCAT,
    MAX_REF,
    ClientBatch,
    Discarded,
    join_text,
)
from parley.server.core.multiline_out import MultilineOut
from parley.server.core.outgoing import MULTILINE, TAG_BITS, delivery_key, with_tags
from parley.server.core.reservation import SERVICE_NICKS
from parley.server.core.session import Phase, Session
from parley.server.core.siblings import siblings

if TYPE_CHECKING:
    from parley.server.core.server import Server

# Lines that may come while a batch is open without breaking it: the batch's own
# end (or a nested start, refused by its handler) and keep-alives.
_PASSING = frozenset(("BATCH", "PING", "PONG"))
_KINDS = ("PRIVMSG", "NOTICE")


def handle_batch(ctx: Context, msg: Message) -> None:
    """BATCH +ref opens a multiline batch, BATCH -ref sends it (IRCv3 client-batch)."""
    head = msg.params[0]
    if head[:1] == "+":
        _open(ctx, msg, head[1:])
    elif head[:1] == "-":
        _close(ctx, head[1:])
    else:
        ctx.fail("BATCH", "MULTILINE_INVALID", "A batch reference starts with + or -")


def _open(ctx: Context, msg: Message, ref: str) -> None:
    session = ctx.session
    if not ref or len(ref) > MAX_REF:
        ctx.fail("BATCH", "MULTILINE_INVALID", "Invalid batch reference")
        return
    current = session.batch
    if isinstance(current, ClientBatch):  # nested or interleaved: neither is sent
        session.batch = Discarded(current.ref, ref)
        ctx.fail("BATCH", "MULTILINE_INVALID", "Another multiline batch is already open")
        return
    params = msg.params
    problem: tuple[str, ...] = ()
    if CAP not in session.caps:
        problem = ("MULTILINE_INVALID", f"Request the {CAP} capability first")
    elif len(params) < 2 or params[1] != BATCH_TYPE:
        problem = ("MULTILINE_INVALID", "Unknown batch type")
    elif len(params) < 3 or not params[2]:
        problem = ("MULTILINE_INVALID", "A multiline batch needs a target")
    elif "," in params[2]:
        problem = ("MULTILINE_INVALID_TARGET", params[2], "A multiline batch has one target")
    if problem:
        session.batch = Discarded(ref)  # its lines, on their way, are dropped
        ctx.fail("BATCH", *problem)
        return
    # IRCv3 multiline: the message's client-only tags come on the BATCH line
    tags = {k: v for k, v in msg.tags.items() if k[:1] == "+"} if msg.tags else {}
    now = ctx.server.clock.monotonic()
    session.batch = ClientBatch(ref, params[2], tags, ctx.label, now)
    ctx.label = None  # the answer to the label is the message itself, at the end


def _close(ctx: Context, ref: str) -> None:
    session = ctx.session
    batch = session.batch
    if isinstance(batch, Discarded) and ref in batch.refs:
        batch.refs.remove(ref)  # (what was wrong with it was said when it was given up)
        if not batch.refs:
            session.batch = None
        return
    if not isinstance(batch, ClientBatch) or batch.ref != ref:
        ctx.fail("BATCH", "MULTILINE_INVALID", "No such multiline batch is open")
        return
    session.batch = None
    if ctx.label is None:
        ctx.label = batch.label
    if not batch.lines:
        ctx.fail("BATCH", "MULTILINE_INVALID", "Invalid multiline batch without lines")
    elif batch.blank():
        ctx.fail("BATCH", "MULTILINE_INVALID", "Invalid multiline batch with blank lines only")
    else:
        _send(ctx, batch)


def take_batched(server: Server, session: Session, message: Message) -> bool:
    """Whether `message` was a line of a client batch, and so is dealt with here.

    Called for a line with a `batch` tag, or any line while a batch is open or given up.
    While one is open only its lines may come (IRCv3 client-batch): another line gives
    it up, and goes on to its handler unless it is tagged for some other batch.
    """
    if session.phase is not Phase.REGISTERED:
        return False
    ref = message.tags.get("batch") if message.tags else None
    if ref is None and message.command in _PASSING:
        return False
    batch = session.batch
    if isinstance(batch, ClientBatch):
        if ref == batch.ref:
            _add_line(server, session, batch, message)
            return True
        session.batch = Discarded(batch.ref)
        _refuse(server, session, batch.label, "MULTILINE_INVALID", "Line outside the open batch")
        return ref is not None
    if isinstance(batch, Discarded):
        if ref is None:
            session.batch = None  # the client has moved on
            return False
        if ref in batch.refs:
            return True
    if ref is None:
        return False
    _refuse(server, session, None, "MULTILINE_INVALID", "No such multiline batch is open")
    return True


def _add_line(server: Server, session: Session, batch: ClientBatch, message: Message) -> None:
    """Keep one line of the batch, once it is counted within the limits."""
    limits = server.config.limits
    command, params = message.command, message.params
    problem: tuple[str, ...] = ()
    if command not in _KINDS or batch.command not in (None, command):
        problem = ("MULTILINE_INVALID", "A multiline batch holds PRIVMSG or NOTICE lines, not both")
    elif len(params) < 2:
        problem = ("MULTILINE_INVALID", "A line of a multiline batch needs text")
    elif fold(params[0]) != fold(batch.target):
        problem = ("MULTILINE_INVALID_TARGET", batch.target, params[0], "Invalid multiline target")
    else:
        text = params[1]
        concat = CONCAT in message.tags
        if concat and not text:
            problem = ("MULTILINE_INVALID", "Invalid multiline batch with concatenated blank line")
        elif len(batch.lines) >= limits.multiline_max_lines:
            most = str(limits.multiline_max_lines)
            problem = ("MULTILINE_MAX_LINES", most, "Multiline batch max-lines exceeded")
        else:
            cost = batch.cost(text, concat)
            if batch.size + cost > limits.multiline_max_bytes:
                most = str(limits.multiline_max_bytes)
                problem = ("MULTILINE_MAX_BYTES", most, "Multiline batch max-bytes exceeded")
            else:
                batch.command = command
                batch.lines.append((text, concat))
                batch.size += cost
                batch.last = server.clock.monotonic()
                return
    session.batch = Discarded(batch.ref)
    _refuse(server, session, batch.label, *problem)


def _refuse(server: Server, session: Session, label: str | None, *fail: str) -> None:
    """FAIL BATCH ..., outside any command's replies (with the batch's label, if any)."""
    ctx = Context(server, session, "BATCH", label)
    ctx.fail("BATCH", *fail)
    ctx.flush()


def expire_batch(server: Server, session: Session, now: float) -> None:
    """Give up a batch that has waited too long for its next line (IRCv3 client-batch)."""
    batch = session.batch
    if isinstance(batch, ClientBatch) and now - batch.last > server.config.limits.multiline_timeout:
        session.batch = Discarded(batch.ref)
        _refuse(server, session, batch.label, "TIMEOUT", batch.ref, "Multiline batch timed out")


def _no_reply(numeric: Numeric, *params: str, text: str | None = None) -> None:
    """RFC 2812 3.3.2: a server sends no error reply to a NOTICE."""


def _send(ctx: Context, batch: ClientBatch) -> None:
    """The closed batch, to its target: as a PRIVMSG or NOTICE would go, in one piece."""
    command = batch.command or "PRIVMSG"
    fail = _no_reply if command == "NOTICE" else ctx.reply
    client, state, target = ctx.client, ctx.state, batch.target
    channel: Channel | None = None
    recipient: Client | None = None
    if is_channel(target):
        channel = state.channel(target)
        if channel is None:
            fail(ERR_NOSUCHCHANNEL, target)
            return
        why = channel.refusal(client, (text for text, _ in batch.lines))
        if why is not None:
            fail(ERR_CANNOTSENDTOCHAN, channel.name, text=why)
            return
        name = channel.name
    elif fold(target) in SERVICE_NICKS or target[:1] == "$":
        ctx.fail("BATCH", "MULTILINE_INVALID_TARGET", target, f"{target} takes one line at a time")
        return
    else:
        recipient = state.client(target)
        why = _OFFLINE
        if recipient is not None and _squatted(ctx, recipient):  # for the nick's owner
            recipient, why = _owner_online(ctx, recipient.nick), _SQUATTED
        if recipient is None:
            if not _keep_for_later(ctx, batch, target, why):
                fail(ERR_NOSUCHNICK, target)
            return
        name = recipient.nick
        if recipient.away is not None and command == "PRIVMSG":
            ctx.reply(RPL_AWAY, recipient.nick, text=recipient.away)
    ctx.server.stats.messages += 1
    server = ctx.server
    event = ev.MultilineMessaged(
        client.nick, command, name, tuple(batch.lines), server.new_msgid(),
        server.message_time(), server.new_batch_id(), tuple(batch.tags.items()),
    )  # fmt: skip
    out = state.apply(event, ctx.session)
    text = join_text(batch.lines)
    push.after_message(ctx, out, channel, recipient, text)
    if recipient is not None:
        record(ctx, out, name, text, recipient.account, recipient.uid, command=command)
    else:
        record(ctx, out, name, text, None, channel=channel, command=command)
    _echo(ctx, out)


def _keep_for_later(ctx: Context, batch: ClientBatch, target: str, why: str) -> bool:
    """To a registered nick whose owner is not online: kept for the account's next login."""
    account = ctx.server.accounts.get(target)
    if account is None:
        return False
    server, command = ctx.server, batch.command or "PRIVMSG"
    lines = tuple(batch.lines)
    out = MultilineOut(
        ctx.client.prefix, command, account.name, lines, server.new_batch_id(),
        server.message_time(), server.new_msgid(), batch.tags or None, ctx.client.account,
    )  # fmt: skip
    record(ctx, out, account.name, join_text(lines), account.name, command=command)
    push.to_account(ctx, out, account.name)
    for sibling in siblings(ctx):
        sibling.conn.send(out.to(delivery_key(sibling) & (TAG_BITS | MULTILINE)))
    _echo(ctx, out)
    if command == "PRIVMSG":
        ctx.reply(RPL_AWAY, account.name, text=why)
    return True


def _echo(ctx: Context, out: object) -> None:
    """IRCv3 echo-message: the sender's own copy, the label on its first line only."""
    session = ctx.session
    if "echo-message" not in session.caps or not isinstance(out, MultilineOut):
        return
    lines = out.lines_for(delivery_key(session) & (TAG_BITS | MULTILINE))
    if ctx.label is not None and lines:
        lines[0] = with_tags(lines[0], {"label": ctx.label})
        ctx.label = None
    for line in lines:
        ctx.send_raw(line)
