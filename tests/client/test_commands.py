"""What typed lines become."""

from __future__ import annotations

from parley.client.commands import (
    OpenQuery,
    QuitApp,
    Send,
    SetTyping,
    ShowText,
    interpret,
    split_text,
)
from parley.irc.message import Message


def test_plain_text_goes_to_the_open_conversation() -> None:
    assert interpret("hello", "#lobby") == Send((Message.of("PRIVMSG", "#lobby", "hello"),))


def test_text_with_no_conversation_open_is_refused_with_a_hint() -> None:
    action = interpret("hello", None)
    assert isinstance(action, ShowText) and "/join" in action.text


def test_commands_become_lines() -> None:
    assert interpret("/join tea", None) == Send((Message.of("JOIN", "#tea"),))
    assert interpret("/part bye all", "#tea") == Send((Message.of("PART", "#tea", "bye all"),))
    assert interpret("/msg bob hi there", "#x") == Send((Message.of("PRIVMSG", "bob", "hi there"),))
    assert interpret("/me waves", "#x") == Send(
        (Message.of("PRIVMSG", "#x", "\x01ACTION waves\x01"),)
    )
    assert interpret("/query bob", "#x") == OpenQuery("bob")
    assert interpret("/away lunch", None) == Send((Message.of("AWAY", "lunch"),))
    assert interpret("/back", None) == Send((Message.of("AWAY"),))
    assert interpret("/quit gone", None) == QuitApp("gone")
    assert interpret("//not a command", "#x") == Send(
        (Message.of("PRIVMSG", "#x", "/not a command"),)
    )


def test_unknown_command_shows_help() -> None:
    action = interpret("/frobnicate", "#x")
    assert isinstance(action, ShowText) and "Unknown command /frobnicate" in action.text


def test_long_text_is_split_at_spaces_not_cut() -> None:
    words = " ".join(f"word{i}" for i in range(200))
    pieces = split_text(words, 100)
    assert " ".join(pieces) == words
    assert all(len(p.encode()) <= 100 for p in pieces)


def test_split_never_breaks_a_character() -> None:
    text = "é" * 300
    pieces = split_text(text, 101)
    assert "".join(pieces) == text
    assert all(len(p.encode()) <= 101 for p in pieces)


def test_typing_notices_can_be_turned_off_and_on() -> None:
    assert interpret("/typing off", "#c") == SetTyping(False)
    assert interpret("/typing on", None) == SetTyping(True)
    assert isinstance(interpret("/typing maybe", "#c"), ShowText)
