"""Refusal: a command that cannot be done, raised from anywhere in a handler.

The dispatcher answers it (dispatch.py, Context.refuse), whether it comes from
a handler or from the second half of a slow job; the console's admin API shows
its text instead.
"""

from __future__ import annotations

from parley.irc.numerics import Numeric


class Refusal(Exception):
    """An action that cannot be done: why, in words, and the numeric IRC gets (if any);
    with none, `code` is the FAIL code of an IRCv3 standard reply and `params` its context."""

    def __init__(
        self, text: str, numeric: Numeric | None = None, *params: str, code: str = "INVALID_PARAMS"
    ) -> None:
        super().__init__(text)
        self.text = text
        self.numeric = numeric
        self.params = params
        self.code = code
