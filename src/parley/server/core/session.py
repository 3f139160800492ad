"""A session: one connection's state, before and after registration.

How this works: a Session starts unregistered; NICK and USER fill in its
pending identity, CAP negotiation may hold registration back, and when both
are in and CAP is not in progress, the core checks PASS and makes a Client.
Identity (Client) and connection (Session) are separate: one user may have
several sessions (handlers/attach.py). Sessions come, register and go through
events (SessionStarted, Registered or SessionAttached, SessionEnded).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from enum import Enum
from itertools import chain
from typing import TYPE_CHECKING

from parley.server.core.connection import Connection

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.multiline import ClientBatch, Discarded


log = logging.getLogger("parley.core")

# Sets that most sessions and clients never change start as this one shared
# empty set and are replaced, not mutated: an idle connection holds none of its own.
EMPTY: frozenset[str] = frozenset()


class Phase(Enum):
    """Where a session is in its life."""

    UNREGISTERED = "unregistered"  # NICK/USER/CAP/PASS allowed, nothing else
    REGISTERED = "registered"  # a Client exists; every command allowed
    CLOSED = "closed"  # quit or dropped; lines that still arrive are ignored


class Session:
    """Per-connection state: caps, registration progress, liveness."""

    __slots__ = (
        "account",
        "active",
        "asked_nick",
        "batch",
        "cap_version",
        "caps",
        "client",
        "conn",
        "connected_at",
        "held",
        "id",
        "idle_since",
        "metadata",
        "metadata_subs",
        "negotiating",
        "nick",
        "password",
        "pending",
        "phase",
        "ping_sent",
        "realname",
        "sasl_buffer",
        "sasl_mechanism",
        "sasl_state",
        "tag_mask",
        "user",
    )

    def __init__(self, conn: Connection, session_id: int, now: float) -> None:
        self.conn = conn
        self.id = session_id
        self.phase = Phase.UNREGISTERED
        self.nick: str | None = None  # pending nick until registered
        self.asked_nick: str | None = None  # the last nick asked for, even if refused
        self.user: str | None = None
        self.realname = ""
        self.password: str | None = None
        self.caps = EMPTY  # negotiated capabilities
        self.cap_version = 0  # 302 after `CAP LS 302`
        self.negotiating = False  # CAP LS/REQ seen and no CAP END yet
        self.tag_mask = 0  # which tags this session gets (outgoing.WANTS_*), for fan-out
        self.client: Client | None = None
        self.connected_at = now
        self.idle_since = now  # monotonic time of the last sign of life
        self.active = False  # a line arrived since the last liveness sweep
        self.ping_sent: float | None = None
        self.account: str | None = None  # logged in with SASL (before or after registering)
        self.sasl_mechanism: str | None = None  # an AUTHENTICATE exchange in progress
        self.sasl_buffer = ""
        self.sasl_state: object = None  # a mechanism's exchange in progress (SCRAM)
        self.held: list[bytes] | None = None  # lines waiting for a slow job (worker.py)
        self.batch: ClientBatch | Discarded | None = None  # IRCv3 multiline (multiline.py)
        self.metadata: dict[str, str] | None = None  # IRCv3 metadata set before registering
        self.metadata_subs = EMPTY  # IRCv3 metadata keys this connection is told about
        # The rest of a long reply, made as the client reads it (Context.stream).
        self.pending: Iterator[bytes] | None = None

    def send(self, data: bytes) -> None:
        """Queue raw bytes for this session."""
        self.conn.send(data)

    def queue(self, lines: Iterator[bytes]) -> None:
        """Lines to send after any reply still pending, as the client reads."""
        self.pending = lines if self.pending is None else chain(self.pending, lines)

    def pull(self, budget: int) -> bytes:
        """The next lines of the pending reply, about `budget` bytes (whole lines)."""
        pending = self.pending
        if pending is None:
            return b""
        out: list[bytes] = []
        size = 0
        try:
            for line in pending:
                out.append(line)
                size += len(line)
                if size >= budget:
                    return b"".join(out)
        except Exception:  # a bug in one reply ends that reply (docs/architecture.md)
            log.exception("a streamed reply failed (session %d)", self.id)
        self.pending = None
        return b"".join(out)
