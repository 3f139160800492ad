"""IRCv3 server-time timestamps read from a peer: `2019-01-04T14:33:26.123Z`, strictly.

Only the shape server-time itself sends is taken (ASCII digits, UTC, at most
milliseconds); anything else is None, never an exception. Times are whole
milliseconds since the epoch, so that comparing and storing them is exact.
"""

from __future__ import annotations

import calendar
import re
import time

# [0-9], not \d: \d also matches other scripts' digits.
_SHAPE = re.compile(
    r"([0-9]{4})-([0-9]{2})-([0-9]{2})T([0-9]{2}):([0-9]{2}):([0-9]{2})(?:\.([0-9]{1,3}))?Z"
)


def parse_server_time(text: str) -> int | None:
    """`text` as milliseconds since the epoch, or None if it is not a real UTC time."""
    found = _SHAPE.fullmatch(text) if len(text) <= 24 else None
    if found is None:
        return None
    year, month, day, hour, minute, second = (int(x) for x in found.groups()[:6])
    if not (year >= 1970 and 1 <= month <= 12 and hour < 24 and minute < 60 and second < 60):
        return None
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        return None
    fraction = found.group(7) or "0"
    seconds = calendar.timegm((year, month, day, hour, minute, second, 0, 0, 0))
    return seconds * 1000 + int(fraction.ljust(3, "0"))


def format_server_time(ms: int) -> str:
    """Milliseconds since the epoch as server-time writes them."""
    whole, part = divmod(ms, 1000)
    return time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(whole)) + f".{part:03d}Z"
