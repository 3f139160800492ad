"""Lines going out fit the protocol's 512 bytes: relayed free text is cut between
characters (names never), and replies that echo long client input are clipped."""

from __future__ import annotations

from hypothesis import given, settings
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
    if _unfitted_length("server.example", "401", params) <= MAX_LINE:
        assert message.params == params  # what fits is left alone


def _unfitted_length(source: str, command: str, params: tuple[str, ...]) -> int:
    """The bytes of the line before any cutting (with the trailing ':' always, so never
    less): encode_parts itself cuts a numeric's text to fit."""
    *middles, last = params
    line = " ".join((f":{source}", command, *middles, f":{last}")) + "\r\n"
    return len(line.encode("utf-8", "replace"))


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
