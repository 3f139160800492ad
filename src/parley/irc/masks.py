"""Glob masks (`nick!user@host` with `*` and `?`), as used by bans, WHO and KILL.

A mask is cut at its stars into literal segments (`?` matches any one
character): the first must begin the name, the last must end it, and each one
between is found at its leftmost place after the one before. Taking the
leftmost place is never wrong, since whatever follows can only have more room,
so nothing is ever tried twice: each segment is searched for once, forward
through the part of the name not yet used, at most len(mask) * len(name)
character comparisons in all. A regular expression built from the mask may
backtrack exponentially (`*a*a*a*a*a*a*a*a*a*b` against forty `a`s).
"""

from __future__ import annotations

from functools import lru_cache

from parley.irc.casemap import fold


def normalize_mask(mask: str) -> str:
    """Complete a partial mask the way servers do: `nick` -> `nick!*@*`, `u@h` -> `*!u@h`."""
    if "!" not in mask and "@" not in mask:
        if "." in mask or ":" in mask:
            return f"*!*@{mask}"
        return f"{mask}!*@*"
    if "!" not in mask:
        return f"*!{mask}"
    if "@" not in mask:
        return f"{mask}@*"
    return mask


@lru_cache(maxsize=4096)
def _segments(mask: str) -> tuple[str, ...]:
    """The folded mask cut at its stars: one segment if it has none, else the head,
    the ones between (empty ones dropped: a run of stars is one star) and the tail."""
    parts = fold(mask).split("*")
    if len(parts) == 1:
        return (parts[0],)
    return (parts[0], *(p for p in parts[1:-1] if p), parts[-1])


def _at(segment: str, text: str, i: int) -> bool:
    """Whether `segment` (with `?`) matches `text` at index `i`."""
    if "?" not in segment:
        return text.startswith(segment, i)
    if i + len(segment) > len(text):
        return False
    return all(c == "?" or c == text[i + k] for k, c in enumerate(segment))


def _find(segment: str, text: str, start: int, end: int) -> int:
    """The leftmost index in [start, end) where `segment` matches within text[:end], or -1."""
    if "?" not in segment:
        return text.find(segment, start, end)
    for i in range(start, end - len(segment) + 1):
        if _at(segment, text, i):
            return i
    return -1


def match_steps(mask: str, name: str) -> tuple[bool, int]:
    """Whether `name` matches the glob `mask`, and an upper bound on the characters
    compared deciding it (each search: the window it scans times the segment's length)."""
    segments = _segments(mask)
    text = fold(name)
    head = segments[0]
    if len(segments) == 1:
        return len(text) == len(head) and _at(head, text, 0), len(head)
    tail = segments[-1]
    end = len(text) - len(tail)
    steps = len(head) + len(tail)
    if end < len(head) or not _at(head, text, 0) or not _at(tail, text, end):
        return False, steps
    pos = len(head)
    for segment in segments[1:-1]:
        found = _find(segment, text, pos, end)
        stop = end if found < 0 else found + len(segment)
        steps += max(0, stop - pos) * len(segment)
        if found < 0:
            return False, steps
        pos = stop
    return True, steps


def mask_matches(mask: str, name: str) -> bool:
    """Whether `name` matches the glob `mask`, ignoring case (rfc1459)."""
    return match_steps(mask, name)[0]
