"""Password guessing from many addresses at once, against the core with a worker the
test runs by hand: how many checks really run, and that the owner still gets in."""

from __future__ import annotations

import base64
from typing import Any

import pytest

from core.fake import FakeConnection, Harness, commands_of
from core.test_slow_work import HeldWorker, plain
from parley.server.config import Limits, Oper
from parley.server.core.session import Session
from parley.server.passwords import credentials, hash_password
from support.scram_client import client_proof

LIMITS = Limits()


def setup(**changes: Any) -> tuple[Harness, HeldWorker]:
    worker = HeldWorker()
    harness = Harness(worker=worker, **changes)
    harness.server.accounts.create("alice", *credentials("correct horse"))
    return harness, worker


def try_plain(harness: Harness, host: str, account: str, password: str) -> FakeConnection:
    """A new connection from `host` that sends one SASL PLAIN try (answered or not yet)."""
    session, conn = harness.connect(host)
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN")
    conn.take()
    harness.say(session, f"AUTHENTICATE {plain(account, password)}")
    return conn


def test_checks_on_one_account_are_bounded_however_many_addresses_try_at_once() -> None:
    harness, worker = setup()
    conns = [
        try_plain(harness, f"203.0.113.{address}", "alice", f"guess{address}-{n}")
        for address in range(16)
        for n in range(8)
    ]  # 128 tries at once, none answered before the others start
    refused_at_once = sum(commands_of(c.take()) == ["904"] for c in conns)
    ran = worker.drain()
    assert ran == LIMITS.login_tries_per_account
    assert refused_at_once == len(conns) - ran
    # Within the minute nothing more is checked, from old addresses or new ones.
    try_plain(harness, "203.0.113.1", "alice", "again")
    try_plain(harness, "198.51.100.200", "alice", "again")
    assert worker.drain() == 0
    harness.clock.advance(61)
    try_plain(harness, "203.0.113.1", "alice", "later")
    assert worker.drain() == 1


def test_one_address_gets_a_few_tries_on_an_account() -> None:
    harness, worker = setup()
    conns = [try_plain(harness, "203.0.113.9", "alice", f"guess{n}") for n in range(8)]
    assert worker.drain() == LIMITS.login_tries_per_account_address
    assert [commands_of(c.take()) for c in conns] == [["904"]] * 8


def test_the_owner_logs_in_from_another_address_while_the_guesser_is_throttled() -> None:
    harness, worker = setup()
    for n in range(LIMITS.login_tries_per_account_address):
        try_plain(harness, "203.0.113.9", "alice", f"guess{n}")
        worker.drain()
    guesser = try_plain(harness, "203.0.113.9", "alice", "correct horse")
    assert worker.jobs == []  # refused without a check, even the right password
    assert commands_of(guesser.take()) == ["904"]
    owner = try_plain(harness, "198.51.100.7", "alice", "correct horse")
    assert worker.drain() == 1
    assert commands_of(owner.take())[-1] == "903"


def test_the_owner_identifies_while_another_address_is_throttled() -> None:
    harness, worker = setup()
    harness.server.accounts.create("bob", *credentials("bobs-password"))
    guesser, _ = harness.connect("203.0.113.9")
    harness.say(guesser, "NICK mallory", "USER m 0 * :m")
    for n in range(LIMITS.login_tries_per_account_address + 2):
        harness.say(guesser, f"PRIVMSG NickServ :IDENTIFY bob guess{n}")
    checks = worker.drain()
    assert checks == LIMITS.login_tries_per_account_address
    owner, _ = harness.connect("198.51.100.7")
    harness.say(owner, "NICK bob", "USER b 0 * :b", "PRIVMSG NickServ :IDENTIFY bobs-password")
    worker.drain()
    assert owner.account == "bob"


