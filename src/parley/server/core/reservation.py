"""Nick reservation: a registered account's nick is kept for its owner.

Whoever takes such a nick without being logged into that account is asked to
identify, and renamed to a guest nick if they have not within the grace time.
Taking it again from the same address without identifying is then refused for
`limits.nick_squat_block` seconds, so nobody can sit on the nick by re-taking it
after each rename. (Messages to the nick meanwhile are kept for its owner:
handlers/messages.py.)
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.message import Message, encode
from parley.irc.numerics import ERR_NICKNAMEINUSE
from parley.server.core import events as ev
from parley.server.core.context import STANDARD_REPLIES

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.context import Context
    from parley.server.core.server import Server

NICKSERV = "NickServ"
NICKSERV_PREFIX = "NickServ!NickServ@services.parley"
HISTSERV = "HistServ"  # searches history (handlers/histserv.py)
HISTSERV_PREFIX = "HistServ!HistServ@services.parley"
SERVICE_NICKS = frozenset(("nickserv", "chanserv", "histserv"))  # folded: never free to take
MAX_BLOCKED = 10_000  # (address, nick) pairs refused at once, at most: the oldest go first


def services_notice(nick: str, text: str) -> Message:
    """A NOTICE from NickServ."""
    return Message("NOTICE", (nick, text), NICKSERV_PREFIX)


class NickReservations:
    """Deadlines by which clients must identify for the nick they hold."""

    def __init__(self) -> None:
        self.deadlines: dict[Client, float] = {}
        # (address, folded nick) -> until when (monotonic) that address may not take it
        self.blocked: dict[tuple[str, str], float] = {}

    def refused(self, ctx: Context, nick: str) -> bool:
        """Refuse (433 and a notice) a registered nick to an address renamed off it lately,
        unless the session is logged into the nick's account."""
        if not self.blocked:
            return False
        key = (ctx.session.conn.host, fold(nick))
        until = self.blocked.get(key)
        if until is None:
            return False
        if ctx.state.clock.monotonic() >= until:
            del self.blocked[key]
            return False
        account = ctx.server.accounts.get(nick)
        if account is None or ctx.session.account == account.name:
            return False
        ctx.reply(ERR_NICKNAMEINUSE, nick, text="Nickname is reserved by a registered account")
        why = (
            f"{nick} belongs to a registered account and you were renamed off it: "
            f"log in first (/msg {NICKSERV} IDENTIFY {nick} <password>), or wait."
        )
        if STANDARD_REPLIES in ctx.session.caps:  # IRCv3's code for a nick kept for others
            ctx.fail("NICK", "NICKNAME_RESERVED", nick, why)
        else:
            ctx.send(services_notice(ctx.nick, why))
        return True

    def _block(self, server: Server, host: str, folded: str) -> None:
        now = server.clock.monotonic()
        for key, until in list(self.blocked.items()):  # the expired go first
            if until <= now:
                del self.blocked[key]
        while len(self.blocked) >= MAX_BLOCKED:
            del self.blocked[next(iter(self.blocked))]
        self.blocked[(host, folded)] = now + server.config.limits.nick_squat_block

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
            self._block(server, client.host, client.folded)
            server.state.apply(ev.NickChanged(client.nick, guest), None)
            notice = services_notice(guest, f"You did not identify in time: you are now {guest}.")
            client.send(encode(notice))


def _guest_nick(server: Server) -> str:
    while True:
        nick = f"Guest{secrets.randbelow(100000):05d}"
        if server.state.client(nick) is None:
            return nick
