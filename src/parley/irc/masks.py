"""Glob masks (`nick!user@host` with `*` and `?`), as used by bans, WHO and KILL."""

from __future__ import annotations

import re
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
def _compile(mask: str) -> re.Pattern[str]:
    parts = []
    for c in fold(mask):
        if c == "*":
            parts.append(".*")
        elif c == "?":
            parts.append(".")
        else:
            parts.append(re.escape(c))
    return re.compile("".join(parts), re.DOTALL)


def mask_matches(mask: str, name: str) -> bool:
    """Whether `name` matches the glob `mask`, ignoring case (rfc1459)."""
    return _compile(mask).fullmatch(fold(name)) is not None
