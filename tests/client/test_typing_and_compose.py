"""Typing notices (throttle, pause, expiry), unread counts with read markers, and the
lines for replies, reactions, deletion and multi-line pastes (sans-IO)."""

from __future__ import annotations

from parley.client import compose
from parley.client.commands import Send, interpret
from parley.client.typing_status import TypingBoard, TypingOut
from parley.client.unread import Unread
from parley.irc.message import Message, encode


def test_typing_is_sent_at_most_every_three_seconds_per_target() -> None:
    out = TypingOut()
    assert out.edited("#c", "h", 100.0) == [("#c", "active")]
    assert out.edited("#c", "he", 101.0) == []  # throttled
    assert out.edited("#d", "x", 101.0) == [("#d", "active")]  # another target
    assert out.tick(102.9) == []
    assert out.tick(103.0) == [("#c", "active")]  # still typing: active again
    assert out.tick(105.9) == []  # no edit since
    assert out.tick(106.0) == [("#c", "paused"), ("#d", "paused")]  # 5 s without an edit
    assert out.tick(120.0) == []  # paused is said once
    assert out.edited("#c", "", 121.0) == [("#c", "done")]  # cleared
    assert out.edited("#c", "", 130.0) == []


def test_done_waits_for_the_throttle_and_a_sent_message_needs_no_done() -> None:
    out = TypingOut()
    out.edited("#c", "hi", 0.0)
    assert out.edited("#c", "", 1.0) == []
    assert out.tick(3.0) == [("#c", "done")]
    out.edited("#c", "hi", 10.0)
    out.sent("#c")
    assert out.edited("#c", "", 20.0) == [] and out.tick(30.0) == []
    assert out.edited("#c", "/join #x", 40.0) == []  # a command is not typing


def test_others_typing_expires_and_ends_when_they_speak_or_leave() -> None:
    board = TypingBoard()
    board.typing("#c", "alice", "active", "Alice L.", 0.0)
    board.typing("#c", "bob", "paused", "", 0.0)
    assert board.text("#c") == "Alice L. and bob are typing…"
    assert board.text("#other") == ""
    assert board.expire(5.9) is False
    assert board.expire(6.0) is True and board.text("#c") == "bob is typing…"
    board.typing("#c", "carol", "active", "", 7.0)
    board.spoke("#c", "carol")
    board.typing("#c", "dave", "done", "", 7.0)
    assert board.text("#c") == "bob is typing…"
    board.left("bob")
    assert board.text("#c") == ""
    for i in range(4):
        board.typing("#c", f"u{i}", "active", "", 8.0)
    assert board.text("#c") == "u0, u1 and 2 others are typing…"
    for i in range(500):
        board.typing("#big", f"n{i}", "active", "", 8.0)
    assert board.text("#big").endswith("and 94 others are typing…")  # bounded at 100


def test_unread_lines_are_cleared_by_a_marker_from_another_device() -> None:
    unread = Unread()
    unread.add("2026-11-25T10:00:00.000Z", mention=False)
    unread.add("2026-11-25T10:00:05.000Z", mention=True)
    unread.add(None, mention=False)
    assert (unread.count, unread.mentions) == (3, 1)
    assert unread.marked("2026-11-25T10:00:01.000Z") is True
    assert (unread.count, unread.mentions) == (2, 1)
    assert unread.marked("2026-11-25T10:00:05.000Z") is True
    assert (unread.count, unread.mentions) == (1, 0)
    unread.add("2026-11-25T10:00:04.000Z", mention=False)  # history already read
    assert unread.count == 1
    unread.read()
    assert unread.count == 0


def test_reply_react_redact_and_typing_lines() -> None:
    said = interpret("Hello to you!", "#channel")
    assert isinstance(said, Send)
    (reply,) = compose.with_reply(said, "123").lines
    assert encode(reply) == b"@+draft/reply=123 PRIVMSG #channel :Hello to you!\r\n"
    react = encode(compose.react("#channel", "123", "👋"))
    assert react == "@+draft/reply=123;+draft/react=👋 TAGMSG #channel\r\n".encode()
    assert encode(compose.typing("bob", "active")) == b"@+typing=active TAGMSG bob\r\n"
    assert compose.redact("#c", "abc") == Message.of("REDACT", "#c", "abc")


def test_a_paste_is_one_batch_with_long_lines_concatenated() -> None:
    long = "word " * 120  # 600 bytes: two pieces, the space kept at the first one's end
    send = compose.multiline("#c", ["", "first", "", long.strip(), ""], 4096, 24)
    assert send is not None
    opening, *body, closing = send.lines
    ref = opening.params[0][1:]
    assert opening == Message.of("BATCH", f"+{ref}", "draft/multiline", "#c")
    assert closing == Message.of("BATCH", f"-{ref}")
    texts = [(m.params[1], "draft/multiline-concat" in m.tags) for m in body]
    assert texts[:2] == [("first", False), ("", False)]
    assert texts[2][0].endswith(" ") and texts[3][1] is True
    assert texts[2][0] + texts[3][0] == long.strip()
    assert all(m.tags["batch"] == ref and m.params[0] == "#c" for m in body)


def test_a_reply_in_a_batch_is_tagged_on_its_opening_only() -> None:
    send = compose.multiline("#c", ["one", "two"], 4096, 24)
    assert send is not None
    opening, *body, closing = compose.with_reply(send, "p1").lines
    assert opening.tags == {"+draft/reply": "p1"}
    assert all("+draft/reply" not in m.tags for m in (*body, closing))


def test_a_paste_over_the_limits_is_not_batched() -> None:
    assert compose.multiline("#c", ["a" * 100, "b" * 100], 150, 24) is None
    assert compose.multiline("#c", [str(i) for i in range(30)], 4096, 24) is None
    assert compose.multiline("#c", ["", "  "], 4096, 24) is None
