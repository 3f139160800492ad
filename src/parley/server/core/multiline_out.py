"""A multi-line message on the wire: one batch, or its lines one by one (IRCv3 multiline).

Sessions that took `draft/multiline` (and `batch`) get

    @msgid=..;time=.. :n!u@h BATCH +ref draft/multiline #chan
    @batch=ref :n!u@h PRIVMSG #chan :first
    @batch=ref;draft/multiline-concat :n!u@h PRIVMSG #chan :joined to it
    :n!u@h BATCH -ref

and the rest get the non-blank lines as plain messages, the message's tags on
the first (its msgid there only), as the spec's fallback asks. Like Outgoing,
each variant is built once, the first time a session of its kind needs it.
"""

from __future__ import annotations

from collections.abc import Iterable

from parley.irc.message import encode_parts
from parley.server.core.clock import server_time
from parley.server.core.multiline import BATCH_TYPE, CONCAT, split_text
from parley.server.core.outgoing import (
    MULTILINE,
    WANTS_ACCOUNT,
    WANTS_TAGS,
    WANTS_TIME,
    Outgoing,
    with_tags,
)

Lines = tuple[tuple[str, bool], ...]  # each line's text, and whether it joins the one before


def message_lines(
    source: str,
    command: str,
    target: str,
    lines: Iterable[tuple[str, bool]],
    head: dict[str, str],
    each: dict[str, str],
    ref: str | None,
    outer: str | None = None,
) -> list[bytes]:
    """A multi-line message as a batch `ref` (None: the fallback lines).

    `head` are the message's tags (on the BATCH line, or the first line), `each` the
    tags every fallback line repeats; `outer` is the batch it is sent inside, if any.
    """
    if ref is not None:
        start_tags = {"batch": outer, **head} if outer else head
        out = [
            with_tags(encode_parts(source, "BATCH", (f"+{ref}", BATCH_TYPE, target)), start_tags)
        ]
        inner = {"batch": ref}
        joined = {"batch": ref, CONCAT: ""}
        for text, concat in lines:
            line = encode_parts(source, command, (target, text))
            out.append(with_tags(line, joined if concat else inner))
        end = encode_parts(source, "BATCH", (f"-{ref}",))
        out.append(with_tags(end, {"batch": outer}) if outer else end)
        return out
    if outer:
        head = {"batch": outer, **head}
        each = {"batch": outer, **each}
    out = []
    for text, _ in lines:
        if text:  # IRCv3 multiline: no blank lines to clients without the capability
            out.append(
                with_tags(encode_parts(source, command, (target, text)), each if out else head)
            )
    return out


class MultilineOut(Outgoing):
    """The lines of one multi-line message, for every kind of recipient."""

    __slots__ = ("command", "lines", "ref", "source", "target")

    def __init__(
        self,
        source: str,
        command: str,
        target: str,
        lines: Lines,
        ref: str,
        time: float,
        msgid: str,
        client_tags: dict[str, str] | None,
        account: str | None,
    ) -> None:
        plain = b"".join(message_lines(source, command, target, lines, {}, {}, None))
        super().__init__(plain, time, msgid, client_tags, account)
        self.source = source
        self.command = command
        self.target = target
        self.lines = lines
        self.ref = ref  # the batch's reference, the same for every recipient

    def to(self, mask: int) -> bytes:
        """The bytes for a session whose delivery key is `mask` (tag bits, MULTILINE)."""
        variant = self._variants.get(mask)
        if variant is None:
            variant = self._variants[mask] = b"".join(self.lines_for(mask))
        return variant

    def lines_for(self, mask: int) -> list[bytes]:
        """The lines a session with delivery key `mask` gets."""
        head: dict[str, str] = {}
        if mask & WANTS_TIME:
            head["time"] = server_time(self.time)
        if mask & WANTS_ACCOUNT and self.account:
            head["account"] = self.account
        each = dict(head)
        if mask & WANTS_TAGS:
            if self.msgid:
                head["msgid"] = self.msgid
            if self.client_tags:
                head.update(self.client_tags)
                each.update(self.client_tags)
        ref = self.ref if mask & MULTILINE else None
        return message_lines(self.source, self.command, self.target, self.lines, head, each, ref)


def replayed(
    source: str,
    command: str,
    target: str,
    text: str,
    tags: dict[str, str],
    ref: str | None,
    stamp: str = "",
) -> list[bytes]:
    """A stored multi-line message read back, in a new batch `ref` or (None) as lines.

    `tags` are those a one-line message would have had, its `batch` the one it is read
    in; `stamp` goes before each fallback line for clients that get no server-time.
    """
    outer = tags.get("batch")
    head = {k: v for k, v in tags.items() if k != "batch"}
    each = {k: v for k, v in head.items() if k != "msgid"}
    lines = list(split_text(text))
    if stamp:
        lines = [(f"{stamp}{line}" if line else line, concat) for line, concat in lines]
    return message_lines(source, command, target, lines, head, each, ref, outer)
