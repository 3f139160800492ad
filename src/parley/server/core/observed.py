"""What the core tells its observers (the console's event log), besides state events.

State changes (events.py) reach observers from `State.apply`, messages excepted;
these values are the rest: operators' actions and failures, and what the console
shows of connections and registrations (the changes themselves are the events
SessionStarted, Registered, SessionAttached and SessionEnded). Observers run on
the event loop, so they must be quick (the console's appends to a bounded queue)
and must not change state.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

Observer = Callable[[object], None]


@dataclass(frozen=True, slots=True)
class Connected:
    host: str
    tls: bool


@dataclass(frozen=True, slots=True)
class Registered:
    nick: str
    user: str
    host: str
    account: str | None


@dataclass(frozen=True, slots=True)
class Closed:
    """A connection that ended before it registered (registered ones end with a Quit)."""

    host: str
    reason: str
    nick: str | None = None  # the nick it asked for, if it got that far


@dataclass(frozen=True, slots=True)
class Killed:
    nick: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class Banned:
    mask: str
    by: str
    reason: str
    expires: float | None


@dataclass(frozen=True, slots=True)
class Unbanned:
    mask: str
    by: str


@dataclass(frozen=True, slots=True)
class MotdChanged:
    by: str


@dataclass(frozen=True, slots=True)
class ShuttingDown:
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class HandlerFailed:
    """A command whose handler raised; the client got an error numeric."""

    command: str
    host: str
    error: str
