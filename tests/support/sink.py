"""A core connection that takes everything and keeps nothing: a channel's many
members without sockets, for tests that need a big channel fast."""

from __future__ import annotations


class Sink:
    """A connection that takes everything and keeps nothing."""

    host = "127.0.0.9"
    tls = False

    def __init__(self) -> None:
        self.out: list[bytes] = []
        self.closing = False

    def send(self, data: bytes) -> None:
        pass

    def flush(self) -> None:
        self.out.clear()

    def close(self, error: str | None = None) -> None:
        self.closing = True
