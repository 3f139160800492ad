"""A channel event's parameters are stored as the JSON list json.dumps makes, and read
back as sent, whatever they hold."""

from __future__ import annotations

import json

import pytest

from parley.server.core.playback import _json_list, event_params
from parley.server.store.history import HistoryItem


@pytest.mark.parametrize(
    "params",
    [
        (),
        ("Quit: bye",),
        ("",),
        ('say "hi" \\ there', "+o", "nick"),
        ("caf\u00e9 \u2603 \U0001f600", "\x01ACTION\x01", "tab\tand\x7f"),
        ("\ud800",),  # a lone surrogate, as surrogateescape leaves undecodable bytes
    ],
)
def test_event_text_is_json_dumps_and_reads_back(params: tuple[str, ...]) -> None:
    text = _json_list(params)
    assert text == json.dumps(params)
    item = HistoryItem("m", 1.0, "#c", "#c", "a!a@h", None, "QUIT", text)
    assert event_params(item) == params
