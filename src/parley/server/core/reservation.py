"""Nick reservation: a registered account's nick is kept for its owner.

Whoever takes such a nick without being logged into that account is asked to
identify, and renamed to a guest nick if they have not within the grace time.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from parley.irc.message import Message, encode
from parley.server.core import events as ev

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server

NICKSERV = "NickServ"
NICKSERV_PREFIX = "NickServ!NickServ@services.parley"


def services_notice(nick: str, text: str) -> Message:
    """A NOTICE from NickServ."""
    return Message("NOTICE", (nick, text), NICKSERV_PREFIX)


class NickReservations:
    """Deadlines by which clients must identify for the nick they hold."""

    def __init__(self) -> None:
        self.deadlines: dict[Client, float] = {}

    def check(self, server: Server, client: Client) -> Message | None:
        """After a registration, login or nick change: start or stop the clock.

        Returns the notice to show the client when the clock starts.
        """
        account = server.accounts.get(client.nick)
        if account is None or client.account == account.name:
            self.deadlines.pop(client, None)
            return None
        grace = server.config.limits.nick_grace
        self.deadlines[client] = server.clock.monotonic() + grace
        return services_notice(
            client.nick,
            f"The nick {client.nick} belongs to a registered account. Identify with "
            f"/msg {NICKSERV} IDENTIFY <password> within {grace:g} seconds, "
            "or you will be renamed.",
        )

    def sweep(self, server: Server) -> None:
        """Rename those whose grace time ran out."""
        now = server.clock.monotonic()
        for client, deadline in list(self.deadlines.items()):
            if now < deadline:
                continue
            del self.deadlines[client]
            if server.state.clients.get(client.folded) is not client:
                continue  # gone, or renamed meanwhile
            account = server.accounts.get(client.nick)
            if account is None or client.account == account.name:
                continue
            guest = _guest_nick(server)
            server.state.apply(ev.NickChanged(client.nick, guest), None)
            notice = services_notice(guest, f"You did not identify in time: you are now {guest}.")
            client.send(encode(notice))


def _guest_nick(server: Server) -> str:
    while True:
        nick = f"Guest{secrets.randbelow(100000):05d}"
        if server.state.client(nick) is None:
            return nick
