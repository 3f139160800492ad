"""CHGHOST: an operator gives a user another host to show (a vhost), as in
InspIRCd, UnrealIRCd and solanum: `CHGHOST <nick> <host>`.

The host is checked here; State applies the change and tells the others
(IRCv3 chghost, or a simulated reconnection for clients without it). Bans
still match the host the user connects from.
"""

from __future__ import annotations

import logging
import string

from parley.irc.message import Message, encode_reply
from parley.irc.numerics import ERR_NOSUCHNICK, RPL_VISIBLEHOST
from parley.server.core import events as ev
from parley.server.core.context import Context

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
    if not valid_host(host, most):
        ctx.fail(
            "CHGHOST",
            "INVALID_HOST",
            host,
            f"A host is 1 to {most} letters, digits and . - : / _",
        )
        return
    if host != target.host:
        log.info("%s set the host of %s to %s", ctx.client.nick, target.nick, host)
        ctx.state.apply(ev.HostChanged(target.nick, host))  # the operator hears it too
        params = (target.nick, host, RPL_VISIBLEHOST.text or "")
        target.send(encode_reply(ctx.server.name, RPL_VISIBLEHOST.code, params, True))
    ctx.notice(f"The host of {target.nick} is now {host}")
