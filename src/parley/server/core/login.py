"""Checking a password off the event loop, with the throttles that slow down guessing.

SASL PLAIN and SCRAM, NickServ IDENTIFY and DROP, and OPER all end here. A check
costs an argon2 verification (~20 ms) on the worker. A try counts as it starts,
before the hash (a right password gives it back), in three windows of a minute:
per account (or operator name) and address, per account from everywhere (a higher
cap), and per address over all accounts. So concurrent tries count at once, and a
guesser's address is stopped without locking the owner out elsewhere. At most a
few checks per address are in flight at a time, so reconnecting clients cannot
queue unbounded work. An unknown name costs a check like a known one: timing
tells nothing of which accounts exist.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache, partial

from parley.irc.casemap import fold
from parley.server.config import Limits
from parley.server.core.context import Context
from parley.server.core.sources import party
from parley.server.core.throttle import Throttle
from parley.server.passwords import hash_password, verify_password

log = logging.getLogger("parley.core")

MAX_IN_FLIGHT = 8  # password checks under way per address
WINDOW = 60.0  # seconds over which tries are counted
MAX_KEY_NAME = 64  # characters of a name kept as is in a throttle key
KNOWN_FOR = 30 * 86400.0  # seconds an address stays known to an account after a login
MAX_KNOWN = 100_000  # (account, address) pairs remembered; the oldest go first

Checked = Callable[[Context, bool], None]
LoggedIn = Callable[[Context, "str | None"], None]


@dataclass(frozen=True, slots=True)
class Attempt:
    """One password try under way: the keys it was counted under, and when.

    `shown` names it in the log: a real account or operator name, never the name as
    typed (with its arguments swapped, `IDENTIFY <password> <account>` types the
    password there).
    """

    keys: tuple[str, ...]
    host: str
    started: float
    shown: str = "an unknown name"


class LoginGuard:
    """Who may try a password now, and how many checks each address has under way.

    An address the account was logged into from lately is not held to the account's
    cap, only to its own: a guess spread over many addresses does not lock the owner
    out at home.
    """

    def __init__(self) -> None:
        self.tries = Throttle(limit=1, window=WINDOW, max_keys=30_000)
        self.in_flight: Counter[str] = Counter()  # password checks under way, by address
        self.known: dict[str, float] = {}  # "name from address" -> last right password

    def begin(
        self, limits: Limits, name_key: str, host: str, now: float, shown: str | None = None
    ) -> Attempt | None:
        """Count a try on `name_key` from `host`, or None if one of its windows is full."""
        source = party(host)  # an IPv6 user's whole /64 is one address here
        counted: tuple[tuple[str, int], ...] = (
            (f"{name_key} from {source}", limits.login_tries_per_account_address),
            (name_key, limits.login_tries_per_account),
            (f"ip:{source}", limits.login_tries_per_address),
        )
        if self._known(counted[0][0], now):
            counted = (counted[0], counted[2])  # the owner's usual address: not the account's cap
        if any(self.tries.blocked(key, now, limit) for key, limit in counted):
            return None
        for key, _ in counted:
            self.tries.fail(key, now)
        keys = tuple(key for key, _ in counted)
        return Attempt(keys, host, now, shown) if shown else Attempt(keys, host, now)

    def succeeded(self, attempt: Attempt) -> None:
        """A right password: its try is given back, so the owner is never slowed down,
        and the address is known to the account from now on."""
        for key in attempt.keys:
            self.tries.refund(key, attempt.started)
        self.know(attempt.keys[0], attempt.started)

    def know(self, pair: str, when: float) -> None:
        """`pair` ("name from address") is the owner's: not held to the name's own cap."""
        self.known.pop(pair, None)  # to the end: the oldest is the first to go
        if len(self.known) >= MAX_KNOWN:
            self.known.pop(next(iter(self.known)))
        self.known[pair] = when

    def _known(self, pair: str, now: float) -> bool:
        since = self.known.get(pair)
        return since is not None and now - since < KNOWN_FOR


def check_secret(
    ctx: Context,
    name_key: str,
    hashed: str | None,
    password: str,
    then: Checked,
    shown: str | None = None,
) -> None:
    """Check `password` against `hashed` (None: no such name) and call `then(ctx, right)`.

    `shown` is what the log may call the name: given only for one that exists.
    """
    server = ctx.server
    guard = server.logins
    host = party(ctx.session.conn.host)
    if guard.in_flight[host] >= MAX_IN_FLIGHT:
        log.debug("too many password checks at once from %s", host)
        then(ctx, False)
        return
    now = ctx.state.clock.monotonic()
    attempt = guard.begin(server.config.limits, name_key, host, now, shown)
    if attempt is None:
        log.debug("throttled password check for %s from %s", shown or "an unknown name", host)
        then(ctx, False)
        return
    guard.in_flight[host] += 1
    ctx.defer(
        partial(_matches, hashed, password),
        partial(_answer, then),
        partial(_settle, server.logins, attempt),
    )


def account_key(name: str) -> str:
    """The throttles' key for an account name as typed; a long one (no account has such
    a name) is kept as a digest, so guessers' names cost the throttle little memory."""
    folded = fold(name)
    if len(folded) > MAX_KEY_NAME:
        folded = hashlib.sha256(folded.encode()).hexdigest()[:32]
    return f"account:{folded}"


def verify_login(ctx: Context, account_name: str, password: str, then: LoggedIn) -> None:
    """Check an account's password; `then(ctx, the account's name or None)`."""
    account = ctx.server.accounts.get(account_name)
    hashed = account.password_hash if account is not None else None
    name = account.name if account is not None else None
    key = account_key(account_name)
    shown = f"account {name}" if name is not None else None
    check_secret(ctx, key, hashed, password, partial(_named, name, then), shown)


def _matches(hashed: str | None, password: str) -> bool:
    """On the worker: the argon2 check; a missing name is checked against a decoy.

    It never raises, so that the bookkeeping in `_settle` always runs.
    """
    try:
        return verify_password(hashed or decoy_hash(), password) and hashed is not None
    except Exception as exc:  # out of memory for argon2, say: a failed try, said once here
        log.error("a password check could not run: %s", type(exc).__name__)
        return False


@cache
def decoy_hash() -> str:
    """A hash of nothing anyone knows, checked in place of a missing account's."""
    return hash_password(secrets.token_hex(16))


def _settle(guard: LoginGuard, attempt: Attempt, right: bool) -> None:
    """Bookkeeping that holds even if the session left before the answer."""
    host = attempt.host
    guard.in_flight[host] -= 1
    if guard.in_flight[host] <= 0:
        del guard.in_flight[host]
    if right:
        guard.succeeded(attempt)
    else:
        log.info("failed password check for %s from %s", attempt.shown, host)


def _answer(then: Checked, ctx: Context, right: bool) -> None:
    then(ctx, right)


def _named(name: str | None, then: LoggedIn, ctx: Context, right: bool) -> None:
    then(ctx, name if right else None)
