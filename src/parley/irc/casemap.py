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
# Space, comma and colon end a name on the wire; control characters (C0, DEL, C1:
# ESC starts terminal escapes) and bidirectional controls (which make a name read
# as another in clients) are refused too.
_CHANNEL_FORBIDDEN = frozenset(
    " ,:"
    + "".join(map(chr, range(0x20)))
    + "".join(map(chr, range(0x7F, 0xA0)))
    + "\u061c\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069"
)
_SPECIALS = str.maketrans("[]\\~", "{}|^")


def fold(name: str) -> str:
    """The rfc1459 lower-case form of a nick or channel name."""
    if name.isascii():  # the usual name: str.lower is several times faster than a table
        name = name.lower()
        if "[" in name or "]" in name or "\\" in name or "~" in name:
            return name.translate(_SPECIALS)
        return name
    return name.translate(_FOLD)  # only ASCII letters fold; others stay as they are


def is_channel(target: str) -> bool:
    """Whether a target names a channel rather than a nick."""
    return bool(target) and target[0] in CHANTYPES


def valid_nick(nick: str, max_length: int) -> bool:
    """RFC 2812 2.3.1: a letter or special first, then letters, digits, specials, '-'."""
    if not nick or len(nick) > max_length or nick[0] not in _NICK_FIRST:
        return False
    return _NICK_REST.issuperset(nick)


def valid_channel(name: str, max_length: int) -> bool:
    """Modern IRC: a channel type prefix, then no space, comma, colon or control character."""
    if len(name) < 2 or len(name) > max_length or name[0] not in CHANTYPES:
        return False
    return _CHANNEL_FORBIDDEN.isdisjoint(name)
