"""Where the user goes next, without a window: back, switch, and which joins take the screen."""

from __future__ import annotations

from parley.client.places import MAX_VISITED, Places
from parley.irc.message import Message


def test_back_from_a_closed_conversation_is_the_latest_one_still_open() -> None:
    places = Places()
    for name in ("*server*", "#a", "#B", "bob", "#b"):
        places.seen(name)
    assert places.back_from("#b", ["*server*", "#a", "#b"], "*server*") == "#a"
    assert places.back_from("#x", [], "*server*") == "*server*"


def test_a_join_of_channels_one_is_in_switches_and_others_are_asked_for() -> None:
    places = Places()
    joined = {"#a", "#b"}
    assert places.join((Message.of("JOIN", "#A"),), joined) == "#A"
    assert places.join((Message.of("JOIN", "#a,#new"),), joined) is None
    assert places.join((Message.of("PRIVMSG", "#a", "hi"),), joined) is None
    assert places.join((Message("JOIN", ()),), joined) is None
    assert places.wanted("#NEW", new=False)  # asked for
    assert not places.wanted("#new", new=False)  # once
    assert places.wanted("#fresh", new=True)


def test_what_is_remembered_is_bounded() -> None:
    places = Places()
    for i in range(MAX_VISITED * 3):
        places.seen(f"#c{i}")
    assert len(places.visited) == MAX_VISITED
