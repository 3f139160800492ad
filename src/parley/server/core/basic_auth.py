"""An account's password checked for a request with no IRC session (an HTTP upload),
under the same throttles and on the same worker queue as a SASL login (login.py)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import TYPE_CHECKING, Any

from parley.server.core.login import MAX_IN_FLIGHT, Attempt, LoginGuard, account_key
from parley.server.core.login import _matches as matches
from parley.server.core.login import _settle as settle
from parley.server.core.sources import network, party
from parley.server.core.worker import guarded

if TYPE_CHECKING:
    from parley.server.core.server import Server

Verdict = Callable[["str | None"], None]  # the account's name, or None: wrong


def check_account_password(
    server: Server, name: str, password: str, host: str, then: Verdict
) -> bool:
    """Start checking `name`'s password for a request from `host`; `then(account name or
    None)` on the loop once it is known. False, and no check, if the address or the
    name has used up its tries for now (the caller says 429)."""
    guard = server.logins
    source = party(host)
    if guard.in_flight[source] >= MAX_IN_FLIGHT:
        return False
    account = server.accounts.get(name)
    hashed = account.password_hash if account is not None else None
    shown = f"account {account.name}" if account is not None else None
    now = server.clock.monotonic()
    attempt = guard.begin(server.config.limits, account_key(name), source, now, shown)
    if attempt is None:
        return False
    guard.in_flight[source] += 1
    real = account.name if account is not None else None
    server.jobs.submit(
        (network(host), source),
        partial(guarded, partial(matches, hashed, password)),
        partial(_done, guard, attempt, real, then),
    )
    return True


def _done(guard: LoginGuard, attempt: Attempt, name: str | None, then: Verdict, right: Any) -> None:
    right = right is True  # a job that failed is a wrong password
    settle(guard, attempt, right)
    then(name if right else None)
