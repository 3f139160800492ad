"""Passwords never reach the log: not with IDENTIFY's arguments swapped, not when a
guesser is throttled, not when a handler fails on a line that carries one."""

from __future__ import annotations

import base64
import logging

import pytest

from core.fake import Harness
from parley.server.config import Oper
from parley.server.passwords import credentials, hash_password
from parley.server.store.accounts import Account, MemoryAccountStore

SECRET = "tr0ub4dor-and-3"  # lower case: the log once showed it folded


def everything_logged(caplog: pytest.LogCaptureFixture) -> str:
    """Each record as a handler would write it, traceback included."""
    formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
    return "\n".join(formatter.format(record) for record in caplog.records)


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def test_swapped_identify_arguments_are_never_logged(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)
    harness = Harness(opers=(Oper("boss", hash_password("op-secret")),))
    harness.server.accounts.create("alice", *credentials(SECRET))
    session, _ = harness.user("alice")
    for _ in range(12):  # past every throttle, so the refusals are logged too
        harness.say(session, f"PRIVMSG NickServ :IDENTIFY {SECRET} alice")
        harness.say(session, f"PRIVMSG NickServ :LOGIN {SECRET} alice")
    harness.say(session, f"OPER {SECRET} boss", f"OPER boss {SECRET}")
    other, _ = harness.connect("198.51.100.3")
    harness.say(other, f"PASS {SECRET}", "CAP REQ sasl", "AUTHENTICATE PLAIN")
    swapped = b64(f"{SECRET}\0{SECRET}\0alice")
    harness.say(other, f"AUTHENTICATE {swapped}")
    harness.say(other, "AUTHENTICATE SCRAM-SHA-256", f"AUTHENTICATE {b64(f'n,,n={SECRET},r=x')}")
    harness.say(other, f"REGISTER {SECRET} * {SECRET}")
    logged = everything_logged(caplog)
    assert "failed password check" in logged  # the failures are there, named safely
    assert SECRET not in logged


class FailingStore(MemoryAccountStore):
    """A store whose lookups fail, quoting the name asked for, as a driver's error may."""

    def get(self, name: str) -> Account | None:
        raise RuntimeError(f"lookup failed for {name!r}")


def test_a_failing_handler_does_not_log_the_password_it_was_given(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    harness = Harness()
    harness.server.accounts = FailingStore()
    seen: list[object] = []
    harness.server.state.observers.append(seen.append)
    session, _ = harness.connect()
    harness.say(session, "NICK alice", "USER a 0 * :a")
    harness.say(session, f"PRIVMSG NickServ :IDENTIFY {SECRET} alice")
    plain = b64(f"\0{SECRET}\0x")
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE PLAIN", f"AUTHENTICATE {plain}")
    assert harness.server.stats.handler_errors >= 2
    logged = everything_logged(caplog)
    assert "Traceback" in logged and "RuntimeError" in logged  # where it failed is kept
    assert SECRET not in logged
    assert SECRET not in repr(seen)  # nor in what the console is told
