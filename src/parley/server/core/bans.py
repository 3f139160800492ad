"""Server bans: K-lines on `nick!user@host` masks and D-lines on addresses.

A K-line is matched when a connection registers (its nick and user are known
only then); a D-line, as in ircd-hybrid and solanum, names an IP address or a
network and refuses the connection as soon as it is made. Both are kept in the
same store; a D-line's mask is an address or network, so it has no `@`.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache
from typing import TYPE_CHECKING

from parley.irc.masks import mask_matches, normalize_mask
from parley.irc.numerics import ERR_YOUREBANNEDCREEP
from parley.server.core.context import Context
from parley.server.store.bans import Ban

if TYPE_CHECKING:
    from parley.server.core.server import Server
    from parley.server.core.session import Session

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
MAX_MASK = 200  # characters in a ban mask
# The widest networks a D-line may name (ircd-hybrid's dline_min_cidr defaults).
MIN_PREFIX = {4: 16, 6: 48}
_FORBIDDEN = set(" ,\x00\r\n\x07")


def is_address_ban(ban: Ban) -> bool:
    """A D-line (an address or network) rather than a K-line (a hostmask)."""
    return "@" not in ban.mask


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


def address_ban(server: Server, host: str) -> Ban | None:
    """The D-line that the peer address `host` falls under, if any."""
    return server.ban_in_force(lambda ban: is_address_ban(ban) and in_network(ban.mask, host))


def hostmask_ban(server: Server, prefix: str) -> Ban | None:
    """The K-line that `nick!user@host` falls under, if any."""
    return server.ban_in_force(
        lambda ban: not is_address_ban(ban) and mask_matches(ban.mask, prefix)
    )


def refuse_if_banned(server: Server, session: Session) -> None:
    """A new connection from a D-lined address gets 465 and is closed at once."""
    ban = address_ban(server, session.conn.host)
    if ban is None:
        return
    ctx = Context(server, session, "*")
    ctx.reply(ERR_YOUREBANNEDCREEP, text=f"You are banned from this server: {ban.reason}")
    ctx.flush()
    server.end_session(session, "Banned", f"Banned: {ban.reason}")
