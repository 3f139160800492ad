"""Small helpers for channel tests."""

from __future__ import annotations

from support.client import IrcClient


def numeric(client: IrcClient, code: str) -> list[str]:
    """The parameters of the next reply with this numeric."""
    return list(client.expect(code).params)


def join(channel: str, *clients: IrcClient) -> None:
    """Each client joins `channel`, in order, and has seen the names list."""
    for client in clients:
        client.send(f"JOIN {channel}")
        client.expect(lambda m, c=channel: m.command == "366" and m.params[1] == c)
