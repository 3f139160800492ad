"""The answer to a SEARCH (a soju.im/search batch) gathered into one event (sans-IO).

How this works: ClientState hands every message to `SearchBatches.take` first;
the batch's opening, its lines and its end are taken (the lines are past
messages, not new ones) and the end gives one SearchResults event. What is kept
is bounded: a server cannot make the client hold more than the limits below.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message

BATCH_TYPE = "soju.im/search"
MAX_OPEN = 4  # search batches gathered at once
MAX_RESULTS = 500  # lines kept of one batch
MAX_TEXT = 1000  # characters kept of one line


@dataclass(frozen=True, slots=True)
class Found:
    """One line the search found."""

    time: str | None
    conversation: str  # the channel, or the other person of a private conversation
    sender: str
    text: str
    msgid: str | None = None


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A search's answer, oldest first."""

    results: tuple[Found, ...]


@dataclass
class _Multiline:
    """A multi-line message found (a draft/multiline batch inside the search's)."""

    parent: str  # the search batch's reference
    opening: Message  # its BATCH line: its source and tags are the message's
    lines: list[str] = field(default_factory=list)
    size: int = 0


@dataclass
class SearchBatches:
    """The search batches open on one connection."""

    open: dict[str, list[Found]] = field(default_factory=dict)
    inner: dict[str, _Multiline] = field(default_factory=dict)

    def take(self, msg: Message, nick: str) -> list[object] | None:
        """The events for a message of a search batch; None for any other message."""
        if msg.command == "BATCH" and msg.params:
            return self._batch(msg, nick)
        ref = msg.tags.get("batch", "\0")
        inner = self.inner.get(ref)
        if inner is not None:
            text = msg.params[1] if len(msg.params) > 1 else ""
            inner.size += len(text)
            if inner.size <= MAX_TEXT:
                if "draft/multiline-concat" in msg.tags and inner.lines:
                    inner.lines[-1] += text
                else:
                    inner.lines.append(text)
            return []
        found = self.open.get(ref)
        if found is None:
            return None
        wanted = msg.command in ("PRIVMSG", "NOTICE") and len(msg.params) > 1 and msg.source
        if wanted and len(found) < MAX_RESULTS:
            found.append(found_line(msg, nick))
        return []

    def _batch(self, msg: Message, nick: str) -> list[object] | None:
        ref, kind = msg.params[0], msg.params[1] if len(msg.params) > 1 else ""
        if ref.startswith("+") and kind == BATCH_TYPE:
            if len(self.open) < MAX_OPEN:
                self.open[ref[1:]] = []
            return []
        parent = msg.tags.get("batch", "\0")
        if ref.startswith("+") and parent in self.open:  # a multi-line message found
            if len(self.inner) < MAX_OPEN and len(msg.params) > 2:
                self.inner[ref[1:]] = _Multiline(parent, msg)
            return []
        if ref.startswith("-") and ref[1:] in self.inner:
            inner = self.inner.pop(ref[1:])
            found = self.open.get(inner.parent)
            if found is not None and len(found) < MAX_RESULTS:
                opening = inner.opening
                whole = Message("PRIVMSG", (opening.params[2], "\n".join(inner.lines)),
                                opening.source, opening.tags)  # fmt: skip
                found.append(found_line(whole, nick))
            return []
        if ref.startswith("-") and ref[1:] in self.open:
            for key in [k for k, v in self.inner.items() if v.parent == ref[1:]]:
                del self.inner[key]  # left open by the server: dropped with their search
            return [SearchResults(tuple(self.open.pop(ref[1:])))]
        return None


def found_line(msg: Message, nick: str) -> Found:
    """A searched line as shown: where it was said (a private line under the other person)."""
    sender = msg.source.split("!", 1)[0] if msg.source else ""
    target = msg.params[0]
    where = target if is_channel(target) or fold(sender) == fold(nick) else sender
    text = msg.params[1]
    if text.startswith("\x01ACTION ") and text.endswith("\x01"):
        text = f"* {text[8:-1]}"
    return Found(msg.tags.get("time"), where, sender, text[:MAX_TEXT], msg.tags.get("msgid"))
