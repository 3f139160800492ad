"""Connection registration: PASS, NICK, USER, CAP, PING, PONG, QUIT (modern IRC).

Registration completes when a nick and a user are in and CAP negotiation, if
begun, has ended; then PASS is checked, a Client is made and welcomed, and it
joins the lobby.
"""

from __future__ import annotations

import hmac
import re
import time
import weakref
from functools import partial
from typing import TYPE_CHECKING

import parley
from parley.irc.casemap import fold, valid_nick
from parley.irc.digits import parse_number
from parley.irc.isupport import isupport_lines
from parley.irc.message import MAX_LINE, Message, encode_parts
from parley.irc.numerics import (
    ERR_ALREADYREGISTERED,
    ERR_ERRONEUSNICKNAME,
    ERR_INVALIDCAPCMD,
    ERR_NEEDMOREPARAMS,
    ERR_NICKNAMEINUSE,
    ERR_NONICKNAMEGIVEN,
    ERR_NOORIGIN,
    ERR_PASSWDMISMATCH,
    ERR_YOUREBANNEDCREEP,
    RPL_CREATED,
    RPL_ISUPPORT,
    RPL_MYINFO,
    RPL_WELCOME,
    RPL_YOURHOST,
    Numeric,
)
from parley.server.config import Config
from parley.server.core import events as ev
from parley.server.core import metadata_ops
from parley.server.core import observed as obs
from parley.server.core.context import Context
from parley.server.core.handlers.attach import attach, shares_account, show_channels
from parley.server.core.handlers.channels import join_channel
from parley.server.core.handlers.device_logins import login_may_follow, may_attach, pass_login
from parley.server.core.handlers.info import motd_replies, send_lusers, send_motd
from parley.server.core.handlers.nick_claims import claim_first
from parley.server.core.handlers.presence import restore
from parley.server.core.ids import unique_id
from parley.server.core.outgoing import WANTS_TIME, tag_mask
from parley.server.core.reservation import SERVICE_NICKS
from parley.server.core.session import Phase
from parley.server.core.support import (
    CAPABILITIES,
    CHANNEL_MODES,
    USER_MODES,
    cap_value,
    isupport_tokens,
    offered,
)

if TYPE_CHECKING:
    from parley.server.config import Config
    from parley.server.core.client import Client
    from parley.server.core.cluster import Cluster
    from parley.server.core.server import Server

_USER_JUNK = re.compile(r"[^A-Za-z0-9._\-\[\]{}\\`^|]")


def handle_pass(ctx: Context, msg: Message) -> None:
    if ctx.session.phase is Phase.REGISTERED:
        ctx.reply(ERR_ALREADYREGISTERED)
        return
    ctx.session.password = msg.params[0]
    pass_login(ctx, msg.params[0])  # `account:password` (handlers/device_logins.py)


def handle_nick(ctx: Context, msg: Message) -> None:
    if not msg.params or not msg.params[0]:
        ctx.reply(ERR_NONICKNAMEGIVEN)
        return
    nick = msg.params[0]
    if not valid_nick(nick, ctx.server.config.limits.nick_length):
        ctx.reply(ERR_ERRONEUSNICKNAME, nick)
        return
    folded = fold(nick)
    holder = ctx.state.clients.get(folded)
    session = ctx.session
    if folded in SERVICE_NICKS:  # the services pseudo-users' names are never free
        ctx.reply(ERR_NICKNAMEINUSE, nick)
        return
    if ctx.server.reservations.refused(ctx, nick):  # re-taken after a rename off it
        return
    if session.phase is not Phase.REGISTERED:
        session.asked_nick = nick
        if holder is not None and not shares_account(session, holder) and not fading(ctx, holder):
            if login_may_follow(session, holder):  # decided at CAP END (try_register)
                session.nick = nick
                return
            ctx.reply(ERR_NICKNAMEINUSE, nick)
            return
        session.nick = nick
        try_register(ctx)
        return
    client = ctx.client
    if holder is not None and holder is not client:
        ctx.reply(ERR_NICKNAMEINUSE, nick)
        return
    if nick == client.nick:
        return
    if holder is None and claim_first(ctx, nick, client.uid, partial(_renamed, nick=nick)):
        return  # (cluster mode: once the nick is claimed across the cluster)
    _renamed(ctx, nick)


