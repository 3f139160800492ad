"""Which push endpoints the server will send to (docs/security.md, "Web Push").

An endpoint is a URL a client gives us, so a client could point the server at
hosts it cannot reach itself. By default only https on the configured ports (443)
to public addresses is accepted: the host is resolved, and every address it has
must be public (not loopback, private, link-local, multicast or reserved). The
check is made when a subscription is registered and again before each push, on
the addresses the push then connects to (a name that later resolves elsewhere
is refused then). `push.allow_private_endpoints` lifts it, for tests.
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit

from parley.server.config import Config

_FORBIDDEN = frozenset(chr(c) for c in range(0x21)) | {"\x7f", "\\", '"', "<", ">", "^", "`"}


class EndpointRefused(Exception):
    """Why an endpoint is not one the server sends to, in words for the user."""


@dataclass(frozen=True, slots=True)
class Target:
    """Where an endpoint's requests go."""

    https: bool
    host: str  # as in the URL (the TLS name and the Host header)
    port: int
    path: str  # with its query
    origin: str  # scheme://host[:port], the VAPID audience


def parse_endpoint(endpoint: str, config: Config) -> Target:
    """An endpoint's parts, checked but for where the host resolves to."""
    most = config.limits.push_endpoint_length
    if len(endpoint) > most:
        raise EndpointRefused(f"Endpoint URLs are at most {most} characters")
    if not endpoint.isascii() or any(c in _FORBIDDEN for c in endpoint):
        raise EndpointRefused("Invalid endpoint URL")
    try:
        url = urlsplit(endpoint)
        port = url.port
    except ValueError:
        raise EndpointRefused("Invalid endpoint URL") from None
    private_ok = config.push.allow_private_endpoints
    schemes = ("https", "http") if private_ok else ("https",)
    if url.scheme not in schemes:
        raise EndpointRefused("Endpoints must be https:// URLs")
    if not url.hostname or url.username is not None or url.password is not None:
        raise EndpointRefused("Invalid endpoint URL")
    if url.fragment:
        raise EndpointRefused("Endpoint URLs have no fragment")
    https = url.scheme == "https"
    port = port or (443 if https else 80)
    if not private_ok and port not in config.push.ports:
        raise EndpointRefused(f"Endpoints on port {port} are not accepted")
    path = url.path or "/"
    if url.query:
        path += "?" + url.query
    default = 443 if https else 80
    host = url.hostname
    shown = f"[{host}]" if ":" in host else host
    origin = f"{url.scheme}://{shown}" + ("" if port == default else f":{port}")
    return Target(https, host, port, path, origin)


def public(address: str) -> bool:
    """Whether `address` is a public unicast address (IPv4-mapped ones as their IPv4)."""
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return ip.is_global and not ip.is_multicast


def check_addresses(addresses: list[str], config: Config) -> list[str]:
    """`addresses` if the server may connect to them; EndpointRefused if one is not public."""
    if not addresses:
        raise EndpointRefused("The endpoint's host does not resolve")
    if not config.push.allow_private_endpoints and not all(public(a) for a in addresses):
        raise EndpointRefused("Endpoints on private or loopback addresses are not accepted")
    return addresses


def resolve(target: Target, config: Config) -> list[str]:
    """The addresses of the endpoint's host, checked (blocking: on a worker thread)."""
    try:
        infos = socket.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError):
        raise EndpointRefused("The endpoint's host does not resolve") from None
    return check_addresses(list(dict.fromkeys(str(info[4][0]) for info in infos)), config)
