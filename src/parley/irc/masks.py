"""Glob masks (`nick!user@host` with `*` and `?`), as used by bans, WHO and KILL.

Matching is the classic two-pointer wildcard match IRC servers use (ircd's
`match()`): on a mismatch it backs up to just after the last `*` and lets that
star swallow one more character. It never goes further back than the last
star, so a match takes at most about len(mask) * len(name) steps, whatever the
mask; a regular expression built from the mask may backtrack exponentially.
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
def _prepare(mask: str) -> str:
    """The folded mask with each run of `*` made one (a run matches what one star does)."""
    folded = fold(mask)
    while "**" in folded:
        folded = folded.replace("**", "*")
    return folded


def match_steps(mask: str, name: str) -> tuple[bool, int]:
    """Whether `name` matches the glob `mask`, and how many steps deciding it took."""
    pattern = _prepare(mask)
    text = fold(name)
    if "*" not in pattern and "?" not in pattern:
        return pattern == text, 1
    p = t = 0
    star = -1  # the pattern index of the last `*` seen, or -1
    resume = 0  # where in `text` that star's match currently ends
    plen, tlen = len(pattern), len(text)
    steps = 0
    while t < tlen:
        steps += 1
        c = pattern[p] if p < plen else ""
        if c == "*":
            star, resume = p, t
            p += 1
        elif c and (c == "?" or c == text[t]):
            p += 1
            t += 1
        elif star >= 0:
            resume += 1  # the last star takes one more character; retry after it
            p, t = star + 1, resume
        else:
            return False, steps
    while p < plen and pattern[p] == "*":
        steps += 1
        p += 1
    return p == plen, steps


def mask_matches(mask: str, name: str) -> bool:
    """Whether `name` matches the glob `mask`, ignoring case (rfc1459)."""
    return match_steps(mask, name)[0]
