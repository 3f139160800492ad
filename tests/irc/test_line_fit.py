"""Lines going out fit 512 bytes: free text is cut between characters, names never."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from parley.irc.message import MAX_LINE, encode_parts, parse

SOURCE = "someone!user@2001:db8:1234:5678:9abc:def0:1234:5678"


@settings(max_examples=300, derandomize=True, database=None)
@given(
    command=st.sampled_from(("PRIVMSG", "NOTICE", "PART", "QUIT", "TOPIC", "332")),
    target=st.sampled_from(("#c", "#" + "x" * 60, "nick")),
    text=st.text(st.characters(blacklist_characters="\r\n\0", blacklist_categories=("Cs",))),
)
def test_free_text_is_cut_to_fit_between_characters(command: str, target: str, text: str) -> None:
    line = encode_parts(SOURCE, command, (target, text))
    assert len(line) <= MAX_LINE
    message = parse(line)  # still valid UTF-8, still the same command and target
    assert message.command == command and message.params[0] == target
    assert text.startswith(message.params[-1])
    if len(line) < MAX_LINE - 3:  # nothing was cut from a line with room to spare
        assert message.params[-1] == text


def test_names_are_never_cut() -> None:
    masks = tuple(f"{'m' * 60}{i}!*@*" for i in range(8))  # 8 x 65 bytes of mode arguments
    line = encode_parts(SOURCE, "MODE", ("#c", "+bbbbbbbb", *masks))
    assert parse(line).params[2:] == masks  # too long, but not mangled: MODE is split upstream


def test_a_line_that_fits_is_left_alone() -> None:
    text = "é" * 200
    assert parse(encode_parts(SOURCE, "PRIVMSG", ("#c", text))).params[1] == text
