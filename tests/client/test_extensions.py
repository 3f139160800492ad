"""The client's state fed the IRCv3 lines the specifications give (no sockets, no Tk)."""

from __future__ import annotations

from parley.client import state as cs
from parley.irc.message import Message, parse

OFFER = (
    "CAP * LS :server-time echo-message batch message-tags draft/message-redaction "
    "draft/multiline=max-bytes=4096,max-lines=24 draft/read-marker "
    "draft/metadata-2=maxsub=10 draft/metadata-3=max-subs=10"
)


def registered(offer: str = OFFER) -> tuple[cs.ClientState, list[cs.Event]]:
    """A state that went through CAP and the welcome with `offer` from the server."""
    state = cs.ClientState("me")
    state.start()
    state.receive(parse(offer))
    (req,) = state.take_outbox()
    state.receive(Message.of("CAP", "me", "ACK", req.params[1]))
    state.take_outbox()
    events = state.receive(Message.of("001", "me", "Welcome"))
    return state, events


def feed(state: cs.ClientState, *lines: str) -> list[cs.Event]:
    events: list[cs.Event] = []
    for line in lines:
        events += state.receive(parse(line))
    return events


def chat_lines(events: list[cs.Event]) -> list[cs.ChatLine]:
    return [e for e in events if isinstance(e, cs.ChatLine)]


def test_the_extension_caps_are_asked_for_only_when_offered_one_metadata_version() -> None:
    state = cs.ClientState("me")
    state.start()
    state.receive(parse(OFFER))
    (req,) = state.take_outbox()
    asked = req.params[1].split()
    assert {"draft/message-redaction", "draft/multiline", "draft/read-marker"} <= set(asked)
    assert "draft/metadata-3" in asked and "draft/metadata-2" not in asked
    plain = cs.ClientState("me")
    plain.start()
    plain.receive(parse("CAP * LS :server-time batch"))
    assert plain.take_outbox() == [Message.of("CAP", "REQ", "server-time batch")]


def test_the_welcome_tells_the_ui_the_caps_and_multiline_limits_and_subscribes() -> None:
    state, events = registered()
    (caps,) = [e for e in events if isinstance(e, cs.Capabilities)]
    assert "draft/read-marker" in caps.caps
    assert (caps.multiline_max_bytes, caps.multiline_max_lines) == (4096, 24)
    assert state.take_outbox() == [Message.of("METADATA", "*", "SUB", "display-name", "avatar")]
    early = cs.ClientState("me")
    early.start()
    early.receive(parse(OFFER.replace("draft/metadata-3=", "draft/metadata-3=before-connect,")))
    (req,) = early.take_outbox()
    early.receive(Message.of("CAP", "me", "ACK", req.params[1]))
    assert early.take_outbox() == [  # subscribed before the welcome, where it may be
        Message.of("METADATA", "*", "SUB", "display-name", "avatar"),
        Message.of("CAP", "END"),
    ]
    early.receive(Message.of("001", "me", "Welcome"))
    assert early.take_outbox() == []  # and only once
    _, without = registered("CAP * LS :server-time batch message-tags")
    (bare,) = [e for e in without if isinstance(e, cs.Capabilities)]
    assert bare.multiline_max_bytes == 0


def test_a_multiline_batch_is_one_message_with_its_lines_and_concat_joins() -> None:
    state, _ = registered()
    events = feed(
        state,
        "@msgid=xxx;time=2026-11-25T10:00:00.000Z :n!u@h BATCH +123 draft/multiline #c",
        "@batch=123 :n!u@h PRIVMSG #c hello",
        "@batch=123 :n!u@h PRIVMSG #c :how is ",
        "@batch=123;draft/multiline-concat :n!u@h PRIVMSG #c :everyone?",
        "@batch=123 :n!u@h PRIVMSG #c :",
        "@batch=123 :n!u@h PRIVMSG #c :bye",
        "BATCH -123",
    )
    assert events[-1:] == chat_lines(events)
    (line,) = chat_lines(events)
    assert line.text == "hello\nhow is everyone?\n\nbye"
    assert line.msgid == "xxx" and line.sender == "n" and line.conversation == "#c"
    assert line.time == "2026-11-25T10:00:00.000Z"
    assert not line.past


