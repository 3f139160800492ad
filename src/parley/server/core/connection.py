"""What the core needs of a connection; the net layer provides it."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Protocol


class Connection(Protocol):
    """One client's transport, seen from the core (compared by identity)."""

    host: str  # the peer's address, as shown in its hostmask
    tls: bool

    def send(self, data: bytes) -> None:
        """Queue bytes for the peer; never blocks (a full send queue drops the peer)."""

    def close(self, error: str | None = None) -> None:
        """Send `ERROR :<error>` if given, flush what is queued, and hang up."""


# (data, conns, skip, owner): `owner` is the channel's table of recipient lists, so that
# lines to the same lists one after another can be gathered (net/hub.py).
Fanout = Callable[[bytes, Sequence[Connection], Connection | None, object], None]


def send_each(
    data: bytes, conns: Sequence[Connection], skip: Connection | None, owner: object = None
) -> None:
    """The same bytes to every connection but `skip`.

    This is the plain form; the net layer installs a faster one (Hub.fanout)
    that queues the bytes without a method call per recipient.
    """
    for conn in conns:
        if conn is not skip:
            conn.send(data)


def nothing_gathered() -> None:
    """The plain fan-out gathers nothing, so there is nothing to hand out first."""
