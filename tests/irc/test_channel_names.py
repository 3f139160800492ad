"""Channel names refuse what would hide or disguise them in a client."""

from __future__ import annotations

import pytest

from parley.irc.casemap import valid_channel, valid_nick

REFUSED = ["\x00", "\x07", "\x1b", "\x1f", "\x7f", "\x85", "\x9b", "\u061c", "\u200e", "\u200f"]
REFUSED += [chr(c) for c in range(0x202A, 0x202F)] + [chr(c) for c in range(0x2066, 0x206A)]


@pytest.mark.parametrize("bad", REFUSED, ids=[f"U+{ord(c):04X}" for c in REFUSED])
def test_control_and_bidi_characters_are_refused_in_names(bad: str) -> None:
    assert not valid_channel(f"#a{bad}b", 64)
    assert not valid_nick(f"a{bad}b", 30)


def test_other_non_ascii_names_are_still_channels() -> None:
    assert valid_channel("#café", 64)
    assert valid_channel("#日本語", 64)
    assert valid_channel("#a\u00a0b", 64)  # no-break space is printable
