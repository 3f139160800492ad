"""E-mail verification in the core: guessing codes, floods of pending registrations, expiry.

The mail command is `true` (a real command that takes the message and says it
is sent); the codes are read from the server's pending registrations.
"""

from __future__ import annotations

from fake import FakeConnection, Harness

from parley.irc.message import Message
from parley.server.config import Mail, Registration
from parley.server.core.pending import CODE_ALPHABET, CODE_LENGTH
from parley.server.core.session import Session
from parley.server.mail import valid_address

PASSWORD = "correct horse battery"


def harness(**limits: int) -> Harness:
    return Harness(
        registration=Registration(email_required=True, code_lifetime=600.0),
        mail=Mail(command=("true",)),
        limits=limits,
    )


def registered(h: Harness, nick: str, host: str) -> tuple[Session, FakeConnection]:
    session, conn = h.connect(host)
    h.say(session, f"NICK {nick}", f"USER {nick} 0 * :{nick}")
    conn.take()
    return session, conn


def answer(conn: FakeConnection, command: str = "REGISTER") -> Message:
    return next(m for m in conn.take() if m.command in (command, "FAIL"))


def code_of(h: Harness, name: str) -> str:
    pending = h.server.pending.get(name, h.clock.monotonic())
    assert pending is not None
    return pending.code


def test_codes_are_random_and_long() -> None:
    h = harness()
    codes = set()
    for i in range(8):
        session, conn = registered(h, f"user{i}", f"198.51.100.{i}")
        h.say(session, f"REGISTER * user{i}@example.org :{PASSWORD}")
        assert answer(conn).params[0] == "VERIFICATION_REQUIRED"
        code = code_of(h, f"user{i}")
        assert len(code) == CODE_LENGTH and set(code) <= set(CODE_ALPHABET)
        codes.add(code)
    assert len(codes) == 8


