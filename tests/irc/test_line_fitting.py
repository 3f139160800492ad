"""Replies that echo long client input are clipped to the protocol's 512 bytes."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from parley.irc.message import MAX_LINE, encode_parts, encode_reply, parse

MIDDLE = st.text(
    alphabet=st.characters(exclude_characters=" \r\n\x00:", exclude_categories=("Cs",)),
    min_size=1,
)
TRAILING = st.text(
    alphabet=st.characters(exclude_characters="\r\n\x00", exclude_categories=("Cs",))
)


@given(st.lists(MIDDLE, max_size=6), TRAILING)
def test_a_fitted_line_is_at_most_512_bytes_with_the_same_parameters(
    middles: list[str], trailing: str
) -> None:
    params = (*middles, trailing)
    line = encode_reply("server.example", "401", params)
    assert len(line) <= MAX_LINE
    message = parse(line)
    assert len(message.params) == len(params)
    if len(encode_parts("server.example", "401", params)) <= MAX_LINE:
        assert message.params == params  # what fits is left alone


def test_the_longest_parameter_is_the_one_cut() -> None:
    line = encode_reply("server.example", "401", ("alice", "x" * 600, "No such nick/channel"))
    message = parse(line)
    assert len(line) == MAX_LINE
    assert message.params[0] == "alice"
    assert message.params[2] == "No such nick/channel"
    assert set(message.params[1]) == {"x"}


def test_a_multibyte_character_is_not_split() -> None:
    line = encode_reply("s", "403", ("alice", "#" + "é" * 400, "No such channel"))
    assert len(line) <= MAX_LINE
    assert set(parse(line).params[1][1:]) == {"é"}


def test_echoed_parameters_that_cannot_be_middle_ones_are_made_safe() -> None:
    for echoed, shown in [("", "*"), (":x", "x"), ("a b", "a"), (": ", "*"), ("::a:b c", "a:b")]:
        line = encode_reply("s", "401", ("alice", echoed, "No such nick/channel"))
        assert parse(line).params == ("alice", shown, "No such nick/channel")


@given(st.lists(TRAILING, min_size=1, max_size=6))
def test_any_echoed_parameters_make_a_line(params: list[str]) -> None:
    message = parse(encode_reply("server.example", "403", tuple(params)))
    assert len(message.params) == len(params)
