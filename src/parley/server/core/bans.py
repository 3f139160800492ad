"""Server bans: K-lines on `nick!user@host` masks and D-lines on addresses.

A K-line is matched when a connection registers (its nick and user are known
only then) and when it changes nick; a D-line, as in ircd-hybrid and solanum,
names an IP address or a network and refuses the connection as soon as it is
made. `Bans` owns them all: the table in force, its store, parsing, matching
and expiry; operations.py turns its answers into operators' actions.
"""

from __future__ import annotations

import contextlib
import ipaddress
from collections.abc import Callable
from functools import lru_cache
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.masks import mask_matches, normalize_mask
from parley.irc.numerics import ERR_YOUREBANNEDCREEP
from parley.server.core.clock import Clock
from parley.server.core.context import Context
from parley.server.core.stores import Ban, BanStore
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.core.server import Server
    from parley.server.core.session import Session

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_MASK = 200  # characters in a ban mask
MAX_BAN_MINUTES = 366 * 24 * 60  # a year; longer is "until removed" (0)
# The widest networks a D-line may name (ircd-hybrid's dline_min_cidr defaults).
MIN_PREFIX = {4: 16, 6: 48}
_FORBIDDEN = set(" ,\x00\r\n\x07")


class Bans:
    """The K-lines and D-lines in force, kept in their store; expired ones go as met."""

    __slots__ = ("_clock", "_table", "store")

    def __init__(self, store: BanStore, clock: Clock) -> None:
        self.store = store
        self._clock = clock
        self._table: dict[str, Ban] = {fold(b.mask): b for b in store.all()}

    def __len__(self) -> int:
        return len(self._table)

    def new(self, mask: str, minutes: int, reason: str, by: str, address: bool = False) -> Ban:
        """A checked ban: a D-line if `address`, else a K-line; ValueError says what is wrong."""
        if not 0 <= minutes <= MAX_BAN_MINUTES:
            raise ValueError(f"A ban lasts 0 (until removed) to {MAX_BAN_MINUTES} minutes")
        checked = parse_address(mask) if address else parse_mask(mask)
        now = self._clock.now()
        return Ban(checked, reason or "Banned", by, now, now + minutes * 60 if minutes else None)

    def add(self, ban: Ban) -> None:
        """In force at once, then saved (StoreError if not: it holds until a restart)."""
        self._table[fold(ban.mask)] = ban
        self.store.add(ban)

    def remove(self, mask: str) -> bool:
        """Lift a ban by its stored mask; whether there was one (in force, or only on disk)."""
        in_force = self._table.pop(fold(mask), None) is not None
        stored = self.store.remove(mask)  # (a ban not saved for a full disk is not there)
        return in_force or stored

    def stored_elsewhere(self, mask: str, ban: Ban | None) -> None:
        """Another node of a cluster added (or, None, lifted) a ban, already in the store:
        in force here too (cluster/stores.py)."""
        if ban is None:
            self._table.pop(fold(mask), None)
        else:
            self._table[fold(mask)] = ban

    def active(self) -> list[Ban]:
        """The bans in force, oldest first."""
        now = self._clock.now()
        return sorted((b for b in self._table.values() if b.active(now)), key=lambda b: b.set_at)

    def on_address(self, host: str) -> Ban | None:
        """The D-line that the peer address `host` falls under, if any."""
        return self._in_force(lambda ban: ban.on_address and in_network(ban.mask, host))

    def on_hostmask(self, *prefixes: str) -> Ban | None:
        """The K-line that any of the `nick!user@host` prefixes falls under, if any."""
        return self._in_force(
            lambda ban: not ban.on_address and any(mask_matches(ban.mask, p) for p in prefixes)
        )

    def hits(self, ban: Ban, session: Session) -> bool:
        """Whether `ban` falls on a session now: its address, or its user's shown or real
        host, or the session's own address (a user's sessions may come from several)."""
        host = session.conn.host
        if ban.on_address:
            return in_network(ban.mask, host)
        client = session.client
        return client is not None and (
            mask_matches(ban.mask, client.prefix)
            or mask_matches(ban.mask, client.real_prefix)
            or (
                host != client.real_host
                and mask_matches(ban.mask, f"{client.nick}!{client.user}@{host}")
            )
        )

    def _in_force(self, matches: Callable[[Ban], bool]) -> Ban | None:
        """The first ban still in force that `matches`; expired ones go on the way."""
        if not self._table:
            return None
        now = self._clock.now()
        for ban in list(self._table.values()):
            if not ban.active(now):
                with contextlib.suppress(StoreError):  # gone from memory; again at a restart
                    self.remove(ban.mask)
            elif matches(ban):
                return ban
        return None


def stored_key(mask: str, address: bool) -> str:
    """The form a ban named by an operator is stored under (UNKLINE, UNDLINE)."""
    key = mask.strip() if address else normalize_mask(mask.strip())
    if address:
        with contextlib.suppress(ValueError):  # stored in the form parse_address gives
            key = parse_address(key)
    return key


def parse_mask(text: str) -> str:
    """A K-line's mask, completed to `nick!user@host`; ValueError says what is wrong."""
    text = text.strip()
    if not text:
        raise ValueError("The mask is empty")
    if len(text) > MAX_MASK or any(c in _FORBIDDEN for c in text):
        raise ValueError(f"{text!r} is not a mask (nick!user@host, with * and ?)")
    mask = normalize_mask(text)
    nick, _, rest = mask.partition("!")
    user, _, host = rest.partition("@")
    if not nick or not user or not host or "!" in rest or "@" in host:
        raise ValueError(f"{text!r} is not a mask (nick!user@host, with * and ?)")
    if not set(mask) - set("*?!@.:"):
        raise ValueError(f"{mask} would ban everyone")
    return mask


def parse_address(text: str) -> str:
    """A D-line's address or network (`192.0.2.7`, `198.51.100.0/24`, `2001:db8::/48`)."""
    text = text.strip()
    try:
        network = ipaddress.ip_network(text, strict=False)
    except ValueError:
        raise ValueError(
            f"{text!r} is not an IP address or network (like 192.0.2.7 or 198.51.100.0/24)"
        ) from None
    widest = MIN_PREFIX[network.version]
    if network.prefixlen < widest:
        raise ValueError(f"{text} is too wide: at most /{widest} for IPv{network.version}")
    if network.num_addresses == 1:
        return str(network.network_address)
    return str(network)


@lru_cache(maxsize=1024)
def _network(mask: str) -> Network | None:
    try:
        return ipaddress.ip_network(mask, strict=False)
    except ValueError:
        return None


def in_network(mask: str, host: str) -> bool:
    """Whether the peer address `host` lies in the D-line's address or network."""
    network = _network(mask)
    if network is None:
        return False
    try:
        return ipaddress.ip_address(host) in network
    except ValueError:
        return False


def refuse_if_banned(server: Server, session: Session) -> None:
    """A new connection from a D-lined address gets 465 and is closed at once."""
    ban = server.bans.on_address(session.conn.host)
    if ban is None:
        return
    ctx = Context(server, session, "*")
    ctx.reply(ERR_YOUREBANNEDCREEP, text=f"You are banned from this server: {ban.reason}")
    ctx.flush()
    server.end_session(session, "Banned", f"Banned: {ban.reason}")
