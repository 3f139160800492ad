"""Numbers a peer sends: ASCII digits only, and few enough of them.

`str.isdigit` also accepts `²`, `٣` and other Unicode digits, which `int()`
then rejects or reads as something else; capping the count of digits keeps
`int()` far from its 4300-digit limit and from values no command needs.
"""

from __future__ import annotations

MAX_DIGITS = 18  # below 2**63: every count, limit and duration a command takes


def parse_number(text: str, max_digits: int = MAX_DIGITS) -> int | None:
    """`text` as a non-negative integer if it is 1 to `max_digits` ASCII digits, else None."""
    if 0 < len(text) <= max_digits and text.isascii() and text.isdigit():
        return int(text)
    return None


def is_number(text: str) -> bool:
    """Whether `text` is written only in ASCII digits (of any length, at least one)."""
    return bool(text) and text.isascii() and text.isdigit()
