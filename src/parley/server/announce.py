"""Announcing the server on the local network over mDNS/DNS-SD (the `lan` extra).

Only listeners on every interface are announced, on the machine's non-loopback IPv4
addresses: one bound to a single address was meant for that address alone, and one
on loopback cannot be reached from elsewhere. Without the zeroconf package the server
says so once in the log and runs on, unannounced.
"""

from __future__ import annotations

import asyncio
import ipaddress
import logging
import socket
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from parley.irc.dnssd import PLAIN_TYPE, TLS_TYPE, Description, instance_name, txt_record

log = logging.getLogger("parley.announce")

WILDCARDS = ("0.0.0.0", "[::]", "::", "*", "")


@dataclass(frozen=True, slots=True)
class Service:
    """One DNS-SD service to register: its type, instance name, port and TXT."""

    type: str
    name: str  # the instance name, without the type
    port: int
    txt: dict[str, str]


def wildcard_ports(bound: Iterable[tuple[str, bool]]) -> dict[bool, int]:
    """The first plain and TLS port listened on at every interface, by TLS or not."""
    ports: dict[bool, int] = {}
    for address, tls in bound:
        host, _, port = address.rpartition(":")
        if host in WILDCARDS and port.isdigit():
            ports.setdefault(tls, int(port))
    return ports


def services(ports: dict[bool, int], description: Description, host: str) -> list[Service]:
    """The services for these ports: `_ircs-u._tcp` for TLS, `_irc._tcp` for plain."""
    if True in ports:
        description = Description(description.server, description.network, ports[True],
                                  description.fingerprint, description.web)  # fmt: skip
    txt, name = txt_record(description), instance_name(description, host)
    found = [Service(TLS_TYPE, name, ports[True], txt)] if True in ports else []
    if False in ports:
        found.append(Service(PLAIN_TYPE, name, ports[False], txt))
    return found


def lan_addresses(candidates: Iterable[str]) -> list[str]:
    """The IPv4 addresses worth announcing: not loopback, link-local or unspecified."""
    kept = []
    for text in candidates:
        try:
            address = ipaddress.IPv4Address(text)
        except ValueError:
            continue
        if not (address.is_loopback or address.is_link_local or address.is_unspecified):
            kept.append(text)
    return kept


def interface_addresses() -> list[str]:
    """Every IPv4 address of this machine's interfaces (ifaddr comes with zeroconf)."""
    import ifaddr

    return [str(ip.ip) for adapter in ifaddr.get_adapters() for ip in adapter.ips if ip.is_IPv4]


def host_label() -> str:
    """This machine's name as one DNS label: what `<label>.local` resolves to."""
    name = socket.gethostname().split(".")[0]
    label = "".join(ch if ch.isalnum() or ch == "-" else "-" for ch in name).strip("-")
    return label[:63] or "parley"


class Announcer:
    """Registers services with zeroconf on given addresses; `close` withdraws them."""

    def __init__(self, addresses: Sequence[str]) -> None:
        from zeroconf.asyncio import AsyncZeroconf

        self.addresses = list(addresses)
        self.zeroconf: Any = AsyncZeroconf(interfaces=self.addresses)
        self.registered: list[Any] = []

    async def register(self, service: Service, host: str) -> None:
        """Announce one service; its name gets a suffix if another machine has it."""
        from zeroconf import ServiceInfo

        info = ServiceInfo(
            service.type,
            f"{service.name}.{service.type}",
            port=service.port,
            properties=service.txt,
            server=f"{host}.local.",
            addresses=[socket.inet_aton(a) for a in self.addresses],
        )
        await self.zeroconf.async_register_service(info, allow_name_change=True)
        self.registered.append(info)
        log.info("announced %s on the local network at %s", info.name, ", ".join(self.addresses))

    async def close(self) -> None:
        """Say goodbye on the network (so browsers drop us at once) and stop."""
        try:
            await self.zeroconf.async_unregister_all_services()
        finally:
            await self.zeroconf.async_close()


def zeroconf_available() -> bool:
    try:
        import zeroconf  # noqa: F401
    except ImportError:
        return False
    return True


async def announce(
    bound: Iterable[tuple[str, bool]], description: Description, addresses: Sequence[str] | None
) -> Announcer | None:
    """Announce what listens on every interface; None when there is nothing to do.
    `addresses` None means this machine's LAN addresses."""
    ports = wildcard_ports(bound)
    if not ports:
        log.info("not announced on the local network: no listener on every interface")
        return None
    if not zeroconf_available():
        log.info("not announced on the local network: install parley[lan] (zeroconf) for that")
        return None
    if addresses is None:
        addresses = lan_addresses(interface_addresses())
    if not addresses:
        log.info("not announced on the local network: no network interface besides loopback")
        return None
    host = host_label()
    announcer = None
    try:
        announcer = Announcer(addresses)
        for service in services(ports, description, host):
            await announcer.register(service, host)
    except Exception as exc:  # the network's trouble (no multicast...) must not stop the server
        log.warning("announcing on the local network failed: %s", exc)
        if announcer is not None:
            await announcer.close()
        return None
    except asyncio.CancelledError:  # the server stops while still probing
        if announcer is not None:
            await announcer.close()
        raise
    return announcer
