"""Persistent sessions: logging in brings back one's channels and missed messages.

The channels a logged-in user is in are saved with their account about once a
second while they change (State.moved, saved by the sweep), and with the time
when the user leaves or the server stops. Logging in again, from any
connection, rejoins those channels and delivers the private messages that
arrived for the account meanwhile. Messages to a registered nick that is
offline are kept for it rather than refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING

from parley.server.core.context import Context
from parley.server.core.handlers.channels import join_channel
from parley.server.core.handlers.history import send_past
from parley.server.store.accounts import Presence

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server

MISSED_LIMIT = 200  # private messages delivered on login at most


def remember(server: Server, clients: Iterable[Client]) -> None:
    """Save where logged-in users were, in one write."""
    now = server.clock.now()
    states = {
        c.account: Presence(tuple(ch.name for ch in c.channels.values()), now)
        for c in clients
        if c.account is not None
    }
    if states:
        server.accounts.save_presence(states)


def restore(ctx: Context) -> None:
    """After a login: the account's channels, and the private messages it missed."""
    client = ctx.client
    account = client.account
    if account is None:
        return
    state = ctx.state
    presence = ctx.server.accounts.presence(account)
    if presence is not None:
        for name in presence.channels:
            channel = state.channel(name)
            if channel is None or client not in channel.members:
                join_channel(ctx, name, None)
    since = presence.last_seen if presence is not None else 0.0
    send_past(ctx, ctx.server.history.missed(account, since, MISSED_LIMIT), client.nick)