def _renamed(ctx: Context, nick: str) -> None:
    """NICK's second half: the nick is free (and claimed, in cluster mode)."""
    client, session = ctx.client, ctx.session
    # A K-line names a nick too: it cannot be taken later (InspIRCd's Q-line).
    ban = ctx.server.bans.on_hostmask(
        f"{nick}!{client.user}@{client.host}", f"{nick}!{client.user}@{client.real_host}"
    )
    if ban is not None:
        ctx.reply(ERR_ERRONEUSNICKNAME, nick, text=f"Invalid nickname: {ban.reason}")
        return
    ctx.send_out(ctx.state.apply(ev.NickChanged(client.nick, nick), origin=session))
    check_reservation(ctx)


def handle_user(ctx: Context, msg: Message) -> None:
    session = ctx.session
    if session.phase is Phase.REGISTERED:
        ctx.reply(ERR_ALREADYREGISTERED)
        return
    username, realname = msg.params[0], msg.params[3]
    if not username or not realname:
        ctx.reply(ERR_NEEDMOREPARAMS, "USER")
        return
    limits = ctx.server.config.limits
    session.user = _USER_JUNK.sub("", username)[: limits.user_length] or "user"
    session.realname = realname[: limits.realname_length]
    try_register(ctx)


def handle_cap(ctx: Context, msg: Message) -> None:
    sub = msg.params[0].upper()
    session = ctx.session
    unregistered = session.phase is not Phase.REGISTERED
    if sub == "LS":
        if unregistered:
            session.negotiating = True
        version = (parse_number(msg.params[1]) if len(msg.params) > 1 else None) or 0
        session.cap_version = max(session.cap_version, version)
        if session.cap_version >= 302:
            session.caps |= {"cap-notify"}  # IRCv3: implied by CAP LS 302
        _send_cap_lines(ctx, "LS", _cap_list(session.cap_version, ctx.server.config))
    elif sub == "LIST":
        _send_cap_lines(ctx, "LIST", sorted(session.caps))
    elif sub == "REQ":
        if unregistered:
            session.negotiating = True
        wanted = msg.params[1] if len(msg.params) > 1 else ""
        _cap_req(ctx, wanted)
    elif sub == "END":
        if unregistered:
            session.negotiating = False
            try_register(ctx)
    else:
        ctx.reply(ERR_INVALIDCAPCMD, msg.params[0])


def _cap_list(version: int, config: Config) -> list[str]:
    names = []
    for name in (n for n in CAPABILITIES if offered(n, config)):
        value = cap_value(name, config) if version >= 302 else None
        names.append(f"{name}={value}" if value else name)
    return names


def _send_cap_lines(ctx: Context, sub: str, caps: list[str]) -> None:
    """CAP LS/LIST in lines within 512 bytes: all but the last marked `*` (CAP 302)."""
    head = f":{ctx.server.name} CAP {ctx.nick} {sub} * :"
    budget = MAX_LINE - 2 - len(head.encode())
    lines: list[str] = []
    for cap in caps:
        if lines and len(lines[-1]) + 1 + len(cap) <= budget:
            lines[-1] += " " + cap
        else:
            lines.append(cap)
    lines = lines or [""]
    for line in lines[:-1]:
        ctx.send(Message("CAP", (ctx.nick, sub, "*", line), ctx.server.name))
    ctx.send(Message("CAP", (ctx.nick, sub, lines[-1]), ctx.server.name))


def _cap_req(ctx: Context, wanted: str) -> None:
    """IRCv3 CAP REQ: all of the request is acknowledged, or none of it."""
    session = ctx.session
    changes = wanted.split()
    for item in changes:
        name = item[1:] if item.startswith("-") else item
        if not offered(name, ctx.server.config):
            ctx.send(Message("CAP", (ctx.nick, "NAK", wanted), ctx.server.name))
            return
    for item in changes:
        if item.startswith("-"):
            session.caps -= {item[1:]}
        else:
            session.caps |= {item}
    session.tag_mask = tag_mask(session.caps)
    if session.client is not None:
        ctx.state.forget_recipients(session.client)
    ctx.send(Message("CAP", (ctx.nick, "ACK", wanted), ctx.server.name))


def handle_ping(ctx: Context, msg: Message) -> None:
    if not msg.params:
        ctx.reply(ERR_NOORIGIN)
        return
    ctx.send(Message("PONG", (ctx.server.name, msg.params[0]), ctx.server.name))


def handle_pong(ctx: Context, msg: Message) -> None:
    """Any line proves liveness (the session is marked active on receipt)."""


