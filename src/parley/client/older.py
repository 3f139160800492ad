"""Scrollback past what was loaded, sans-IO: CHATHISTORY BEFORE the oldest line shown,
asked once per oldest line, and which lines that brings (the page goes on top)."""

from __future__ import annotations

from parley.irc.casemap import fold
from parley.irc.message import Message

PAGE = 50  # lines asked for each time the user reaches the top


class Scrollback:
    """The oldest line shown per conversation, and the page last asked for."""

    def __init__(self) -> None:
        self.oldest: dict[str, tuple[str, str | None]] = {}  # folded -> (time, msgid)
        self.asked: dict[str, str] = {}  # folded -> the time of the line the page comes before

    def is_older(self, name: str, time: str | None, msgid: str | None, past: bool) -> bool:
        """Whether a line belongs to a page asked for (it goes on top); every line with a
        time counts towards the oldest shown."""
        if time is None:
            return False
        key = fold(name)
        oldest = self.oldest.get(key)
        if oldest is None or time < oldest[0]:
            self.oldest[key] = (time, msgid)
        boundary = self.asked.get(key)
        return past and boundary is not None and time <= boundary

    def request(self, name: str) -> Message | None:
        """The next page before the oldest line shown; None if none is shown or it was asked."""
        oldest = self.oldest.get(fold(name))
        if oldest is None or self.asked.get(fold(name)) == oldest[0]:
            return None
        time, msgid = oldest
        self.asked[fold(name)] = time
        ref = f"msgid={msgid}" if msgid else f"timestamp={time}"
        return Message.of("CHATHISTORY", "BEFORE", name, ref, str(PAGE))
