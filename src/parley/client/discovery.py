"""Servers on the local network, found over mDNS/DNS-SD (the `lan` extra).

A LanBrowser watches both IRC service types in zeroconf's own thread and puts what it
sees on a queue, which the GUI polls; `servers` folds those sightings into one entry a
server, the TLS one preferred.
"""

from __future__ import annotations

import logging
import queue
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parley.irc.dnssd import SERVICE_TYPES, TLS_TYPE, Found, instance_label, parse_txt

log = logging.getLogger("parley.client")

MAX_SEEN = 200  # services kept: the network decides how many it announces
INFO_TIMEOUT_MS = 3000  # to resolve one service's address and TXT


@dataclass(frozen=True, slots=True)
class Gone:
    """A service said goodbye (or expired)."""

    name: str  # the instance name
    tls: bool


Sighting = Found | Gone


def available() -> bool:
    """Whether the zeroconf package is installed."""
    try:
        import zeroconf  # noqa: F401
    except ImportError:
        return False
    return True


class LanBrowser:
    """Browses `_ircs-u._tcp` and `_irc._tcp`; sightings arrive on `events`."""

    def __init__(self, interfaces: Sequence[str] | None = None) -> None:
        from zeroconf import InterfaceChoice, ServiceBrowser, Zeroconf

        self.events: queue.Queue[Sighting] = queue.Queue()
        choice: Any = list(interfaces) if interfaces is not None else InterfaceChoice.All
        self.zeroconf = Zeroconf(interfaces=choice)
        self.browser = ServiceBrowser(self.zeroconf, list(SERVICE_TYPES), handlers=[self._changed])

    def _changed(self, zeroconf: Any, service_type: str, name: str, state_change: Any) -> None:
        """zeroconf's thread: resolve what was added or updated, pass on what left."""
        from zeroconf import IPVersion, ServiceStateChange

        tls, label = service_type == TLS_TYPE, instance_label(name, service_type)
        if state_change is ServiceStateChange.Removed:
            self.events.put(Gone(label, tls))
            return
        info = zeroconf.get_service_info(service_type, name, timeout=INFO_TIMEOUT_MS)
        if info is None or not info.port:
            return
        addresses = info.parsed_addresses(IPVersion.V4Only) or info.parsed_addresses()
        if addresses:
            found = Found(label, addresses[0], info.port, tls, parse_txt(info.properties))
            self.events.put(found)

    def close(self) -> None:
        try:
            self.browser.cancel()
        finally:
            self.zeroconf.close()


def servers(sightings: Iterable[Sighting]) -> list[Found]:
    """The servers these sightings leave visible: one a server and address (its TLS
    service when it has one), by name; at most MAX_SEEN."""
    seen: dict[tuple[str, bool], Found] = {}
    for sighting in sightings:
        key = (sighting.name, sighting.tls)
        if isinstance(sighting, Gone):
            seen.pop(key, None)
        elif key in seen or len(seen) < MAX_SEEN:
            seen[key] = sighting
    best: dict[tuple[str, str], Found] = {}
    for found in seen.values():
        server = (found.description.server or found.name, found.address)
        if server not in best or (found.tls and not best[server].tls):
            best[server] = found
    return sorted(best.values(), key=lambda f: (f.name.casefold(), f.address))
