"""Registrations waiting for their e-mail code: held in memory, bounded, and short-lived.

The account is made only once VERIFY gives the code, so an unverified one cannot
log in: it does not exist yet. Until then its name is held (no one else may
register it) for `code_lifetime` seconds. Codes come from `secrets`, are single-use,
and are compared in constant time; tries are counted by the login throttles.
A restart forgets what is pending: the user registers again.
"""

from __future__ import annotations

import hmac
import secrets
from collections import Counter
from dataclasses import dataclass

from parley.irc.casemap import fold
from parley.server.config import Limits

# Letters and digits that cannot be mistaken for one another when copied by hand.
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
CODE_LENGTH = 10  # 32**10: 50 bits, against at most a few hundred tries an hour


@dataclass(frozen=True, slots=True)
class Pending:
    """One registration waiting for its code."""

    name: str
    email: str
    keys: tuple[str, str]  # the password's argon2 hash and SCRAM credentials
    code: str
    party: str  # the address it came from (an IPv6 /64)
    session: int  # the session that sent it, which may send it again (a mistyped address)
    expires: float  # monotonic


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normal_code(typed: str) -> str:
    """A code as typed, the way it is compared: upper case, without spaces or dashes."""
    return typed.upper().replace("-", "").replace(" ", "")


class PendingRegistrations:
    """The registrations waiting for a code, by folded account name."""

    def __init__(self) -> None:
        self._by_name: dict[str, Pending] = {}
        self._by_party: Counter[str] = Counter()
        self._by_email: Counter[str] = Counter()

    def __len__(self) -> int:
        return len(self._by_name)

    def get(self, name: str, now: float) -> Pending | None:
        """The registration of `name` still waiting, if any."""
        self.expire(now)
        return self._by_name.get(fold(name))

    def room(self, limits: Limits, party: str, email: str, now: float) -> bool:
        """Whether another registration may wait, from `party` for `email`."""
        self.expire(now)
        each = limits.pending_registrations_per_address
        return (
            len(self._by_name) < limits.pending_registrations
            and self._by_party[party] < each
            and self._by_email[email.lower()] < each
        )

    def add(self, pending: Pending) -> None:
        """Hold `pending` (replacing an earlier one for the same name)."""
        self.remove(pending.name)
        self._by_name[fold(pending.name)] = pending
        self._by_party[pending.party] += 1
        self._by_email[pending.email.lower()] += 1

    def remove(self, name: str, only: Pending | None = None) -> Pending | None:
        """Drop the registration of `name` (if `only` is given, only if it is that one)."""
        folded = fold(name)
        pending = self._by_name.get(folded)
        if pending is None or (only is not None and pending is not only):
            return None
        del self._by_name[folded]
        for counter, key in ((self._by_party, pending.party), (self._by_email, pending.email)):
            key = key.lower() if counter is self._by_email else key
            counter[key] -= 1
            if counter[key] <= 0:
                del counter[key]
        return pending

    def take(self, name: str, code: str, now: float) -> Pending | None:
        """The registration of `name` if `code` is its code: then it is used up."""
        pending = self.get(name, now)
        if pending is None:
            return None
        if not hmac.compare_digest(normal_code(code).encode(), pending.code.encode()):
            return None
        self.remove(name)
        return pending

    def expire(self, now: float) -> None:
        """Forget the registrations whose time is up (the oldest are first)."""
        while self._by_name:
            first = next(iter(self._by_name.values()))
            if first.expires > now:
                return
            self.remove(first.name)
