"""A line for many recipients: encoded once, each tagged variant built once on first need.

docs/architecture.md, the hot path: a broadcast is encoded once and the same bytes object is
handed to every recipient. Sessions differ only in which tags they asked for
(IRCv3 server-time, message-tags); `Session.tag_mask` says which, and each
distinct mask gets its own bytes, built the first time it is needed.
"""

from __future__ import annotations

from collections.abc import Set as AbstractSet
from typing import TYPE_CHECKING

from parley.irc.message import escape_tag_value
from parley.server.core.clock import server_time

if TYPE_CHECKING:
    from parley.server.core.session import Session

WANTS_TIME = 1  # IRCv3 server-time
WANTS_TAGS = 2  # IRCv3 message-tags: msgid and client-only tags
WANTS_ACCOUNT = 4  # IRCv3 account-tag: the sender's account
TAG_BITS = WANTS_TIME | WANTS_TAGS | WANTS_ACCOUNT
EXTENDED_JOIN = 8  # not a tag: the session sees JOIN in its IRCv3 extended-join form
MULTILINE = 16  # not a tag: the session takes IRCv3 draft/multiline batches


def delivery_key(session: Session) -> int:
    """What sets a session's copy of a channel line apart: its tags, its JOIN form,
    and whether multi-line messages reach it as batches."""
    caps = session.caps
    return (
        session.tag_mask
        | (EXTENDED_JOIN if "extended-join" in caps else 0)
        | (MULTILINE if "draft/multiline" in caps and "batch" in caps else 0)
    )


def tag_mask(caps: AbstractSet[str]) -> int:
    """The WANTS_* bits for a session's negotiated capabilities."""
    return (
        (WANTS_TIME if "server-time" in caps else 0)
        | (WANTS_TAGS if "message-tags" in caps else 0)
        | (WANTS_ACCOUNT if "account-tag" in caps else 0)
    )


def with_tags(line: bytes, tags: dict[str, str]) -> bytes:
    """`line` with `tags` added in front of any it already has."""
    if not tags:
        return line
    raw = ";".join(k if v == "" else f"{k}={escape_tag_value(v)}" for k, v in tags.items())
    if line[:1] == b"@":
        return b"@" + raw.encode() + b";" + line[1:]
    return b"@" + raw.encode() + b" " + line


class Outgoing:
    """The plain bytes of a line, and its tagged variants on demand."""

    __slots__ = ("_variants", "account", "bot", "client_tags", "msgid", "plain", "time")

    def __init__(
        self,
        plain: bytes,
        time: float,
        msgid: str | None = None,
        client_tags: dict[str, str] | None = None,
        account: str | None = None,
        bot: bool = False,
    ) -> None:
        self.plain = plain  # the line encoded, without tags
        self.account = account
        self.bot = bot  # from a user in IRCv3 bot mode: the `bot` tag, with message-tags
        self.time = time
        self.msgid = msgid
        self.client_tags = client_tags
        self._variants: dict[int, bytes] = {}

    def to(self, mask: int) -> bytes:
        """The bytes for a session whose tag_mask is `mask`."""
        if not mask:
            return self.plain
        variant = self._variants.get(mask)
        if variant is None:
            tags: dict[str, str] = {}
            if mask & WANTS_TIME:
                tags["time"] = server_time(self.time)
            if mask & WANTS_ACCOUNT and self.account:
                tags["account"] = self.account
            if mask & WANTS_TAGS:
                if self.bot:
                    tags["bot"] = ""
                if self.msgid:
                    tags["msgid"] = self.msgid
                if self.client_tags:
                    tags.update(self.client_tags)
            variant = self._variants[mask] = with_tags(self.plain, tags)
        return variant
