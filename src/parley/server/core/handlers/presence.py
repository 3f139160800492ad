"""Persistent sessions: logging in brings back one's channels and missed messages.

The channels a logged-in user is in are saved with their account about once a
second while they change (State.moved, saved by the sweep), and with the time
when the user leaves or the server stops. Logging in again, from any
connection, rejoins those channels and delivers the private messages that
arrived for the account meanwhile (both read off the event loop). Messages to
a registered nick that is offline are kept for it rather than refused.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial
from typing import TYPE_CHECKING

from parley.server.core.context import Context
from parley.server.core.handlers.channels import join_channel
from parley.server.core.handlers.history import send_past
from parley.server.core.stores import AccountStore, HistoryStore
from parley.server.store.accounts import Presence
from parley.server.store.history import HistoryItem

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
    """After a login: the account's channels, and the private messages it missed, read
    on a worker thread; what the login said so far goes first."""
    account = ctx.client.account
    if account is None:
        return
    # Messages from now on reach the client live: the missed ones stop short of them.
    until = ctx.server.message_time()
    read = partial(_read, ctx.server.accounts, ctx.server.history, account, until)
    ctx.defer(read, partial(_restored, account), early=True)


def deliver_missed(ctx: Context, since: float) -> None:
    """The private messages the account got since `since` (an always-on user's device
    attaching), read on a worker thread like `restore`'s."""
    account = ctx.client.account
    if account is None:
        return
    until = ctx.server.message_time()
    read = partial(_missed, ctx.server.history, account, since, until)
    ctx.defer(read, partial(_missed_read, account), early=True)


def _read(
    accounts: AccountStore, history: HistoryStore, account: str, until: float
) -> tuple[Presence | None, list[HistoryItem]]:
    """Where the account was, and what was said to it since (on a worker thread)."""
    presence = accounts.presence(account)
    since = presence.last_seen if presence is not None else 0.0
    return presence, _missed(history, account, since, until)


def _missed(history: HistoryStore, account: str, since: float, until: float) -> list[HistoryItem]:
    """What was said to the account between `since` and `until` (on a worker thread)."""
    return [item for item in history.missed(account, since, MISSED_LIMIT) if item.time < until]


def _missed_read(account: str, ctx: Context, missed: list[HistoryItem]) -> None:
    if ctx.client.account == account:
        send_past(ctx, missed, ctx.client.nick)


def _restored(account: str, ctx: Context, found: tuple[Presence | None, list[HistoryItem]]) -> None:
    """On the loop again: rejoin, then the missed messages."""
    client = ctx.client
    if client.account != account:
        return  # logged out or into another account meanwhile
    presence, missed = found
    if presence is not None:
        state = ctx.state
        for name in presence.channels:
            channel = state.channel(name)
            if channel is None or client not in channel.members:
                join_channel(ctx, name, None)
    send_past(ctx, missed, client.nick)
