"""What the core asks of cluster mode (docs/cluster.md); None on a single server.

The core never imports the cluster package: `app.py` hands it an object with
these methods, as it hands it stores.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import Enum
from typing import TYPE_CHECKING, Protocol

if TYPE_CHECKING:
    from parley.server.core.client import Client


# Commands refused while a node is cut off from the cluster: they would change what
# the other nodes show, and the other nodes could not hear of it (docs/cluster.md).
# (NICK is not here: its claim answers 437 when the cluster can't be asked.)
SHARED_COMMANDS = frozenset((
    "PRIVMSG", "NOTICE", "TAGMSG", "JOIN", "PART", "KICK", "TOPIC", "MODE", "INVITE",
    "AWAY", "SETNAME", "REDACT", "RENAME", "METADATA", "BATCH", "REGISTER",
    "NICKSERV", "NS", "CHANSERV", "CS", "KLINE", "DLINE", "WALLOPS",
))  # fmt: skip


@dataclass(frozen=True, slots=True)
class ClusterStatus:
    """A node's view of its cluster, for the console and metrics."""

    node: str
    peers: tuple[str, ...]  # the other nodes heard from
    connected: bool  # to a NATS server
    lag: int  # stream messages not yet applied here
    published: int  # batches this node published, acknowledged
    received: int  # peers' batches applied
    dropped: int  # peers' events that no longer fitted


class Claim(Enum):
    """How a claim of a nick across the cluster came out."""

    OURS = "ours"
    TAKEN = "taken"  # another user, on any node, holds it
    UNAVAILABLE = "unavailable"  # the cluster could not be asked (down() says why)


class Cluster(Protocol):
    def is_remote(self, client: Client) -> bool:
        """`client` is connected to another node."""

    def fading(self, client: Client) -> bool:
        """`client` is another node's, and that node has gone quiet: it may be dying, so
        its nick is worth a claim (which waits to see) rather than a 433 at once."""

    def claim(self, nick: str, uid: str) -> Claim:
        """Take `nick` for the user `uid` across the cluster, atomically; called on a
        worker thread (it waits for NATS)."""

    def claim_account(self, name: str) -> Claim:
        """Take an account's name across the cluster, atomically (a worker thread)."""

    def take_over(self, nick: str, account: str) -> bool:
        """Have the node keeping `nick`, an always-on user of `account` with no device
        connected, let it go, so that it comes back here (a worker thread)."""

    def release(self, nick: str, uid: str) -> None:
        """Give back a nick claimed for a user that never came to be."""

    def down(self) -> str | None:
        """Why shared state can't change now (cut off from the cluster), or None."""

    def status(self) -> ClusterStatus:
        """How the node stands in its cluster."""