def handle_setname(ctx: Context, msg: Message) -> None:
    """IRCv3 setname: change one's real name; peers that asked are told."""
    realname = msg.params[0]
    longest = ctx.server.config.limits.realname_length  # ISUPPORT NAMELEN
    if not realname or len(realname) > longest:  # the spec: refused, not cut
        why = f"Real names are 1 to {longest} characters"
        ctx.fail("SETNAME", "INVALID_REALNAME", why)
        return
    event = ev.RealnameChanged(ctx.client.nick, realname)
    out = ctx.state.apply(event, ctx.session)
    if "setname" in ctx.session.caps:
        ctx.send_out(out)


# Bytes of a quit message: with `ERROR :Closing link: (Quit: ` and `)` it fits 512.
QUIT_BYTES = 480


def handle_quit(ctx: Context, msg: Message) -> None:
    text = msg.params[0] if msg.params else ""
    if len(text) > QUIT_BYTES // 4:  # (cut between characters; a cut one is dropped)
        text = text.encode()[:QUIT_BYTES].decode("utf-8", "ignore")
    reason = f"Quit: {text}" if text else "Quit"
    client = ctx.session.client
    if client is not None:  # the device is told it left, as its other devices are not
        ctx.send(Message("QUIT", (reason,), client.prefix))
    ctx.flush()
    ctx.server.end_session(ctx.session, reason, f"Closing link: ({reason})")


def fading(ctx: Context, holder: Client) -> bool:
    """The nick's holder is on a node gone quiet (cluster mode): try, do not refuse yet."""
    cluster = ctx.server.cluster
    return cluster is not None and cluster.is_remote(holder) and cluster.fading(holder)


def take_over(ctx: Context, cluster: Cluster, nick: str, account: str) -> None:
    """The account's user is kept by another node: it lets it go (if no device of it is
    connected there: one account's devices share a node), then registration goes on."""

    def taken(ctx: Context, given: bool) -> None:
        if given and ctx.state.client(nick) is None:
            try_register(ctx)
            return
        ctx.reply(ERR_NICKNAMEINUSE, nick)
        ctx.session.nick = None

    ctx.defer(lambda: cluster.take_over(nick, account), taken, waits=True)


def check_reservation(ctx: Context) -> None:
    """Start (or stop) the clock on a registered nick, and say so in the replies."""
    notice = ctx.server.reservations.check(ctx.server, ctx.client)
    if notice is not None:
        ctx.send(notice)


def try_register(ctx: Context) -> None:
    """Finish registration if everything is in; otherwise wait for the rest."""
    session = ctx.session
    if session.phase is not Phase.UNREGISTERED or session.negotiating:
        return
    if session.nick is None or session.user is None:
        return
    config = ctx.server.config
    if config.password is not None and not hmac.compare_digest(
        (session.password or "").encode(), config.password.encode()
    ):
        ctx.reply(ERR_PASSWDMISMATCH)
        ctx.flush()
        ctx.server.end_session(session, "Bad password", "Bad password")
        return
    holder = ctx.state.client(session.nick)
    cluster = ctx.server.cluster
    if holder is not None and cluster is not None and cluster.is_remote(holder):
        if shares_account(session, holder) and session.account is not None:
            take_over(ctx, cluster, holder.nick, session.account)
            return  # (an always-on user kept by another node comes here: cluster.md)
        if not cluster.fading(holder):
            ctx.reply(ERR_NICKNAMEINUSE, session.nick)
            session.nick = None
            return
        holder = None  # (its node has gone quiet: the claim below waits to see)
    if holder is not None and not shares_account(session, holder):
        ctx.reply(ERR_NICKNAMEINUSE, session.nick)
        session.nick = None
        return
    # K-lines: matched once the nick and user are known.
    ban = ctx.server.bans.on_hostmask(f"{session.nick}!{session.user}@{session.conn.host}")
    if ban is not None:
        ctx.reply(ERR_YOUREBANNEDCREEP, text=f"You are banned from this server: {ban.reason}")
        ctx.flush()
        ctx.server.end_session(session, "Banned", f"Banned: {ban.reason}")
        return
    if holder is not None:  # one more session of the account's client (handlers/attach.py)
        if not may_attach(ctx, holder):
            session.nick = None
            return
        attach(ctx, holder)
        welcome(ctx)
        show_channels(ctx)
        ctx.server.always_on.attached(ctx)  # a kept always-on client is back (always_on.py)
        return
    uid = unique_id()
    if claim_first(ctx, session.nick, uid, partial(_register_new, uid=uid)):
        return  # (cluster mode: once the nick is claimed across the cluster)
    _register_new(ctx, uid)


