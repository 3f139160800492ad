"""Tab completion that cycles through every match (no Tk here).

How this works: the first Tab completes the word before the cursor with the first
match (nicks of the conversation, then channel names; /commands at the start of
the line); each Tab after it, with nothing else changed, puts the next one in its
place, round again after the last.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.irc.casemap import fold

COMMANDS = (
    "away", "back", "ban", "close", "deop", "help", "invite", "join", "kick", "list", "me",
    "mode", "motd", "msg", "names", "nick", "notice", "op", "part", "query", "quit", "quote",
    "search", "theme", "topic", "typing", "voice", "whois",
)  # fmt: skip


def candidates(partial: str, at_start: bool, nicks: list[str], channels: list[str]) -> list[str]:
    """What `partial` may become, in the order Tab offers them, without repeats."""
    if partial.startswith("/") and at_start:
        return [f"/{c}" for c in COMMANDS if c.startswith(partial[1:].lower())]
    seen: set[str] = set()
    found = []
    for name in [*nicks, *channels]:
        if fold(name).startswith(fold(partial)) and fold(name) not in seen:
            seen.add(fold(name))
            found.append(name)
    return found


@dataclass
class Completer:
    """The matches of the last Tab, to go on to the next one."""

    _last: tuple[str, int] | None = None  # the text and cursor the last Tab left
    _matches: list[str] = field(default_factory=list)
    _index: int = 0
    _head: str = ""  # the text before the completed word
    _tail: str = ""  # and after the cursor

    def complete(
        self, text: str, cursor: int, nicks: list[str], channels: list[str]
    ) -> tuple[str, int] | None:
        """The new text and cursor after a Tab; None when nothing matches."""
        if self._last == (text, cursor) and self._matches:
            self._index = (self._index + 1) % len(self._matches)
        else:
            start = text.rfind(" ", 0, cursor) + 1
            partial = text[start:cursor]
            matches = candidates(partial, start == 0, nicks, channels) if partial else []
            if not matches:
                self._last = None
                return None
            self._matches, self._index = matches, 0
            self._head, self._tail = text[:start], text[cursor:]
        word = self._matches[self._index]
        is_nick = not word.startswith(("/", "#", "&")) and not self._head
        head = self._head + word + (": " if is_nick else " ")
        self._last = (head + self._tail.lstrip(" "), len(head))
        return self._last