def test_a_multiline_batch_in_history_is_past_and_one_too_big_is_cut() -> None:
    state, _ = registered()
    events = feed(
        state,
        "BATCH +h chathistory #c",
        "@batch=h;msgid=m1 :n!u@h BATCH +ml draft/multiline #c",
        "@batch=ml :n!u@h PRIVMSG #c :one",
        "@batch=ml :n!u@h PRIVMSG #c :two",
        "BATCH -ml",
        "BATCH -h",
    )
    (line,) = chat_lines(events)
    assert line.past and line.text == "one\ntwo"
    feed(state, ":n!u@h BATCH +big draft/multiline #c")
    huge = feed(state, *[f"@batch=big :n!u@h PRIVMSG #c :{'x' * 400}" for _ in range(2000)])
    assert huge == []
    (cut,) = chat_lines(feed(state, "BATCH -big"))
    assert cut.text.endswith("\n…") and len(cut.text) < 70_000


def test_lines_without_the_cap_arrive_one_by_one() -> None:
    state, _ = registered("CAP * LS :server-time batch message-tags")
    events = feed(
        state,
        "@msgid=xxx :n!u@h PRIVMSG #c hello",
        "@account=account :n!u@h PRIVMSG #c :how is ",
    )
    assert [line.text for line in chat_lines(events)] == ["hello", "how is "]


def test_redact_names_the_message_and_who_deleted_it() -> None:
    state, _ = registered()
    assert feed(state, "@msgid=124 :nick!u@h REDACT #channel 123 :bad example") == [
        cs.Redacted("#channel", "123", "nick", "bad example")
    ]
    assert feed(state, ":chanop!u@h REDACT #channel 123 spam")[0] == cs.Redacted(
        "#channel", "123", "chanop", "spam"
    )
    assert feed(state, ":bob!u@h REDACT me 9") == [cs.Redacted("bob", "9", "bob", "")]
    assert feed(state, ":bob!u@h REDACT #c") == []  # too few parameters: nothing


def test_bot_tag_replies_and_display_names_are_on_the_line() -> None:
    state, _ = registered()
    feed(state, ":irc.example.com METADATA robodan display-name * :Robo  Dan")
    (line,) = chat_lines(feed(
        state, "@bot;msgid=456;+draft/reply=123 :robodan!~u@h PRIVMSG #chat :Hello! Try .help"
    ))  # fmt: skip
    assert line.bot and line.reply_to == "123" and line.msgid == "456"
    assert line.display == "Robo Dan"
    (old,) = chat_lines(feed(state, "@draft/bot=someFutureValue=2343 :x!u@h PRIVMSG #chat :hi"))
    assert old.bot and old.display == ""


def test_a_bot_is_marked_in_its_channels_user_lists_until_it_quits() -> None:
    state, _ = registered()
    feed(state, ":me!m@h JOIN #chat", ":srv 353 me = #chat :@me alice")
    events = feed(state, "@bot :robodan!~u@h JOIN #chat")
    assert events[-1] == cs.UsersChanged("#chat", ("@me", "alice", "robodan"), ("robodan",))
    assert feed(state, "@bot :robodan!~u@h PRIVMSG #chat :again")[1:] == []  # known already
    feed(state, ":robodan!~u@h NICK robo2")
    assert state.bots == {"robo2"}
    feed(state, ":robo2!~u@h QUIT :bye")
    assert state.bots == set()


def test_a_refused_deletion_or_paste_is_said_where_the_user_is() -> None:
    state, _ = registered()
    refused = ":srv FAIL REDACT REDACT_FORBIDDEN #c 123 :You are not authorised to delete this"
    assert feed(state, refused) == [cs.ErrorReply("You are not authorised to delete this")]
    too_big = ":srv FAIL BATCH MULTILINE_MAX_BYTES 4096 :Multiline batch max-bytes exceeded"
    assert feed(state, too_big) == [cs.ErrorReply("Multiline batch max-bytes exceeded")]


