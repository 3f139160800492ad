"""A second connection of a logged-in user joins its client (a phone beside a desktop).

A session that logged in (SASL, before registering) and asks for the nick of a
client logged into the same account becomes one more session of that client,
as the Client/Session split intends (docs/architecture.md; ergo's multiclient),
rather than being refused with 433. It is welcomed, then shown each channel the client is
in as a JOIN would show it. From then on channel lines, NICK, PART and the
rest reach every session of the client (a JOIN made on one shows the others the
channel's topic and names too: handlers/channels.py); the client quits when its
last session ends. Only the account's owner can do it: the SASL login is the proof.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.irc.numerics import RPL_WHOISSPECIAL
from parley.server.core import events as ev
from parley.server.core import observed as obs
from parley.server.core.handlers.channels import show_joined

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.context import Context
    from parley.server.core.session import Session


def shares_account(session: Session, holder: Client) -> bool:
    """Whether `session` logged into the account that `holder` (a nick's client) is in."""
    return (
        session.account is not None
        and holder.account is not None
        and fold(session.account) == fold(holder.account)
    )


def session_count(ctx: Context, target: Client) -> None:
    """WHOIS: how many connections `target` has, for itself and operators only, and only
    when more than one (one is the common case, and WHOIS stays as clients expect it)."""
    me = ctx.client
    count = len(target.sessions)
    if count > 1 and (target is me or me.is_oper):
        ctx.reply(RPL_WHOISSPECIAL, target.nick, text=f"has {count} connections")


def attach(ctx: Context, client: Client) -> None:
    """Make the registering session one more of `client`'s (the caller welcomes it)."""
    state = ctx.state
    state.apply(ev.SessionAttached(ctx.session.id, client.nick), ctx.session)
    ctx.server.stats.registrations += 1
    if state.observers:
        ctx.server.tell(obs.Registered(client.nick, client.user, client.host, client.account))


def show_channels(ctx: Context) -> None:
    """The client's channels, each as its JOIN shows it: JOIN, topic, read marker, NAMES."""
    client = ctx.client
    extended = "extended-join" in ctx.session.caps
    for channel in list(client.channels.values()):
        params = (channel.name, client.account or "*", client.realname) if extended else None
        ctx.send(Message("JOIN", params or (channel.name,), client.prefix))
        show_joined(ctx, channel)
