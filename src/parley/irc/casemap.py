"""Case-insensitive names (CASEMAPPING=rfc1459) and the shapes of nicks and channels.

RFC 1459 section 2.2: `{}|^` are the lower-case forms of `[]\\~`, because of
Scandinavian keyboards. Folding once, into the key of every lookup, keeps the
hot path free of comparisons that ignore case.
"""

from __future__ import annotations

CASEMAPPING = "rfc1459"

_FOLD = str.maketrans(
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ[]\\~",
    "abcdefghijklmnopqrstuvwxyz{}|^",
)

CHANTYPES = "#"
_NICK_FIRST = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz[]\\`_^{|}")
_NICK_REST = _NICK_FIRST | set("0123456789-")
_CHANNEL_FORBIDDEN = set(" ,\x07:\x00\r\n")


def fold(name: str) -> str:
    """The rfc1459 lower-case form of a nick or channel name."""
    return name.translate(_FOLD)


def is_channel(target: str) -> bool:
    """Whether a target names a channel rather than a nick."""
    return bool(target) and target[0] in CHANTYPES


def valid_nick(nick: str, max_length: int) -> bool:
    """RFC 2812 2.3.1: a letter or special first, then letters, digits, specials, '-'."""
    if not nick or len(nick) > max_length or nick[0] not in _NICK_FIRST:
        return False
    return all(c in _NICK_REST for c in nick)


def valid_channel(name: str, max_length: int) -> bool:
    """Modern IRC: a channel type prefix, then no space, comma, BELL or colon."""
    if len(name) < 2 or len(name) > max_length or name[0] not in CHANTYPES:
        return False
    return not any(c in _CHANNEL_FORBIDDEN for c in name)