def _register_new(ctx: Context, uid: str) -> None:
    """Registration's second half: a new user with its first session."""
    session, config = ctx.session, ctx.server.config
    assert session.nick is not None and session.user is not None
    account, address = session.account, session.conn.host
    no_history, host = False, address
    if account is not None:
        stored = ctx.server.accounts.get(account)
        no_history = stored is not None and stored.history_opt_out
        host = ctx.server.vhosts.get(account) or address  # the host kept for the account
    event = ev.Registered(
        session.id, session.nick, session.user, host, address, session.realname, account,
        no_history, uid, metadata_ops.adopted(ctx, account),
    )  # fmt: skip
    ctx.state.apply(event, session)
    client = ctx.client
    ctx.server.stats.registrations += 1
    if ctx.state.observers:
        ctx.server.tell(obs.Registered(client.nick, client.user, client.host, client.account))
    welcome(ctx)
    check_reservation(ctx)
    if config.lobby:
        join_channel(ctx, config.lobby, None, topic=ctx.server.lobby_topic or None)
    restore(ctx)


def welcome(ctx: Context) -> None:
    """001-005, LUSERS and the MOTD: what a newcomer is greeted with."""
    server = ctx.server
    network = server.config.network_name
    ctx.reply(RPL_WELCOME, text=f"Welcome to the {network} IRC Network {ctx.client.prefix}")
    if ctx.session.tag_mask & WANTS_TIME:  # each line gets its own time: built as it goes
        for numeric, params, text in _fixed_replies(server):
            ctx.reply(numeric, *params, text=text)
        send_lusers(ctx)
        metadata_ops.greet(ctx)
        send_motd(ctx)
        return
    greeting = _GREETINGS.get(server)
    if greeting is None or greeting.config is not server.config or greeting.motd != server.motd:
        greeting = _GREETINGS[server] = Greeting(server)
    nick = ctx.client.nick.encode()
    ctx.send_raw(nick.join(greeting.head))
    send_lusers(ctx)
    metadata_ops.greet(ctx)
    ctx.send_raw(nick.join(greeting.tail))


def _fixed_replies(server: Server) -> list[tuple[Numeric, tuple[str, ...], str | None]]:
    """002-005: the same for every newcomer but for the nick."""
    name = server.name
    version = f"parley-{parley.__version__}"
    return [
        (RPL_YOURHOST, (), f"Your host is {name}, running version {version}"),
        (RPL_CREATED, (), f"This server was created {_date(server.created)}"),
        (RPL_MYINFO, (name, version, USER_MODES, CHANNEL_MODES, "beIklov"), None),
        *((RPL_ISUPPORT, tuple(t), None)
          for t in isupport_lines(isupport_tokens(server.config))),
    ]  # fmt: skip


class Greeting:
    """The fixed welcome lines, encoded once per configuration and MOTD.

    Each part is kept as the pieces between which the newcomer's nick goes,
    so that greeting someone is one `nick.join(pieces)`.
    """

    __slots__ = ("config", "head", "motd", "tail")

    def __init__(self, server: Server) -> None:
        self.config = server.config
        self.motd = server.motd
        self.head = _pieces(server.name, _fixed_replies(server))
        self.tail = _pieces(server.name, [(n, (), t) for n, t in motd_replies(server)])


_NICK = "\x01"  # stands for the nick in an encoded line (no nick can hold it)
_GREETINGS: weakref.WeakKeyDictionary[Server, Greeting] = weakref.WeakKeyDictionary()


def _pieces(source: str, replies: list[tuple[Numeric, tuple[str, ...], str | None]]) -> list[bytes]:
    """Numerics to `_NICK`, encoded together and cut where the nick goes."""
    lines = []
    for numeric, params, text in replies:
        trailing = text if text is not None else numeric.text
        full = (_NICK, *params, trailing) if trailing is not None else (_NICK, *params)
        lines.append(encode_parts(source, numeric.code, full))
    return b"".join(lines).split(_NICK.encode())


def _date(ts: float) -> str:
    return time.strftime("%a %b %d %Y at %H:%M:%S UTC", time.gmtime(ts))
