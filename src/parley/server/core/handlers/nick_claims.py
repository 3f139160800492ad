"""Taking a nick across a cluster before a registration or a NICK change goes on.

On one server the nick table decides at once. In cluster mode two nodes could
each find a nick free at the same instant, so the nick is also claimed in the
cluster's bucket (an atomic create, docs/cluster.md) on a worker thread; the
command's second half runs once the claim is in, and the loser gets 433.
"""

from __future__ import annotations

from collections.abc import Callable

from parley.irc.casemap import fold
from parley.irc.numerics import ERR_NICKNAMEINUSE, ERR_UNAVAILRESOURCE
from parley.server.core.cluster import Claim
from parley.server.core.context import Context
from parley.server.core.session import Phase


def claim_first(ctx: Context, nick: str, uid: str, then: Callable[[Context], None]) -> bool:
    """In cluster mode, claim `nick` for `uid` and `then(ctx)` once it is ours (433 if
    not); False on a single server, where the caller goes on at once."""
    cluster = ctx.server.cluster
    if cluster is None:
        return False
    session = ctx.session

    def settle(result: Claim) -> None:  # (also when the session closed meanwhile)
        if result is Claim.OURS and session.phase is Phase.CLOSED:
            cluster.release(nick, uid)

    def claimed(ctx: Context, result: Claim) -> None:
        if result is Claim.OURS:
            holder = ctx.state.clients.get(fold(nick))
            if holder is None or holder is session.client:
                then(ctx)
                return
            result = Claim.TAKEN  # (a user of this node took it meanwhile)
        if session.phase is not Phase.REGISTERED:
            session.nick = None
        if result is Claim.TAKEN:
            ctx.reply(ERR_NICKNAMEINUSE, nick)
        else:
            why = cluster.down() or "the cluster did not answer"
            ctx.reply(ERR_UNAVAILRESOURCE, nick, text=f"Nick is temporarily unavailable: {why}")

    ctx.defer(lambda: cluster.claim(nick, uid), claimed, settle, waits=True)
    return True
