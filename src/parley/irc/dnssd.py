"""How a Parley server describes itself on the local network (mDNS/DNS-SD), sans-IO.

Plain IRC is announced as `_irc._tcp`, IRC over TLS as `_ircs-u._tcp` (the IANA
service name of port 6697, RFC 7194). Both carry the same TXT keys, so a client that
finds either knows the TLS port and the certificate's fingerprint to expect.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

DOMAIN = "local."
PLAIN_TYPE = "_irc._tcp.local."
TLS_TYPE = "_ircs-u._tcp.local."
SERVICE_TYPES = (TLS_TYPE, PLAIN_TYPE)
TXT_VERSION = "1"
MAX_TXT_VALUE = 200  # bytes of a TXT value kept (a TXT string is at most 255 with its key)
MAX_INSTANCE = 63  # bytes of a DNS-SD instance name (one DNS label)


@dataclass(frozen=True, slots=True)
class Description:
    """What a server says about itself in its TXT record."""

    server: str  # its name on IRC (parley.local)
    network: str  # NETWORK= in 005
    tls_port: int | None = None  # where TLS is, when there is a TLS listener
    fingerprint: str | None = None  # the TLS certificate's SHA-256, AB:CD:...
    web: str | None = None  # the web client's URL


def instance_name(description: Description, host: str) -> str:
    """The name people see in a list: the network and the machine, within one label."""
    name = f"{description.network} on {host}".replace(".", " ")
    return name.encode()[:MAX_INSTANCE].decode(errors="ignore")


def txt_record(description: Description) -> dict[str, str]:
    """The TXT keys and values (RFC 6763 section 6), the empty ones left out."""
    txt = {"txtvers": TXT_VERSION, "server": description.server, "network": description.network}
    if description.tls_port is not None:
        txt["tls"] = str(description.tls_port)
    if description.fingerprint:
        txt["fp"] = description.fingerprint
    if description.web:
        txt["web"] = description.web
    return {key: value[:MAX_TXT_VALUE] for key, value in txt.items()}


@dataclass(frozen=True, slots=True)
class Found:
    """A server seen on the network: where to connect and what it claims to be."""

    name: str  # the instance name
    address: str
    port: int
    tls: bool
    description: Description


def _text(value: bytes | str | None) -> str:
    if value is None:
        return ""
    text = value.decode("utf-8", "replace") if isinstance(value, bytes) else value
    return "".join(ch for ch in text[:MAX_TXT_VALUE] if ch.isprintable())


def parse_txt(properties: Mapping[bytes | str, bytes | str | None]) -> Description:
    """A TXT record as received (anyone on the network may send one: every value is
    cut, unprintable characters dropped, a bad port ignored)."""
    values = {_text(k).lower(): _text(v) for k, v in properties.items()}
    port = values.get("tls", "")
    tls_port = int(port) if port.isdigit() and 0 < int(port) < 65536 else None
    return Description(
        server=values.get("server", ""),
        network=values.get("network", ""),
        tls_port=tls_port,
        fingerprint=values.get("fp") or None,
        web=values.get("web") or None,
    )


def instance_label(full_name: str, service_type: str) -> str:
    """`Parley (x)` from `Parley (x)._irc._tcp.local.`."""
    suffix = "." + service_type
    return _text(full_name[: -len(suffix)] if full_name.endswith(suffix) else full_name)
