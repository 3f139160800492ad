"""Where the user is, and where to go next, sans-IO: the user is never moved unasked.

A channel joined again on reconnecting does not take the screen; one the user asked
to join does. `/join` of a channel already open switches to it without a word to the
server; leaving the conversation on screen returns to the one seen before it.
"""

from __future__ import annotations

from collections.abc import Container, Iterable

from parley.irc.casemap import fold
from parley.irc.message import Message

MAX_VISITED = 100  # conversations remembered for going back


class Places:
    """The order conversations were looked at, and the joins the user asked for."""

    def __init__(self) -> None:
        self.visited: list[str] = []  # folded names, the latest last
        self.asked: set[str] = set()  # folded channels the user asked to join

    def seen(self, name: str) -> None:
        key = fold(name)
        if key in self.visited:
            self.visited.remove(key)
        self.visited.append(key)
        del self.visited[:-MAX_VISITED]

    def back_from(self, name: str, open_names: Iterable[str], fallback: str) -> str:
        """The conversation to show when `name` closes: the latest one seen still open."""
        names = {fold(n): n for n in open_names}
        for key in reversed(self.visited):
            if key != fold(name) and key in names:
                return names[key]
        return fallback

    def join(self, lines: tuple[Message, ...], joined: Container[str]) -> str | None:
        """A typed JOIN: the channel to switch to if the user is in it already (nothing is
        sent then); otherwise None, and the channels are remembered as asked for."""
        if len(lines) != 1 or lines[0].command != "JOIN" or not lines[0].params:
            return None
        channels = lines[0].params[0].split(",")
        if all(fold(c) in joined for c in channels):
            return channels[0]
        self.asked.update(fold(c) for c in channels)
        return None

    def wanted(self, channel: str, new: bool) -> bool:
        """Whether a channel just joined takes the screen: new to the window, or asked for."""
        asked = fold(channel) in self.asked
        self.asked.discard(fold(channel))
        return new or asked
