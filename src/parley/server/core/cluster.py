"""What the core asks of cluster mode (docs/cluster.md); None on a single server.

The core never imports the cluster package: `app.py` hands it an object with
these methods, as it hands it stores.
"""

from __future__ import annotations

from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from parley.server.core.client import Client


class Claim(Enum):
    """How a claim of a nick across the cluster came out."""

    OURS = "ours"
    TAKEN = "taken"  # another user, on any node, holds it
    UNAVAILABLE = "unavailable"  # the cluster could not be asked (down() says why)


class Cluster(Protocol):
    def is_remote(self, client: Client) -> bool:
        """`client` is connected to another node."""

    def claim(self, nick: str, uid: str) -> Claim:
        """Take `nick` for the user `uid` across the cluster, atomically; called on a
        worker thread (it waits for NATS)."""

    def release(self, nick: str, uid: str) -> None:
        """Give back a nick claimed for a user that never came to be."""

    def down(self) -> str | None:
        """Why shared state can't change now (cut off from the cluster), or None."""
