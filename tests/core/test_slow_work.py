"""Password checks run off the event loop: the session waits, everyone else goes on."""

from __future__ import annotations

import base64
from dataclasses import replace

from core.fake import Harness, HeldWorker, commands_of
from parley.server.core.login import MAX_IN_FLIGHT
from parley.server.core.worker import MAX_HELD_LINES
from parley.server.passwords import credentials


def plain(account: str, password: str) -> str:
    return base64.b64encode(f"\0{account}\0{password}".encode()).decode()


def harness_with_account() -> tuple[Harness, HeldWorker]:
    worker = HeldWorker()
    harness = Harness(worker=worker)
    harness.server.accounts.create("alice", *credentials("correct horse"))
    return harness, worker


def test_lines_after_authenticate_wait_for_the_password_check() -> None:
    harness, worker = harness_with_account()
    session, conn = harness.connect()
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
    conn.take()
    harness.say(
        session,
        f"AUTHENTICATE {plain('alice', 'correct horse')}",
        "CAP END",
        "NICK alice",
        "USER alice 0 * :Alice",
    )
    assert conn.take() == []  # nothing answered while the check runs
    assert len(worker.jobs) == 1
    worker.finish_all()
    replies = commands_of(conn.take())
    assert replies[:2] == ["900", "903"]
    assert "001" in replies  # CAP END, NICK and USER ran after the login, in order
    assert harness.server.state.client("alice") is not None
    assert harness.server.state.client("alice").account == "alice"  # type: ignore[union-attr]


def test_others_are_served_while_a_check_runs() -> None:
    harness, worker = harness_with_account()
    waiting, _ = harness.connect()
    harness.say(
        waiting, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain('alice', 'x')}"
    )
    bob, bob_conn = harness.user("bob")
    harness.say(bob, "PING :still-here")
    assert commands_of(bob_conn.take()) == ["PONG"]
    assert len(worker.jobs) == 1


def test_wrong_password_fails_only_once_the_check_is_done() -> None:
    harness, worker = harness_with_account()
    session, conn = harness.connect()
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
    conn.take()
    harness.say(session, f"AUTHENTICATE {plain('alice', 'nope')}")
    assert conn.take() == []
    worker.finish_all()
    assert commands_of(conn.take()) == ["904"]


def test_a_right_password_is_not_counted_as_a_failure() -> None:
    harness, worker = harness_with_account()
    for _ in range(6):  # more than the 5 failures a minute the throttle allows
        session, conn = harness.connect()
        harness.say(
            session, "CAP REQ sasl", "AUTHENTICATE PLAIN",
            f"AUTHENTICATE {plain('alice', 'correct horse')}",
        )  # fmt: skip
        worker.finish_all()
        assert "903" in commands_of(conn.take())


def test_checks_in_flight_from_one_address_are_capped() -> None:
    harness, worker = harness_with_account()
    harness.server.config = replace(
        harness.server.config,
        limits=replace(
            harness.server.config.limits,
            login_tries_per_account_address=100,
            login_tries_per_account=100,
            login_tries_per_address=100,
        ),
    )
    conns = []
    for _ in range(MAX_IN_FLIGHT + 2):
        session, conn = harness.connect()
        harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
        conn.take()
        harness.say(session, f"AUTHENTICATE {plain('alice', 'correct horse')}")
        conns.append(conn)
    assert [commands_of(c.take()) for c in conns[MAX_IN_FLIGHT:]] == [["904"], ["904"]]
    assert worker.drain() == MAX_IN_FLIGHT
    assert all("903" in commands_of(c.take()) for c in conns[:MAX_IN_FLIGHT])


def test_failures_count_even_when_the_guesser_hangs_up_first() -> None:
    harness, worker = harness_with_account()
    for _ in range(5):
        session, _ = harness.connect()
        harness.say(
            session, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain('alice', 'guess')}"
        )
        harness.server.disconnect(session, "Connection closed")
    worker.drain()
    session, conn = harness.connect()  # the guesser's address again
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
    conn.take()
    harness.say(session, f"AUTHENTICATE {plain('alice', 'correct horse')}")
    assert worker.jobs == []  # refused without a check: that address's tries are used up
    assert commands_of(conn.take()) == ["904"]


def test_unknown_account_costs_a_check_like_a_known_one() -> None:
    harness, worker = harness_with_account()
    session, conn = harness.connect()
    harness.say(
        session, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain('nobody', 'x')}"
    )
    assert len(worker.jobs) == 1
    worker.finish_all()
    assert "904" in commands_of(conn.take())


def test_flooding_while_a_check_runs_closes_the_link() -> None:
    harness, worker = harness_with_account()
    session, conn = harness.connect()
    harness.say(
        session, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain('alice', 'x')}"
    )
    harness.say(session, *["PING :x"] * (MAX_HELD_LINES + 1))
    assert conn.closed_with == ["Excess flood"]
    worker.finish_all()  # the late result goes nowhere
    assert not any(b"904" in data for data in conn.sent)


def test_a_session_gone_before_its_check_ends_gets_nothing() -> None:
    harness, worker = harness_with_account()
    session, conn = harness.connect()
    harness.say(
        session,
        "CAP REQ sasl",
        "AUTHENTICATE PLAIN",
        f"AUTHENTICATE {plain('alice', 'correct horse')}",
    )
    harness.server.disconnect(session, "Connection closed")
    conn.take()
    worker.finish_all()
    assert conn.take() == []
    assert session.account is None


def test_nickserv_identify_and_oper_wait_for_their_checks_too() -> None:
    from parley.server.config import Oper
    from parley.server.passwords import hash_password

    worker = HeldWorker()
    harness = Harness(worker=worker, lobby=None, opers=(Oper("boss", hash_password("op-secret")),))
    harness.server.accounts.create("carol", *credentials("correct-horse"))
    session, conn = harness.user("carol")
    harness.say(session, "PRIVMSG NickServ :IDENTIFY correct-horse", "OPER boss op-secret")
    assert len(worker.jobs) == 1  # OPER waits behind IDENTIFY's check
    worker.finish_all()
    assert len(worker.jobs) == 1  # ...and behind the read of carol's channels and messages
    worker.finish_all()
    assert len(worker.jobs) == 1  # now OPER's own check
    worker.finish_all()
    replies = conn.take()
    texts = [m.params[-1] for m in replies if m.command == "NOTICE"]
    assert "You are now logged in as carol." in texts
    assert commands_of(replies)[-2:] == ["381", "MODE"]