def test_oper_guessing_is_throttled_per_address_without_locking_out_the_operator() -> None:
    # (no lobby: joining it would read its history on the worker too)
    harness, worker = setup(lobby=None, opers=(Oper("boss", hash_password("op-secret")),))
    guesser, _ = harness.connect("203.0.113.9")
    harness.say(guesser, "NICK mallory", "USER m 0 * :m")
    for n in range(LIMITS.login_tries_per_account_address + 3):
        harness.say(guesser, f"OPER boss guess{n}")
    assert worker.drain() == LIMITS.login_tries_per_account_address
    harness.say(guesser, "OPER boss op-secret")
    assert worker.drain() == 0
    assert not harness.server.state.client("mallory").is_oper  # type: ignore[union-attr]
    boss, _ = harness.connect("198.51.100.7")
    harness.say(boss, "NICK boss", "USER b 0 * :b", "OPER boss op-secret")
    assert worker.drain() == 1
    assert harness.server.state.client("boss").is_oper  # type: ignore[union-attr]


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def scram_first(harness: Harness, host: str, name: str) -> tuple[Session, FakeConnection, str]:
    """Start a SCRAM exchange from `host`: the server-first message, or "" if refused."""
    session, conn = harness.connect(host)
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE SCRAM-SHA-256")
    conn.take()
    harness.say(session, f"AUTHENTICATE {b64(f'n,,n={name},r=clientnonce')}")
    (reply,) = conn.take()
    if reply.command == "904":
        return session, conn, ""
    return session, conn, base64.b64decode(reply.params[0]).decode()


def scram_finish(harness: Harness, session: Session, conn: FakeConnection, first: str,
                 password: str) -> list[str]:  # fmt: skip
    nonce = dict(part.split("=", 1) for part in first.split(","))["r"]
    final, _ = client_proof(password, "n=alice,r=clientnonce", first, nonce)
    harness.say(session, f"AUTHENTICATE {b64(final)}")
    replies = commands_of(conn.take())
    if replies == ["AUTHENTICATE"]:  # the server's signature: acknowledged
        harness.say(session, "AUTHENTICATE +")
        replies = commands_of(conn.take())
    return replies


def test_scram_tries_count_as_they_start_per_account_and_address() -> None:
    harness, _ = setup()
    started = [scram_first(harness, "203.0.113.9", "alice")[2] for _ in range(8)]
    assert sum(bool(first) for first in started) == LIMITS.login_tries_per_account_address
    # From many addresses, the account's own cap holds.
    more = [scram_first(harness, f"198.51.100.{n}", "alice")[2] for n in range(40)]
    allowed = LIMITS.login_tries_per_account - LIMITS.login_tries_per_account_address
    assert sum(bool(first) for first in more) == allowed


def test_the_owner_logs_in_with_scram_while_a_scram_guesser_is_throttled() -> None:
    harness, _ = setup()
    for _ in range(LIMITS.login_tries_per_account_address):
        session, conn, first = scram_first(harness, "203.0.113.9", "alice")
        assert scram_finish(harness, session, conn, first, "wrong") == ["904"]
    assert scram_first(harness, "203.0.113.9", "alice")[2] == ""  # throttled
    session, conn, first = scram_first(harness, "198.51.100.7", "alice")
    assert scram_finish(harness, session, conn, first, "correct horse") == ["900", "903"]
    for _ in range(10):  # the owner's right logins are given back: never throttled
        session, conn, first = scram_first(harness, "198.51.100.7", "alice")
        assert scram_finish(harness, session, conn, first, "correct horse") == ["900", "903"]


def owners_wait(harness: Harness, worker: HeldWorker, attackers: list[str], owner: str) -> int:
    """Queue 8 checks from each attacker address (as many as one may have at once), then
    the owner's login: how many checks ran before the owner's."""
    for number, host in enumerate(attackers):
        for n in range(8):
            try_plain(harness, host, f"nobody{number}x{n}", "guess")
    conn = try_plain(harness, owner, "alice", "correct horse")
    ran = 0
    while not conn.sent:
        worker.finish_one()
        ran += 1
    assert commands_of(conn.take())[-1] == "903"
    assert len(worker.jobs) + len(harness.server.jobs) == 8 * len(attackers) - ran + 1
    return ran - 1  # its own check was the last of these


def test_a_login_waits_for_one_check_per_other_address_not_for_all() -> None:
    harness, worker = setup()
    attackers = [f"10.{n}.0.1" for n in range(20)]  # 160 checks queued, 20 networks
    assert owners_wait(harness, worker, attackers, "198.51.100.7") <= 20 + 2


def test_many_addresses_of_one_network_get_one_turn_between_others() -> None:
    harness, worker = setup()
    attackers = [f"203.0.113.{n}" for n in range(20)]  # one /24
    assert owners_wait(harness, worker, attackers, "198.51.100.7") <= 2 + 1


