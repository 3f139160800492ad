"""parley.irc.message: parse and encode are total and inverse."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from parley.irc.message import Message, ProtocolError, encode, encode_parts, parse

_safe = st.characters(blacklist_characters="\r\n\x00", blacklist_categories=("Cs",))
commands = st.one_of(st.from_regex(r"\A[A-Z]{1,12}\Z"), st.from_regex(r"\A[0-9]{3}\Z"))
middles = st.text(_safe, min_size=1, max_size=20).filter(
    lambda p: " " not in p and not p.startswith(":")
)
trailing = st.text(_safe, max_size=40)
sources = st.text(_safe, min_size=1, max_size=30).filter(lambda s: " " not in s)
tag_keys = st.from_regex(r"\A\+?[a-z][a-z0-9./-]{0,10}\Z")
tag_values = st.text(_safe, max_size=20)


@st.composite
def messages(draw: st.DrawFn) -> Message:
    params = draw(st.lists(middles, max_size=5))
    if draw(st.booleans()):
        params.append(draw(trailing))
    source = draw(st.none() | sources)
    tags = draw(st.dictionaries(tag_keys, tag_values, max_size=4))
    return Message(draw(commands), tuple(params), source, tags)


@given(messages())
def test_encoded_message_parses_back_to_itself(message: Message) -> None:
    assert parse(encode(message)) == message


@given(st.binary(max_size=600))
def test_arbitrary_bytes_parse_or_raise_protocol_error(data: bytes) -> None:
    try:
        message = parse(data)
    except ProtocolError:
        return
    assert message.command


def test_trailing_param_with_spaces_round_trips() -> None:
    message = parse(b":nick!u@h PRIVMSG #chan :hello  there \r\n")
    assert message.source == "nick!u@h"
    assert message.params == ("#chan", "hello  there ")


def test_many_spaces_between_params_are_one_separator() -> None:
    assert parse("MODE   #c    +o  bob").params == ("#c", "+o", "bob")


def test_empty_trailing_param_is_kept() -> None:
    assert parse("TOPIC #c :").params == ("#c", "")
    assert encode(Message("TOPIC", ("#c", ""))) == b"TOPIC #c :\r\n"


def test_command_is_upper_cased() -> None:
    assert parse("privmsg a :b").command == "PRIVMSG"


def test_tag_values_are_unescaped() -> None:
    message = parse(r"@a=x\:y\sz\\w\r\n;b;c=\q;d=end\ CMD")
    assert message.tags == {"a": "x;y z\\w\r\n", "b": "", "c": "q", "d": "end"}


def test_invalid_utf8_is_decoded_leniently() -> None:
    assert parse(b"PRIVMSG #c :caf\xe9!").params[1] == "caf\ufffd!"


@pytest.mark.parametrize("line", [b"", b"   ", b":source", b"@tags", b"@a=b :src "])
def test_lines_without_command_are_protocol_errors(line: bytes) -> None:
    with pytest.raises(ProtocolError):
        parse(line)


def test_nul_in_a_line_is_a_protocol_error() -> None:
    with pytest.raises(ProtocolError):
        parse(b"PRIVMSG #c :a\x00b")


@pytest.mark.parametrize(
    "message",
    [
        Message("PRIVMSG", ("a b", "text")),
        Message("PRIVMSG", (":x", "text")),
        Message("PRIVMSG", ("", "text")),
        Message("PRIVMSG", ("#c", "line\r\nQUIT")),
        Message("BAD CMD"),
        Message("PING", (), "a b"),
    ],
)
def test_encode_refuses_what_cannot_be_on_the_wire(message: Message) -> None:
    with pytest.raises(ValueError):
        encode(message)


# Free text always goes after ':', one word too: clients such as ii read a message's
# text, or a quit's reason, from there (ngircd, InspIRCd and ergo send it so).
FREE_TEXT_LINES = [
    (Message("PRIVMSG", ("bob", "psst"), "alice!a@h"), b":alice!a@h PRIVMSG bob :psst\r\n"),
    (Message("NOTICE", ("#c", "hi"), "alice!a@h"), b":alice!a@h NOTICE #c :hi\r\n"),
    (Message("QUIT", ("Quit",), "bob!b@h"), b":bob!b@h QUIT :Quit\r\n"),
    (Message("QUIT", ("",), "bob!b@h"), b":bob!b@h QUIT :\r\n"),
    (Message("PART", ("#c", "bye"), "bob!b@h"), b":bob!b@h PART #c :bye\r\n"),
    (Message("PART", ("#c",), "bob!b@h"), b":bob!b@h PART #c\r\n"),  # no reason: no text
    (Message("KICK", ("#c", "bob", "out"), "op!o@h"), b":op!o@h KICK #c bob :out\r\n"),
    (Message("TOPIC", ("#c", "news"), "op!o@h"), b":op!o@h TOPIC #c :news\r\n"),
    (Message("AWAY", ("lunch",), "bob!b@h"), b":bob!b@h AWAY :lunch\r\n"),
    (Message("ERROR", ("Closing",)), b"ERROR :Closing\r\n"),
    (Message("FAIL", ("X", "CODE", "why")), b"FAIL X CODE :why\r\n"),
    (Message("JOIN", ("#c",), "bob!b@h"), b":bob!b@h JOIN #c\r\n"),  # channels stay bare
    (Message("NICK", ("robert",), "bob!b@h"), b":bob!b@h NICK :robert\r\n"),  # for ii
    (Message("MODE", ("#c", "+nt"), "op!o@h"), b":op!o@h MODE #c +nt\r\n"),
]


@pytest.mark.parametrize(("message", "wire"), FREE_TEXT_LINES)
def test_free_text_always_goes_after_a_colon(message: Message, wire: bytes) -> None:
    assert encode(message) == wire
    assert parse(wire.rstrip(b"\r\n")) == message


def test_a_numeric_s_text_goes_after_a_colon_even_one_word() -> None:
    assert encode_parts("srv", "301", ("me", "bob", "lunch"), text=True) == (
        b":srv 301 me bob :lunch\r\n"
    )
    assert encode_parts("srv", "324", ("me", "#c", "+nt")) == b":srv 324 me #c +nt\r\n"
