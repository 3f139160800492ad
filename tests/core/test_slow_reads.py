"""Reads of history and of where accounts were run as slow jobs, off the event loop:
the asker's next lines wait for the answer, everyone else goes on meanwhile, and
what arrives live while a read runs is not shown again by it."""

from __future__ import annotations

import base64

from core.fake import FakeConnection, Harness, HeldWorker, commands_of
from parley.server.core.session import Session
from parley.server.passwords import credentials
from parley.server.store.accounts import Presence

CHATHISTORY = "CAP REQ :batch server-time message-tags draft/chathistory"


def held(**changes: object) -> tuple[Harness, HeldWorker]:
    worker = HeldWorker()
    return Harness(worker=worker, **changes), worker


def registered(
    harness: Harness, worker: HeldWorker, nick: str, *lines: str
) -> tuple[Session, FakeConnection]:
    session, conn = harness.connect()
    harness.say(session, *lines, f"NICK {nick}", f"USER {nick} 0 * :{nick}", "CAP END")
    worker.drain()
    conn.take()
    return session, conn


def test_chathistory_runs_as_a_slow_job_and_the_askers_next_line_waits() -> None:
    harness, worker = held(lobby=None)
    asker, asker_conn = registered(harness, worker, "asker", CHATHISTORY)
    bob, bob_conn = registered(harness, worker, "bob")
    harness.say(asker, "JOIN #room")
    harness.say(bob, "JOIN #room", "PRIVMSG #room :before the query")
    worker.drain()  # (bob's replay on JOIN)
    asker_conn.take()
    bob_conn.take()
    harness.say(asker, "CHATHISTORY LATEST #room * 10", "PING :next")
    assert len(worker.jobs) == 1  # the read, held
    assert asker_conn.take() == []  # no answer yet, and the PING waits behind it
    harness.say(bob, "PRIVMSG #room :while it reads", "PING :bob")
    assert commands_of(bob_conn.take())[-1] == "PONG"  # bob is served meanwhile
    live = asker_conn.take()  # and what is said reaches the asker live
    assert [m.params[-1] for m in live] == ["while it reads"]
    worker.finish_one()
    replies = asker_conn.take()
    assert commands_of(replies) == ["BATCH", "PRIVMSG", "PRIVMSG", "BATCH", "PONG"]
    # (the read began after the second line was said: both are in it, as asked)
    assert [m.params[-1] for m in replies[1:3]] == ["before the query", "while it reads"]


def test_a_reference_that_names_nothing_is_refused_after_the_read() -> None:
    harness, worker = held(lobby=None)
    asker, conn = registered(harness, worker, "asker", CHATHISTORY)
    harness.say(asker, "JOIN #room")
    conn.take()
    harness.say(asker, "CHATHISTORY BEFORE #room msgid=nothing-of-ours 10")
    worker.drain()
    (fail,) = conn.take()
    assert fail.params[:4] == ("CHATHISTORY", "INVALID_PARAMS", "BEFORE", "msgid=nothing-of-ours")


def test_the_replay_on_join_follows_the_join_and_repeats_nothing_live() -> None:
    harness, worker = held(lobby=None)
    old, _ = registered(harness, worker, "old")
    harness.say(old, "JOIN #room", "PRIVMSG #room :said before")
    newcomer, conn = registered(harness, worker, "newcomer")  # no chathistory: a replay
    harness.say(newcomer, "JOIN #room", "PING :after-join")
    assert len(worker.jobs) == 1
    joined = conn.take()
    assert commands_of(joined)[0] == "JOIN" and "366" in commands_of(joined)  # at once
    assert "PONG" not in commands_of(joined)  # the next line waits for the replay
    harness.say(old, "PRIVMSG #room :said during the read")
    worker.drain()
    after = conn.take()
    texts = [m.params[-1] for m in after if m.command == "PRIVMSG"]
    assert texts[0] == "said during the read"  # live, once
    assert len(texts) == 2 and texts[1].endswith("said before")  # the replay: dated
    assert commands_of(after)[-1] == "PONG"


def plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


def test_the_restore_after_a_login_comes_after_the_welcome_and_repeats_nothing() -> None:
    harness, worker = held(lobby=None)
    harness.server.accounts.create("dora", *credentials("explorer-map"))
    harness.server.accounts.save_presence({"dora": Presence(("#map",), 0.0)})
    sender, _ = registered(harness, worker, "boots")
    harness.say(sender, "PRIVMSG dora :kept for later")  # dora is offline: kept
    dora, conn = harness.connect()
    harness.say(
        dora, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain('dora', 'explorer-map')}"
    )
    worker.finish_one()  # the password check
    harness.say(dora, "NICK dora", "USER dora 0 * :Dora", "CAP END", "PING :after")
    assert len(worker.jobs) == 1  # where dora was, and what she missed: being read
    welcome = commands_of(conn.take())
    assert "001" in welcome and "JOIN" not in welcome and "PONG" not in welcome
    harness.say(sender, "PRIVMSG dora :said during the read")
    live = conn.take()
    assert [m.params[-1] for m in live] == ["said during the read"]
    worker.drain()
    restored = conn.take()
    assert commands_of(restored)[0] == "JOIN" and restored[0].params[0] == "#map"
    texts = [m.params[-1] for m in restored if m.command == "PRIVMSG"]
    assert len(texts) == 1 and texts[0].endswith("kept for later")  # not the live one again
    assert commands_of(restored)[-1] == "PONG"


def test_a_login_that_changed_meanwhile_restores_nothing() -> None:
    harness, worker = held(lobby=None)
    harness.server.accounts.create("dora", *credentials("explorer-map"))
    harness.server.accounts.save_presence({"dora": Presence(("#map",), 0.0)})
    dora, conn = registered(harness, worker, "dora")
    harness.say(dora, "PRIVMSG NickServ :IDENTIFY explorer-map")
    worker.finish_one()  # the password check; the restore's read is next
    assert len(worker.jobs) == 1
    client = harness.server.state.client("dora")
    assert client is not None
    client.account = None  # (as a logout would, while the read ran)
    worker.drain()
    assert "JOIN" not in commands_of(conn.take())