def test_guessing_a_code_is_throttled_like_a_password() -> None:
    h = harness()
    owner, owner_conn = registered(h, "alice", "192.0.2.1")
    h.say(owner, f"REGISTER * alice@example.org :{PASSWORD}")
    assert answer(owner_conn).params[0] == "VERIFICATION_REQUIRED"
    code = code_of(h, "alice")
    limits = h.server.config.limits
    guesser, conn = registered(h, "mallory", "203.0.113.9")
    answers = []
    for i in range(12):
        h.say(guesser, f"VERIFY alice GUESS{i:06d}")
        answers.append(answer(conn, "VERIFY").params[1])
    each = limits.login_tries_per_account_address
    assert answers[:each] == ["INVALID_CODE"] * each
    assert set(answers[each:]) == {"TEMPORARILY_UNAVAILABLE"}
    h.say(guesser, f"VERIFY alice {code}")  # even the right code, while throttled
    assert answer(conn, "VERIFY").params[1] == "TEMPORARILY_UNAVAILABLE"
    for n in range(limits.login_tries_per_account // each):  # the account's cap, from many
        other, other_conn = registered(h, f"bot{n}", f"203.0.113.{100 + n}")
        for i in range(each):
            h.say(other, f"VERIFY alice BOT{n}{i:05d}")
            other_conn.take()
    stranger, stranger_conn = registered(h, "stranger", "198.51.100.77")
    h.say(stranger, f"VERIFY alice {code}")
    assert answer(stranger_conn, "VERIFY").params[1] == "TEMPORARILY_UNAVAILABLE"
    h.say(owner, f"VERIFY alice {code}")  # the address that registered is not held up
    assert answer(owner_conn, "VERIFY").params[:2] == ("SUCCESS", "alice")
    assert owner.account == "alice" and guesser.account is None


def test_a_verify_for_a_name_with_nothing_pending_is_an_invalid_code() -> None:
    h = harness()
    session, conn = registered(h, "bob", "192.0.2.2")
    for line in ("VERIFY nobody ABCDEFGHJK", "VERIFY bob ABCDEFGHJK", "VERIFY * *"):
        h.say(session, line)
        assert answer(conn, "VERIFY").params[1] == "INVALID_CODE"
    h.say(session, "VERIFY " + "x" * 400 + " " + "y" * 60)
    assert answer(conn, "VERIFY").params[1] == "INVALID_CODE"


def test_thousands_of_pending_registrations_meet_the_total_cap() -> None:
    h = harness(pending_registrations=10)
    outcomes = []
    for i in range(1000):  # each from its own address: only the total cap holds them
        session, conn = registered(h, f"n{i}", f"10.{i // 250}.{i % 250}.1")
        h.say(session, f"REGISTER * n{i}@example{i}.org :{PASSWORD}")
        outcomes.append(answer(conn).params[:2])
        h.server.end_session(session, "done", None)
    assert outcomes[:10] == [("VERIFICATION_REQUIRED", f"n{i}") for i in range(10)]
    assert {o[1] for o in outcomes[10:]} == {"TEMPORARILY_UNAVAILABLE"}  # before any hashing
    assert len(h.server.pending) == 10
    h.clock.advance(601)  # they expire, and make room
    session, conn = registered(h, "late", "10.9.9.9")
    h.say(session, f"REGISTER * late@example.org :{PASSWORD}")
    assert answer(conn).params[0] == "VERIFICATION_REQUIRED"
    assert len(h.server.pending) == 1


def test_one_e_mail_address_holds_only_a_few_registrations() -> None:
    h = harness()
    each = h.server.config.limits.pending_registrations_per_address
    outcomes = []
    for i in range(each + 2):
        session, conn = registered(h, f"v{i}", f"172.16.0.{i}")
        h.say(session, f"REGISTER * Victim@Example.org :{PASSWORD}")
        reply = answer(conn)
        outcomes.append(reply.params[0] if reply.command == "REGISTER" else reply.params[1])
    assert outcomes == ["VERIFICATION_REQUIRED"] * each + ["TEMPORARILY_UNAVAILABLE"] * 2


def test_an_expired_code_is_refused_and_frees_the_name() -> None:
    h = harness()
    session, conn = registered(h, "carol", "192.0.2.3")
    h.say(session, f"REGISTER * carol@example.org :{PASSWORD}")
    code = code_of(h, "carol")
    conn.take()
    h.clock.advance(601)
    h.say(session, f"VERIFY carol {code}")
    assert answer(conn, "VERIFY").params[1] == "INVALID_CODE"
    other, other_conn = registered(h, "carol2", "192.0.2.4")
    h.say(other, "NICK carol")  # in use, but REGISTER looks at the name asked for
    h.say(other, f"REGISTER carol carol@example.org :{PASSWORD}")
    assert answer(other_conn).params[1] != "ACCOUNT_EXISTS"


def test_a_second_register_from_the_same_session_replaces_its_first() -> None:
    h = harness()
    session, conn = registered(h, "dave", "192.0.2.5")
    h.say(session, f"REGISTER * dave@exmaple.org :{PASSWORD}")  # a typo in the address
    first = code_of(h, "dave")
    h.clock.advance(700)  # (the registration throttle's window)
    h.say(session, f"REGISTER * dave@example.org :{PASSWORD}")
    conn.take()
    assert h.server.pending.get("dave", h.clock.monotonic()) is not None
    h.say(session, f"VERIFY dave {first}")
    assert answer(conn, "VERIFY").params[1] == "INVALID_CODE"
    h.say(session, f"VERIFY dave {code_of(h, 'dave')}")
    assert answer(conn, "VERIFY").params[0] == "SUCCESS"


def test_nickserv_register_needs_an_address_and_verify_finishes_it() -> None:
    h = harness()
    session, conn = registered(h, "erin", "192.0.2.6")
    h.say(session, "PRIVMSG NickServ :REGISTER horse-battery")
    assert "<email>" in conn.take()[-1].params[-1]
    h.say(session, "PRIVMSG NickServ :REGISTER horse-battery not-an-address")
    assert "not an e-mail address" in conn.take()[-1].params[-1]
    h.say(session, "PRIVMSG NickServ :REGISTER horse-battery erin@example.org")
    assert "VERIFY" in conn.take()[-1].params[-1]
    h.say(session, f"PRIVMSG NickServ :VERIFY erin {code_of(h, 'erin')}")
    assert session.account == "erin"


def test_address_checks() -> None:
    good = ["a@example.org", "first.last+tag@sub.example.co.uk", "x_y@a-b.io", "o'brien@ex.ie"]
    bad = [
        "",
        "@example.org",
        "a@",
        "a@example.org\r\nBcc: b@example.org",
        "a@example.org\nBcc: b@example.org",
        "a\x00@example.org",
        "a @example.org",
        "a@-example.org",
        "a@example-.org",
        ".a@example.org",
        "a.@example.org",
        "a@example..org",
        "a" * 65 + "@example.org",
        "a@" + ".".join(["b" * 63] * 4) + ".org",
        "a@localhost",
        "-f@example.org",
    ]
    assert all(valid_address(a) for a in good)
    assert not any(valid_address(a) for a in bad)
