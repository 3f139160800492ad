"""Every client logged into an account, for what goes to all of a person's sessions.

One account may be used by several clients at once (a phone and a desktop, each
with its own nick), and a client may have several sessions; what belongs to the
account rather than to a connection (read markers) is sent to all of them.
State keeps this index as logins change, so finding them costs no scan.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from parley.irc.casemap import fold

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.session import Session


class AccountIndex:
    """Logged-in clients by folded account name."""

    __slots__ = ("_clients",)

    def __init__(self) -> None:
        self._clients: dict[str, list[Client]] = {}

    def add(self, client: Client) -> None:
        """`client` is now logged in (client.account is set)."""
        if client.account is not None:
            held = self._clients.setdefault(fold(client.account), [])
            if client not in held:
                held.append(client)

    def remove(self, client: Client) -> None:
        """`client` logs out or quits (call it before client.account changes)."""
        if client.account is None:
            return
        key = fold(client.account)
        held = self._clients.get(key)
        if held is not None and client in held:
            held.remove(client)
            if not held:
                del self._clients[key]

    def clients(self, account: str) -> list[Client]:
        """The clients logged into `account` now."""
        return list(self._clients.get(fold(account), ()))

    def online(self, account: str) -> bool:
        return fold(account) in self._clients

    def sessions(self, account: str) -> Iterator[Session]:
        """Every session of every client logged into `account`."""
        for client in self._clients.get(fold(account), ()):
            yield from client.sessions


def sessions_of(index: AccountIndex, client: Client) -> Iterator[Session]:
    """Every session of the person behind `client`: its account's, or (no account) its own."""
    if client.account is None:
        yield from client.sessions
    else:
        yield from index.sessions(client.account)
