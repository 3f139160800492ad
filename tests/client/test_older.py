"""Which page of scrollback to ask for next, and which lines it brings."""

from __future__ import annotations

from parley.client.older import PAGE, Scrollback
from parley.irc.message import Message

T1, T2, T3 = "2026-01-05T10:00:00.000Z", "2026-01-05T10:01:00.000Z", "2026-01-05T10:02:00.000Z"


def test_the_page_before_the_oldest_line_is_asked_once() -> None:
    back = Scrollback()
    assert back.request("#c") is None  # nothing shown: nothing to page from
    assert not back.is_older("#c", T2, "m2", past=True)
    assert not back.is_older("#c", T3, None, past=False)
    assert back.request("#C") == Message.of("CHATHISTORY", "BEFORE", "#C", "msgid=m2", str(PAGE))
    assert back.request("#c") is None  # asked already
    assert back.is_older("#c", T1, None, past=True)  # the page: on top
    assert not back.is_older("#c", T3, None, past=False)  # said now: at the bottom
    assert back.request("#c") == Message.of(
        "CHATHISTORY", "BEFORE", "#c", f"timestamp={T1}", str(PAGE)
    )
    assert not back.is_older("#c", None, None, past=True)