def test_metadata_follows_keyvalue_nick_changes_removal_and_quits() -> None:
    state, _ = registered()
    state.take_outbox()
    changed = feed(state, ":srv 761 me alice display-name * :Alice Liddell")
    assert changed == [cs.MetadataChanged("alice", "display-name", "Alice Liddell")]
    feed(state, ":srv 761 me alice avatar * :https://example.org/a.png")
    feed(state, ":srv 761 me bob display-name * :Bob B.")
    assert feed(state, ":srv 766 me bob display-name :key not set") == [  # metadata-3 unset
        cs.MetadataChanged("bob", "display-name", None)
    ]
    assert feed(state, ":srv 766 me bob display-name :key not set") == []
    feed(state, ":alice!a@h NICK ali")
    assert state.display_name("ali") == "Alice Liddell" and state.display_name("alice") == ""
    assert feed(state, ":srv METADATA ali display-name *") == [
        cs.MetadataChanged("ali", "display-name", None)
    ]
    assert feed(state, ":srv METADATA ali url * :https://x") == []  # a key not shown
    assert feed(state, ":srv METADATA #c display-name * :Chan") == []
    feed(state, ":ali!a@h QUIT :bye")
    assert state.metadata == {}
    assert feed(state, ":srv 774 me #big 4") == [] and state.take_outbox() == []
    feed(state, ":srv 774 me #big")
    assert state.take_outbox() == [Message.of("METADATA", "#big", "SYNC")]


def test_metadata_of_many_users_is_bounded() -> None:
    state, _ = registered()
    for i in range(10_050):
        feed(state, f":srv METADATA u{i} display-name * :{'y' * 5000}")
    assert len(state.metadata) == 10_000
    assert len(state.display_name("u1")) == 200


def test_reactions_and_typing_ride_on_tagmsg() -> None:
    state, _ = registered()
    events = feed(
        state,
        "@msgid=456;+draft/reply=123;+draft/react=lol :nick2!u@h TAGMSG #channel",
        "@+typing=active :nick2!u@h TAGMSG #channel",
        "@+typing=paused :nick2!u@h TAGMSG me",
        "@+typing=bogus :nick2!u@h TAGMSG #channel",
        "@+typing=active :me!u@h TAGMSG #channel",  # our own, from another device
        "@+draft/react=lol :nick2!u@h TAGMSG #channel",  # a reaction to nothing
        "@+draft/reply=1;+draft/react=\\s :nick2!u@h TAGMSG #channel",  # a blank one
        "@+draft/reply=1;+draft/react=a\\nb :nick2!u@h TAGMSG #channel",
    )
    assert events == [
        cs.Reacted("#channel", "123", "nick2", "lol", "456", False),
        cs.Typing("#channel", "nick2", "active"),
        cs.Typing("nick2", "nick2", "paused"),
        cs.Reacted("#channel", "1", "nick2", "a b", None, False),  # one line
    ]


def test_read_markers_arrive_only_forward_and_are_sent_once_per_new_line() -> None:
    state, _ = registered()
    state.take_outbox()
    assert feed(state, ":irc.host MARKREAD #channel *") == [cs.ReadMarker("#channel", None)]
    feed(state, ":irc.host MARKREAD #channel timestamp=2019-01-04T14:33:26.123Z")
    assert feed(state, ":irc.host MARKREAD #channel timestamp=2019-01-04T14:00:00.000Z") == []
    feed(state, "@time=2019-01-04T14:40:00.000Z :nick!ident@host PRIVMSG #channel :message")
    state.mark_read("#channel")
    assert state.take_outbox() == [
        Message.of("MARKREAD", "#channel", "timestamp=2019-01-04T14:40:00.000Z")
    ]
    state.mark_read("#channel")
    assert state.take_outbox() == []  # nothing new read


def test_a_private_conversation_asks_for_its_marker_once() -> None:
    state, _ = registered()
    state.take_outbox()
    feed(state, "@time=2026-11-25T10:00:00.000Z :bob!b@h PRIVMSG me :psst")
    feed(state, "@time=2026-11-25T10:00:01.000Z :bob!b@h PRIVMSG me :again")
    assert state.take_outbox() == [Message.of("MARKREAD", "bob")]


def test_without_the_read_marker_cap_nothing_is_sent() -> None:
    state, _ = registered("CAP * LS :server-time batch message-tags")
    state.take_outbox()
    feed(state, "@time=2026-11-25T10:00:00.000Z :bob!b@h PRIVMSG me :psst")
    state.mark_read("bob")
    assert state.take_outbox() == []
