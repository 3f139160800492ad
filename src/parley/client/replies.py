"""Numeric replies as sentences (WHOIS, LIST, away, no topic...), sans-IO.

The server's numerics carry their facts in parameters; a person reads "bob is
bob@host (Bob Smith)", not "311 me bob bob host * :Bob Smith". What is not
named here is shown as the server's own words.
"""

from __future__ import annotations

import time

Params = tuple[str, ...]


def _signed_on(seconds: str) -> str:
    if not seconds.isdigit():
        return ""
    return ", online since " + time.strftime("%Y-%m-%d %H:%M", time.localtime(int(seconds)))


def _idle(params: Params) -> str:
    nick, seconds = params[1], params[2] if len(params) > 3 else ""
    if not seconds.isdigit():
        return f"{nick} is idle"
    minutes, secs = divmod(int(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    spent = f"{hours} h {minutes} min" if hours else f"{minutes} min {secs} s"
    signon = _signed_on(params[3]) if len(params) > 4 else ""
    return f"{nick} has been idle {spent}{signon}"


def readable(code: str, params: Params) -> str | None:
    """The reply as a sentence; None when it is not one named here (or is malformed)."""
    n = len(params)
    text = params[-1] if params else ""
    if code == "311" and n >= 6:  # nick user host * :real name
        return f"{params[1]} is {params[2]}@{params[3]} ({text})"
    if code == "312" and n >= 4:
        return f"{params[1]} is connected to {params[2]} ({text})"
    if code == "313" and n >= 3:
        return f"{params[1]} is a server operator"
    if code == "317" and n >= 3:
        return _idle(params)
    if code == "318" and n >= 2:
        return f"End of WHOIS for {params[1]}"
    if code == "319" and n >= 3:
        return f"{params[1]} is in {text}" if text.strip() else f"{params[1]} is in no channel"
    if code == "330" and n >= 4:
        return f"{params[1]} is logged in as {params[2]}"
    if code in ("320", "335", "338", "378", "379", "671") and n >= 3:
        return f"{params[1]} {text}"
    if code == "321":
        return "Channels (users, topic):"
    if code == "322" and n >= 4:
        topic = f": {text}" if text else ""
        return f"  {params[1]} ({params[2]} users){topic}"
    if code == "323":
        return "End of the channel list"
    if code == "331" and n >= 3:
        return f"No topic is set in {params[1]}"
    if code == "341" and n >= 3:
        return f"{params[1]} was invited to {params[2]}"
    return None
