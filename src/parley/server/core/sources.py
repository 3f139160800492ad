"""Who is asking, as the guessing defences count it: a party and its network.

An IPv4 address is one party (people behind one NAT share it); an IPv6 user holds
a whole /64, so that is one party. A network (an IPv4 /24, an IPv6 /48) is what one
provider or attacker usually holds many addresses of.
"""

from __future__ import annotations

import ipaddress
from functools import lru_cache


def party(host: str) -> str:
    """The address, or for IPv6 its /64: what one user or machine holds."""
    return host if ":" not in host else _v6_party(host)  # (asked at every accept)


@lru_cache(maxsize=4096)
def _v6_party(host: str) -> str:
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    if address.version == 6:
        return str(ipaddress.ip_network(f"{address}/64", strict=False))
    return host


@lru_cache(maxsize=4096)
def network(host: str) -> str:
    """The IPv4 /24 or IPv6 /48 around `host`."""
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return host
    prefix = 48 if address.version == 6 else 24
    return str(ipaddress.ip_network(f"{address}/{prefix}", strict=False))
