"""Whether a line names the user: the nick as a whole word, in IRC's case rules, sans-IO.

"al" is not mentioned by "also", but is by "al: hi" and "@al,"; a nick's own
characters ([]\\`^{}|-_) count as part of the word around it.
"""

from __future__ import annotations

import re

from parley.irc.casemap import fold

_WORD = r"[\w\[\]\\`^{}|\-]"


def mentions(nick: str, text: str) -> bool:
    """True if `text` names `nick` as a word of its own."""
    if not nick:
        return False
    pattern = rf"(?<!{_WORD}){re.escape(fold(nick))}(?!{_WORD})"
    return re.search(pattern, fold(text)) is not None
