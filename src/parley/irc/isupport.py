"""RPL_ISUPPORT (005): tokens grouped into lines, at most 13 a line as servers do."""

from __future__ import annotations

from collections.abc import Iterator, Mapping

TOKENS_PER_LINE = 13


def isupport_token(key: str, value: str | int | None) -> str:
    """`KEY`, or `KEY=value` (IRCv3 escapes are not needed for our values)."""
    if value is None or value == "":
        return key
    return f"{key}={value}"


def isupport_lines(tokens: Mapping[str, str | int | None]) -> Iterator[list[str]]:
    """The token lists of successive 005 lines."""
    items = [isupport_token(k, v) for k, v in tokens.items()]
    for i in range(0, len(items), TOKENS_PER_LINE):
        yield items[i : i + TOKENS_PER_LINE]
