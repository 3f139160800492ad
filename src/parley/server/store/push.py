"""Web Push subscriptions (IRCv3 draft/webpush) in parley.db, by account.

A subscription is a browser's endpoint URL and the keys its pushes are encrypted to.
The endpoint names it: registered again, by the same account or another, it is
replaced. An account's go with it when it is deleted (a trigger in the schema).
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass
from pathlib import Path

from parley.irc.casemap import fold
from parley.server.store.schema import connect, writing


@dataclass(frozen=True, slots=True)
class Subscription:
    """Where pushes for an account go, and the keys they are encrypted to (base64url)."""

    account: str  # folded
    endpoint: str
    p256dh: str
    auth: str

    def __repr__(self) -> str:  # the keys and the endpoint's path are the browser's secrets
        return f"Subscription({self.account!r}, {_origin(self.endpoint)!r})"


def _origin(endpoint: str) -> str:
    """The scheme and host of an endpoint, what logs may show of it."""
    scheme, _, rest = endpoint.partition("://")
    return f"{scheme}://{rest.split('/', 1)[0]}"


class SqlitePushStore:
    """Subscriptions in parley.db, written at once (a user's explicit request)."""

    def __init__(self, path: Path) -> None:
        self._db = connect(Path(path), synchronous="FULL")
        self._lock = threading.Lock()  # one connection, used from worker threads

    def all(self) -> list[Subscription]:
        """Every subscription, read at start."""
        with self._lock:
            rows = self._db.execute(
                "SELECT account, endpoint, p256dh, auth FROM push_subscriptions"
            ).fetchall()
        return [Subscription(*map(str, row)) for row in rows]

    def add(self, subscription: Subscription) -> None:
        """Keep `subscription`, replacing any of the same endpoint."""
        with self._lock, writing("a push subscription"):
            self._db.execute(
                "INSERT OR REPLACE INTO push_subscriptions"
                " (endpoint, account, p256dh, auth, created) VALUES (?, ?, ?, ?, ?)",
                (
                    subscription.endpoint,
                    fold(subscription.account),
                    subscription.p256dh,
                    subscription.auth,
                    time.time(),
                ),
            )

    def remove(self, endpoint: str, account: str | None = None) -> None:
        """Forget the subscription of `endpoint` (only if it is `account`'s, when given)."""
        with self._lock, writing("the removal of a push subscription"):
            if account is None:
                self._db.execute("DELETE FROM push_subscriptions WHERE endpoint = ?", (endpoint,))
            else:
                self._db.execute(
                    "DELETE FROM push_subscriptions WHERE endpoint = ? AND account = ?",
                    (endpoint, fold(account)),
                )

    def close(self) -> None:
        with self._lock:
            self._db.close()
