"""Why the server ended the connection, from its last words (ERROR, 465), sans-IO.

A kill or a ban is final: reconnecting at once would only be refused or anger the
operator, so the client waits for the user to ask. Anything else (a restart, a
ping timeout) is worth retrying on its own.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Farewell:
    """The server's reason, said for a person, and whether to wait for the user."""

    text: str
    final: bool


def farewell(error: str, banned: bool = False) -> Farewell:
    """The ERROR text (and whether a 465 came first) as what the user reads."""
    text = error.strip() or "no reason given"
    if text.lower().startswith("closing link:"):
        text = text[len("closing link:") :].strip()
    if text.startswith("(") and text.endswith(")"):
        text = text[1:-1].strip() or "no reason given"
    lowered = text.lower()
    if lowered.startswith("killed"):
        return Farewell(f"An operator disconnected you: {text}", True)
    if banned or lowered.startswith("banned"):
        return Farewell(f"You are banned from this server: {text}", True)
    if "shutting down" in lowered or "restart" in lowered:
        return Farewell(f"The server is shutting down: {text}", False)
    return Farewell(f"The server closed the connection: {text}", False)
