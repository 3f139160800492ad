"""IRCv3 draft/multiline: a client's open batch, and a multi-line message as stored text.

How this works: `BATCH +ref draft/multiline <target>` opens a ClientBatch on the
session; each `@batch=ref PRIVMSG <target> :line` is counted against the limits
and kept; `BATCH -ref` closes it and the lines go out as one message. A batch
that breaks a rule is given up (Discarded): the rest of its lines, already on
their way, are dropped without a word until its `BATCH -ref` comes or the
client says something else. A session holds one of the two at most.

History keeps a multi-line message as one line of text: the lines joined by LF,
a `draft/multiline-concat` line by CR instead. Neither can be inside a line
(the parser refuses both), so a stored text with either is a multi-line one,
and dropping the CRs gives the spec's combined message.
"""

from __future__ import annotations

from collections.abc import Iterator

from parley.server.config import Limits

CAP = "draft/multiline"
BATCH_TYPE = "draft/multiline"
CONCAT = "draft/multiline-concat"
MAX_REF = 64  # characters in a client's batch reference (it is echoed in FAIL TIMEOUT)


class ClientBatch:
    """An open multiline batch: its target and the lines so far, counted as they came."""

    __slots__ = ("command", "label", "last", "lines", "ref", "size", "tags", "target")

    def __init__(
        self, ref: str, target: str, tags: dict[str, str], label: str | None, now: float
    ) -> None:
        self.ref = ref
        self.target = target
        self.tags = tags  # client-only tags of the BATCH line: the message's
        self.label = label  # IRCv3 labeled-response: the echo's BATCH line carries it
        self.command: str | None = None  # PRIVMSG or NOTICE, set by the first line
        self.lines: list[tuple[str, bool]] = []  # text, and whether it joins the line before
        self.size = 0  # bytes of the combined message so far
        self.last = now  # monotonic time of the last line (or of the opening)

    def cost(self, text: str, concat: bool) -> int:
        """Bytes `text` adds to the combined message: a line break joins all but a concat."""
        size = len(text.encode())
        return size if concat or not self.lines else size + 1

    def blank(self) -> bool:
        """Every line is empty (IRCv3 multiline: such a message is not sent)."""
        return not any(text for text, _ in self.lines)


class Discarded:
    """Batches given up: their remaining lines are dropped until each one's `BATCH -ref`."""

    __slots__ = ("refs",)

    def __init__(self, *refs: str) -> None:
        self.refs = list(refs)  # one, or two for a batch opened inside another


def cap_value(limits: Limits) -> str:
    """The capability's value: the limits a client must keep to (IRCv3 multiline)."""
    return f"max-bytes={limits.multiline_max_bytes},max-lines={limits.multiline_max_lines}"


def join_text(lines: list[tuple[str, bool]] | tuple[tuple[str, bool], ...]) -> str:
    """The stored form of a multi-line message (see the module's docstring)."""
    parts: list[str] = []
    for index, (text, concat) in enumerate(lines):
        if index:
            parts.append("\r" if concat else "\n")
        parts.append(text)
    return "".join(parts)


def is_multiline(text: str) -> bool:
    """Whether a stored text is a multi-line message."""
    return "\n" in text or "\r" in text


def split_text(text: str) -> Iterator[tuple[str, bool]]:
    """The lines of a stored multi-line message, each with its concat flag."""
    concat = False
    start = 0
    for index, char in enumerate(text):
        if char in "\r\n":
            yield text[start:index], concat
            concat = char == "\r"
            start = index + 1
    yield text[start:], concat