def test_a_login_from_the_attackers_own_network_still_gets_its_turn() -> None:
    harness, worker = setup()
    attackers = [f"203.0.113.{n}" for n in range(20)]
    assert owners_wait(harness, worker, attackers, "203.0.113.200") <= 20 + 2


def test_an_ipv6_users_whole_64_counts_as_one_address() -> None:
    harness, worker = setup()
    for n in range(8):
        try_plain(harness, f"2001:db8:0:1::{n + 1}", "alice", f"guess{n}")
    assert worker.drain() == LIMITS.login_tries_per_account_address
    owner = try_plain(harness, "2001:db8:0:2::1", "alice", "correct horse")  # another /64
    assert worker.drain() == 1
    assert commands_of(owner.take())[-1] == "903"


def test_the_queue_takes_addresses_in_turn() -> None:
    from parley.server.core.worker import FairQueue

    worker = HeldWorker()
    queue = FairQueue(worker, capacity=2)
    ran: list[str] = []
    for n in range(800):
        queue.submit(("203.0.113.0/24", "203.0.113.1"), lambda n=n: f"a{n}", ran.append)
    queue.submit(("198.51.100.0/24", "198.51.100.7"), lambda: "owner", ran.append)
    assert len(worker.jobs) == 2 and len(queue) == 799
    while "owner" not in ran:
        worker.finish_one()
    assert ran == ["a0", "a1", "owner"]
    assert worker.drain() == 798
    assert queue.running == 0 and len(queue) == 0


def test_long_names_cost_the_throttle_a_short_key_each() -> None:
    harness, worker = setup()
    for n in range(3):
        try_plain(harness, "203.0.113.9", f"{n}{'x' * 250}", "guess")
    assert worker.drain() == 3
    keys = harness.server.logins.tries._failures  # what the throttle holds
    assert len(keys) == 3 * 2 + 1  # per name and address, per name; the address
    assert max(len(key) for key in keys) < 100


def test_nickserv_named_twice_in_one_line_runs_one_check() -> None:
    harness, worker = setup()
    session, conn = harness.user("alice")
    harness.say(session, "PRIVMSG NickServ,NickServ,NickServ :IDENTIFY correct")
    assert worker.drain() == 1
    assert harness.server.stats.handler_errors == 0
    notices = [m.params[-1] for m in conn.take() if m.command == "NOTICE"]
    assert "One NickServ command at a time." in notices


def test_a_check_that_cannot_run_still_frees_its_place(monkeypatch: pytest.MonkeyPatch) -> None:
    from parley.server.core import login

    def broken(hashed: str, password: str) -> bool:
        raise MemoryError

    harness, worker = setup()
    monkeypatch.setattr(login, "verify_password", broken)
    conns = [try_plain(harness, "203.0.113.9", f"name{n}", "guess") for n in range(3)]
    assert worker.drain() == 3
    assert [commands_of(c.take()) for c in conns] == [["904"]] * 3
    assert harness.server.logins.in_flight == {}  # nothing left counted as under way
    assert harness.server.stats.handler_errors == 0


def test_a_guess_spread_over_many_addresses_does_not_lock_the_owner_out_at_home() -> None:
    harness, worker = setup()
    home = try_plain(harness, "198.51.100.7", "alice", "correct horse")
    worker.drain()
    assert commands_of(home.take())[-1] == "903"
    for address in range(8):  # 40 guesses: the account's own cap (20) is spent
        for n in range(5):
            try_plain(harness, f"10.{address}.0.1", "alice", f"guess{n}")
    assert worker.drain() == LIMITS.login_tries_per_account
    elsewhere = try_plain(harness, "192.0.2.50", "alice", "correct horse")
    assert worker.drain() == 0  # a new address waits out the minute
    assert commands_of(elsewhere.take()) == ["904"]
    home = try_plain(harness, "198.51.100.7", "alice", "correct horse")
    assert worker.drain() == 1  # the owner's usual address is held to its own window only
    assert commands_of(home.take())[-1] == "903"
    for n in range(LIMITS.login_tries_per_account_address):
        try_plain(harness, "198.51.100.7", "alice", f"typo{n}")
    assert worker.drain() == LIMITS.login_tries_per_account_address
    try_plain(harness, "198.51.100.7", "alice", "another typo")
    assert worker.drain() == 0  # and that window holds there too
