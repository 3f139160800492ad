"""What nodes send each other (cluster/codec.py): values come back as they went, and
anything a peer could send that is not a registered value is refused with CodecError."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Any

import pytest

from parley.irc.modes import ModeChange
from parley.server.cluster import codec
from parley.server.core import events as ev


def trip(value: Any) -> Any:
    return codec.loads(codec.dumps(value))


@pytest.mark.parametrize(
    "event",
    [
        ev.Messaged("ann", "PRIVMSG", "#room", "hi", "AbC123", 1732590000.25),
        ev.Messaged("ann", "TAGMSG", "bob", "", "x", 0.0, (("+react", "👍"), ("+typing", ""))),
        ev.Messaged("ännä", "NOTICE", "#ruum", "ünïcödé \x01ACTION x\x01 " + "a" * 400, "m", 1.5),
        ev.ChannelModeChanged(
            "ann", "#room", (ModeChange(True, "o", "bob"), ModeChange(False, "k", None))
        ),
        ev.Quit("ann", ""),
    ],
)
def test_events_come_back_equal(event: Any) -> None:
    record = ["e", event, ("AbC123", 1732590000.25), None]
    assert trip(record) == ("e", event, ("AbC123", 1732590000.25), None)


def test_lists_come_back_as_tuples_and_dict_keys_as_strings() -> None:
    assert trip([1, [2.5, None], True, "x"]) == (1, (2.5, None), True, "x")
    assert trip({"a": [1], 2: {"b": None}}) == {"a": (1,), "2": {"b": None}}


def test_a_subclass_of_a_plain_type_goes_as_its_value() -> None:
    class Colour(enum.StrEnum):
        RED = "red"

    class Count(int):
        pass

    assert trip([Colour.RED, Count(3)]) == ("red", 3)


def test_an_unregistered_value_is_not_sent() -> None:
    @dataclass(frozen=True)
    class Secret:
        key: str

    with pytest.raises(TypeError):
        codec.dumps(["e", Secret("k")])
    with pytest.raises(TypeError):
        codec.dumps({1, 2})


def test_a_type_registered_again_under_its_name_replaces_the_old_one() -> None:
    @dataclass(frozen=True)
    class Probe:
        a: int

    first = Probe
    codec.register(first)
    assert trip(first(1)) == first(1)

    @dataclass(frozen=True)
    class Probe:  # type: ignore[no-redef]
        a: int
        b: int = 0

    codec.register(Probe)
    with pytest.raises(TypeError):
        codec.dumps(first(1))  # (its name now reads back as the new type)
    assert trip(Probe(1, 2)) == Probe(1, 2)


@pytest.mark.parametrize(
    "raw",
    [
        b"",
        b"\xff\xfe",
        b"not json",
        b'{"@": "Popen", "args": ["sh"]}',
        b'{"@": 5}',
        b'{"@": ["Quit"], "nick": "a"}',
        b'{"@": "Quit", "nick": "a"}',
        b'{"@": "Quit", "nick": "a", "reason": "b", "extra": 1}',
        b'[1, {"@": "Messaged"}]',
    ],
)
def test_what_is_not_a_value_is_refused(raw: bytes) -> None:
    with pytest.raises(codec.CodecError):
        codec.loads(raw)
