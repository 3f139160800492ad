"""Checking a password off the event loop, with the throttles that slow down guessing.

SASL PLAIN, NickServ IDENTIFY and DROP, and OPER all end here. A check costs an
argon2 verification (~20 ms) on the worker. Failures count per account (or operator
name) and per address, 5 a minute; past that, tries fail at once with no check. At
most a few checks per address are in flight at a time, so reconnecting clients cannot
queue unbounded work. An unknown name costs a check like a known one: timing tells
nothing of which accounts exist.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import cache, partial
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.server.core.context import Context
from parley.server.passwords import hash_password, verify_password

if TYPE_CHECKING:
    from parley.server.core.server import Server

log = logging.getLogger("parley.core")

MAX_IN_FLIGHT = 8  # password checks under way per address

Checked = Callable[[Context, bool], None]
LoggedIn = Callable[[Context, "str | None"], None]


def check_secret(
    ctx: Context, name_key: str, hashed: str | None, password: str, then: Checked
) -> None:
    """Check `password` against `hashed` (None: no such name) and call `then(ctx, right)`."""
    server = ctx.server
    host = ctx.session.conn.host
    keys = (name_key, f"ip:{host}")
    now = ctx.state.clock.monotonic()
    if any(server.login_throttle.blocked(key, now) for key in keys):
        log.info("throttled password check for %s from %s", name_key, host)
        then(ctx, False)
        return
    if server.checks_in_flight[host] >= MAX_IN_FLIGHT:
        log.info("too many password checks at once from %s", host)
        then(ctx, False)
        return
    server.checks_in_flight[host] += 1
    ctx.defer(
        partial(_matches, hashed, password),
        partial(_answer, then),
        partial(_settle, server, keys, host),
    )


def verify_login(ctx: Context, account_name: str, password: str, then: LoggedIn) -> None:
    """Check an account's password; `then(ctx, the account's name or None)`."""
    account = ctx.server.accounts.get(account_name)
    hashed = account.password_hash if account is not None else None
    name = account.name if account is not None else None
    check_secret(
        ctx, f"account:{fold(account_name)}", hashed, password, partial(_named, name, then)
    )


def _matches(hashed: str | None, password: str) -> bool:
    """On the worker: the argon2 check; a missing name is checked against a decoy."""
    return verify_password(hashed or decoy_hash(), password) and hashed is not None


@cache
def decoy_hash() -> str:
    """A hash of nothing anyone knows, checked in place of a missing account's."""
    return hash_password(secrets.token_hex(16))


def _settle(server: Server, keys: tuple[str, str], host: str, right: bool) -> None:
    """Bookkeeping that holds even if the session left before the answer."""
    server.checks_in_flight[host] -= 1
    if server.checks_in_flight[host] <= 0:
        del server.checks_in_flight[host]
    if not right:
        now = server.clock.monotonic()
        for key in keys:
            server.login_throttle.fail(key, now)
        log.info("failed password check for %s from %s", keys[0], host)


def _answer(then: Checked, ctx: Context, right: bool) -> None:
    then(ctx, right)


def _named(name: str | None, then: LoggedIn, ctx: Context, right: bool) -> None:
    then(ctx, name if right else None)
