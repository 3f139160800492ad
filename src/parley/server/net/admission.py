"""Who may open a connection: counted at accept, before TLS or anything else costs us.

How this works: every accepted socket is counted against its address
(`connections_per_ip`; an IPv6 user's whole /64 is one address, as it is to
the password throttles), against all connections (`max_connections`, kept below
the process's open-files limit) and, while it is in its TLS handshake or not
yet registered, against `max_unregistered`. Silent connections from many
addresses can fill only the unregistered share; registered users keep the rest.
Addresses in `connection_exempt` (by default the machine's own, where an
operator or a local gateway connects from) skip the two global caps, using the
descriptors held back for the process, so an operator can still get in while
strangers fill the server; the per-address cap applies to them too.
"""

from __future__ import annotations

import ctypes
import ctypes.util
import ipaddress
import logging
import resource
import socket
from collections import Counter
from collections.abc import Callable
from functools import lru_cache

from parley.server.config import Limits
from parley.server.core.sources import party

log = logging.getLogger("parley.net")

# Descriptors kept for the process itself (SQLite's files, logs, listeners, the
# metrics endpoint) and for connections from exempt addresses.
FD_HEADROOM = 128

TRIM_AFTER = 256  # connections gone (from the peak) before freed memory is handed back
TRIM_PAUSE = 10  # sweeps (seconds) at least between two trims

TOO_MANY_FROM_ADDRESS = "Too many connections from your address"
SERVER_FULL = "The server is full; try again later"
TOO_MANY_WAITING = "Too many connections are being set up; try again shortly"

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def descriptor_limit() -> int:
    """Raise the open-files soft limit to the hard one; the limit the process ends with."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft != hard:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
            soft = hard
        except (ValueError, OSError):
            pass
    return 1 << 20 if soft == resource.RLIM_INFINITY else soft


def connection_cap(limits: Limits, descriptors: int) -> int:
    """The cap on all connections: the configured one, never past the descriptors we have."""
    room = max(descriptors // 2, descriptors - FD_HEADROOM)
    if limits.max_connections and limits.max_connections < room:
        return limits.max_connections
    return room


def unregistered_cap(limits: Limits, total: int) -> int:
    """The cap on connections in TLS handshake or registration (0: only the cap on all)."""
    return min(limits.max_unregistered, total) if limits.max_unregistered else total


@lru_cache(maxsize=8)
def exempt_networks(masks: tuple[str, ...]) -> tuple[Network, ...]:
    """The exempt addresses and networks (checked when the config is read)."""
    return tuple(ipaddress.ip_network(mask, strict=False) for mask in masks)


@lru_cache(maxsize=8)
def _ranges(masks: tuple[str, ...]) -> tuple[tuple[int, int, int], ...]:
    """The exempt networks as (IP version, first address, last address) integers."""
    return tuple(
        (n.version, int(n.network_address), int(n.broadcast_address))
        for n in exempt_networks(masks)
    )


def is_exempt(limits: Limits, address: str) -> bool:
    """Whether `address` (as the socket gave it) is in `connection_exempt`. Every accept
    asks, from ever new addresses: inet_pton, not the ipaddress module's parser."""
    ranges = _ranges(limits.connection_exempt)
    if not ranges:
        return False
    version, family = (6, socket.AF_INET6) if ":" in address else (4, socket.AF_INET)
    try:
        value = int.from_bytes(socket.inet_pton(family, address), "big")
    except (OSError, ValueError):
        return False
    return any(v == version and first <= value <= last for v, first, last in ranges)


class Admission:
    """The counts behind the caps, and a tally of refusals for the log."""

    __slots__ = ("_caps", "descriptors", "per_ip", "refused")

    def __init__(self) -> None:
        self.descriptors = descriptor_limit()
        self.per_ip: Counter[str] = Counter()
        self.refused: Counter[str] = Counter()  # since the last report, by reason
        # (limits, descriptors) -> (any exemption, cap on all, cap on the unregistered):
        # worked out once per configuration, not on every accept.
        self._caps: tuple[Limits, int, bool, int, int] | None = None

    def _caps_for(self, limits: Limits) -> tuple[Limits, int, bool, int, int]:
        caps = self._caps
        if caps is None or caps[0] is not limits or caps[1] != self.descriptors:
            total = connection_cap(limits, self.descriptors)
            exempt = bool(_ranges(limits.connection_exempt))
            caps = self._caps = (limits, self.descriptors, exempt, total,
                                 unregistered_cap(limits, total))  # fmt: skip
        return caps

    def refusal(self, limits: Limits, address: str, connections: int, waiting: int) -> str | None:
        """Why a connection from `address` may not be had now, or None to let it in.

        `connections` is how many are open, `waiting` how many are unregistered.
        """
        _, _, exempt, total, unregistered = self._caps_for(limits)
        cap = limits.connections_per_ip
        if cap and self.per_ip[party(address)] >= cap:
            reason = TOO_MANY_FROM_ADDRESS
        elif exempt and is_exempt(limits, address):
            return None
        elif connections >= total:
            reason = SERVER_FULL
        elif waiting >= unregistered:
            reason = TOO_MANY_WAITING
        else:
            return None
        self.refused[reason] += 1
        return reason

    def count(self, address: str) -> None:
        self.per_ip[party(address)] += 1

    def uncount(self, address: str) -> None:
        key = party(address)
        self.per_ip[key] -= 1
        if self.per_ip[key] <= 0:
            del self.per_ip[key]

    def report(self) -> None:
        """One log line for the refusals since the last report, not one per refusal."""
        if self.refused:
            what = ", ".join(f"{n} ({reason})" for reason, n in self.refused.items())
            log.warning("refused connections: %s", what)
            self.refused.clear()


def _malloc_trim() -> Callable[[], object] | None:
    """glibc's malloc_trim, where there is one: it hands freed heap pages back to the system."""
    try:
        libc = ctypes.CDLL(ctypes.util.find_library("c") or "libc.so.6")
        trim = libc.malloc_trim
    except (OSError, AttributeError):
        return None
    trim.argtypes = [ctypes.c_size_t]
    trim.restype = ctypes.c_int
    return lambda: trim(0)


class Trimmer:
    """Returns memory to the system after many connections have gone.

    A burst of connections (each TLS handshake holds buffers of its own) leaves
    the C heap fragmented; without a trim, the process keeps its peak size. A
    trim walks the heap (tens of ms for hundreds of MB), so it runs only when
    the count of connections has fallen well below its peak, and not often:
    steady churn never sets it off.
    """

    __slots__ = ("_peak", "_trim", "_wait")

    def __init__(self) -> None:
        self._trim = _malloc_trim()
        self._peak = 0  # most connections open at once since the last trim
        self._wait = 0  # sweeps before the next trim may run

    def seen(self, count: int) -> None:
        if count > self._peak:
            self._peak = count

    def sweep(self, count: int) -> bool:
        """Called once a second with the connections open; whether it trimmed."""
        if self._wait:
            self._wait -= 1
            return False
        if self._peak - count < TRIM_AFTER or self._trim is None:
            return False
        self._trim()
        self._peak = count
        self._wait = TRIM_PAUSE
        return True
