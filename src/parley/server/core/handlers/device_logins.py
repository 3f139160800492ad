"""A second device joins its account's nick by whichever way it logs in.

SASL before registering is the usual way (attach.py). This adds the other two
that IRC clients use: `PASS account:password` at registration (as ergo takes it,
when the server has no password of its own), which then attaches as SASL does,
and NickServ IDENTIFY after registering, which moves the identifying connection
from the client it made to the account's (its old nick quits). Either way only
a right password does it, checked off the loop and throttled as every login
(login.py). An account may turn this off (NickServ SET MULTICLIENT OFF): a
second login then meets 433 as before several sessions existed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.irc.numerics import ERR_NICKNAMEINUSE, RPL_LOGGEDIN
from parley.server.core import events as ev
from parley.server.core.handlers.attach import attach, show_channels
from parley.server.core.handlers.sasl import log_in
from parley.server.core.login import verify_login
from parley.server.core.reservation import NICKSERV, services_notice

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.context import Context
    from parley.server.core.session import Session


def multiclient(ctx: Context, account: str) -> bool:
    """Whether `account` lets a second device join its nick (NickServ SET MULTICLIENT)."""
    stored = ctx.server.accounts.get(account)
    return stored is None or stored.multiclient


def login_may_follow(session: Session, holder: Client) -> bool:
    """NICK for a logged-in user's nick during CAP negotiation: most clients (WeeChat,
    irssi, ours) send it before SASL, so whether it is taken waits for CAP END, as ergo
    checks a nick only when registration completes."""
    return session.negotiating and session.account is None and holder.account is not None


def no_room(ctx: Context, holder: Client) -> Literal["one", "full"] | None:
    """Why `holder` takes no more sessions: its account allows one (MULTICLIENT OFF; a
    user kept always-on with no device takes one whatever it says), or it has as many
    as Limits.sessions_per_account allows. None: it takes one more."""
    if holder.sessions and holder.account is not None and not multiclient(ctx, holder.account):
        return "one"
    if len(holder.sessions) >= ctx.server.config.limits.sessions_per_account:
        return "full"
    return None


def may_attach(ctx: Context, holder: Client) -> bool:
    """At registration: whether the session, logged into `holder`'s account, may become
    one more of its sessions; if not, it is told with 433 and picks another nick."""
    why = no_room(ctx, holder)
    if why == "one":
        text = f"Nickname is already in use (the account {holder.account} allows one connection)"
    elif why == "full":
        limit = ctx.server.config.limits.sessions_per_account
        text = f"Too many connections for this account (the limit is {limit})"
    else:
        return True
    ctx.reply(ERR_NICKNAMEINUSE, holder.nick, text=text)
    return False


def set_multiclient(ctx: Context, account: str, value: str) -> str:
    """NickServ SET MULTICLIENT ON|OFF (connections already attached stay)."""
    on = value == "ON"
    ctx.server.accounts.set_multiclient(account, on)
    if on:
        return "Another device that logs into your account will join your nick."
    return "Another device that logs into your account will not join your nick (433)."


# -- PASS account:password -----------------------------------------------------


def pass_login(ctx: Context, password: str) -> None:
    """PASS before registering: `account:password` logs in when the server has no
    password of its own (ergo's convention, for clients without SASL); the lines after
    it wait for the check, so the registration that follows can attach."""
    session = ctx.session
    if ctx.server.config.password is not None or session.account is not None:
        return
    name, colon, secret = password.partition(":")
    if not colon or not name or not secret:
        return
    session.password = None  # not a server password: not kept
    verify_login(ctx, name, secret, _pass_checked)


def _pass_checked(ctx: Context, account: str | None) -> None:
    if account is None:
        ctx.notice("Invalid account or password (or too many tries: wait a minute)")
    elif ctx.session.account is None:
        log_in(ctx, account)


# -- NickServ IDENTIFY after registering -------------------------------------------


def identify_attach(ctx: Context, account: str) -> bool:
    """After a right IDENTIFY: if the account's client is online under the account's
    nick, the session leaves its own client and joins that one (True). Otherwise, or
    when the account refuses more connections, it stays as it is (False) and the
    caller logs it in there."""
    session = ctx.session
    holder = ctx.state.client(account)
    old = session.client
    if holder is None or old is None or holder is old or holder.account is None:
        return False
    if fold(holder.account) != fold(account):  # someone else's client on that nick
        return False
    problem = _refusal(ctx, holder)
    if problem is not None:
        ctx.send(services_notice(ctx.nick, problem))
        return False
    session.account = account
    _leave(ctx, old, f"Attached to another session of {holder.account}")
    attach(ctx, holder)
    ctx.send(Message("NICK", (holder.nick,), old.prefix))
    text = f"You are now logged in as {account}"
    ctx.reply(RPL_LOGGEDIN, holder.prefix, account, text=text)
    joined = f"{text}, on {holder.nick} with your other connections."
    ctx.send(services_notice(holder.nick, joined))
    show_channels(ctx)
    ctx.server.always_on.attached(ctx)  # a kept always-on client is back (always_on.py)
    return True


def _refusal(ctx: Context, holder: Client) -> str | None:
    """Why the session may not join `holder`, for a NickServ notice; None if it may."""
    stay = f"you stay {ctx.nick}."
    why = no_room(ctx, holder)
    if why == "one":
        turn_on = f"/msg {NICKSERV} SET MULTICLIENT ON"
        return f"{holder.nick} is online and your account allows one connection ({turn_on}): {stay}"
    if why == "full":
        limit = ctx.server.config.limits.sessions_per_account
        return f"{holder.nick} has too many connections (the limit is {limit}): {stay}"
    return None


def _leave(ctx: Context, old: Client, reason: str) -> None:
    """The session leaves `old` (which quits if it was its last session) and is back to
    registering, its connection kept. It is shown itself leaving `old`'s channels, so
    that its view holds only the new ones."""
    for channel in old.channels.values():
        ctx.send(Message("PART", (channel.name, reason), old.prefix))
    ctx.state.apply(ev.SessionDetached(ctx.session.id, reason), ctx.session)
