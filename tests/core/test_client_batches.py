"""IRCv3 draft/multiline in the core: a batch that never closes, and the stored form."""

from __future__ import annotations

from fake import FakeConnection, Harness, commands_of

from parley.server.core.multiline import is_multiline, join_text, split_text
from parley.server.core.session import Session
from parley.server.store.history import Reader

LIMITS = {"multiline_timeout": 10.0, "ping_interval": 1000.0}


def multiline_user(h: Harness, nick: str) -> tuple[Session, FakeConnection]:
    session, conn = h.connect()
    h.say(session, "CAP REQ :draft/multiline batch", f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    h.say(session, "CAP END", "JOIN #c")
    conn.take()
    return session, conn


def test_a_batch_left_open_times_out_and_sends_nothing() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    alice, alice_conn = multiline_user(h, "alice")
    _bob, bob_conn = h.user("bob", "#c")
    alice_conn.take()
    h.say(alice, "BATCH +slow draft/multiline #c", "@batch=slow PRIVMSG #c :one")
    h.clock.advance(9)
    h.server.sweep()
    h.say(alice, "@batch=slow PRIVMSG #c :two")  # a line: the wait starts again
    h.clock.advance(9)
    h.server.sweep()
    assert alice_conn.take() == []
    h.clock.advance(2)
    h.server.sweep()
    fail = alice_conn.take()
    assert [m.params[:-1] for m in fail] == [("BATCH", "TIMEOUT", "slow")]
    h.say(alice, "@batch=slow PRIVMSG #c :three", "BATCH -slow")  # late: dropped quietly
    assert alice_conn.take() == []
    assert "PRIVMSG" not in commands_of(bob_conn.take())
    assert alice.batch is None  # its end was seen: nothing is held for it


def test_a_session_holds_one_batch_and_a_few_given_up_references() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    alice, alice_conn = multiline_user(h, "alice")
    for i in range(50):  # opened and given up, never closed
        h.say(alice, f"BATCH +r{i} draft/multiline #c", f"BATCH +s{i} draft/multiline #c")
    assert len(getattr(alice.batch, "refs", ())) == 2  # the last pair only
    assert commands_of(alice_conn.take()) == ["FAIL"] * 50


def test_stored_text_keeps_the_lines_and_their_joins() -> None:
    lines = (("hello", False), ("", False), ("how is ", False), ("everyone?", True))
    text = join_text(lines)
    assert is_multiline(text)
    assert tuple(split_text(text)) == lines
    assert text.replace("\r", "") == "hello\n\nhow is everyone?"  # the spec's combined form
    assert not is_multiline("one line")


def test_history_keeps_one_message_for_the_batch() -> None:
    h = Harness(lobby=None, limits=LIMITS)
    alice, _conn = multiline_user(h, "alice")
    h.say(alice, "BATCH +h draft/multiline #c", "@batch=h PRIVMSG #c :a", "@batch=h PRIVMSG #c :b")
    h.say(alice, "BATCH -h")
    client = alice.client
    assert client is not None
    reader = Reader(client.folded, None, client.uid)  # (#c is public: anyone may read it)
    items = h.server.history.between("#c", 0.0, 1e12, 10, True, reader)
    assert [(i.command, i.text) for i in items] == [("PRIVMSG", "a\nb")]
