"""CHGHOST: an operator gives a user another host to show (a vhost), as in
InspIRCd, UnrealIRCd and solanum: `CHGHOST <nick> <host>`.

The host is checked here; State applies the change and tells the others
(IRCv3 chghost, or a simulated reconnection for clients without it). Bans
still match the host the user connects from. A user logged into an account
keeps the host for the account: it is shown whenever the account logs in,
until an operator sets the user's real host again.
"""

from __future__ import annotations

import logging
import string

from parley.irc.message import Message, encode_reply
from parley.irc.numerics import ERR_NOSUCHNICK, RPL_VISIBLEHOST
from parley.server.core import events as ev
from parley.server.core.client import Client
from parley.server.core.context import Context
from parley.server.store.schema import StoreError

log = logging.getLogger("parley.core")

# Letters, digits and what hostnames, addresses and cloaks use; nothing that could
# end a mask's host or a parameter (`!`, `@`, `,`, `*`, space, `:` first).
HOST_CHARACTERS = frozenset(string.ascii_letters + string.digits + ".-:/_")


def valid_host(host: str, most: int) -> bool:
    """Whether `host` may be shown as a user's host."""
    return (
        0 < len(host) <= most
        and host[0] not in ":-."
        and host[-1] not in ".-"
        and all(c in HOST_CHARACTERS for c in host)
    )


def handle_chghost(ctx: Context, msg: Message) -> None:
    nick, host = msg.params[0], msg.params[1]
    target = ctx.state.client(nick)
    if target is None:
        ctx.reply(ERR_NOSUCHNICK, nick)
        return
    most = ctx.server.config.limits.host_length
    if host != target.real_host and not valid_host(host, most):  # (the real one always fits)
        ctx.fail(
            "CHGHOST",
            "INVALID_HOST",
            host,
            f"A host is 1 to {most} letters, digits and . - : / _",
        )
        return
    if host != target.host:
        log.info("%s set the host of %s to %s", ctx.client.nick, target.nick, host)
        show_host(ctx, target, host)
    ctx.notice(f"The host of {target.nick} is now {host}")
    if target.account is not None:
        kept = None if host == target.real_host else host
        try:
            ctx.server.vhosts.set(target.account, kept)
        except StoreError as exc:
            log.error("%s", exc)
            ctx.notice(f"Not saved for account {target.account}: {exc}")
            return
        if kept is None:
            ctx.notice(f"Account {target.account} has its real host again when it logs in")
        else:
            ctx.notice(f"Account {target.account} has this host whenever it logs in")


def show_host(ctx: Context, target: Client, host: str) -> None:
    """`target` shows `host` from now on; everyone concerned is told (the operator too)."""
    ctx.state.apply(ev.HostChanged(target.nick, host))
    params = (target.nick, host, RPL_VISIBLEHOST.text or "")
    target.send(encode_reply(ctx.server.name, RPL_VISIBLEHOST.code, params, True))


def host_of_account(ctx: Context, client: Client) -> None:
    """`client` has logged in: the host kept for its account, if any, is shown from now
    (quietly if it is still registering: nobody knows it yet)."""
    if client.account is None:
        return
    host = ctx.server.vhosts.get(client.account)
    if host is None or host == client.host:
        return
    if ctx.state.clients.get(client.folded) is client:
        show_host(ctx, client, host)
    else:
        client.set_host(host)
