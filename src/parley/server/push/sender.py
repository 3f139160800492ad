"""Web Push delivery (RFC 8030): subscriptions, and the pushes sent to them off the loop.

How this works: the core calls `push` on the loop; it counts the account's pushes
of the last minute (past `limits.pushes_per_account_minute` they are dropped) and
puts one job per subscription on a bounded queue (full: dropped, never waited on).
A few sender tasks take jobs from it: each encrypts the line to the subscription's
keys (RFC 8291, aes128gcm) and signs a VAPID token (RFC 8292) on a thread, resolves
the endpoint's host and checks its addresses again (endpoint.py), and POSTs the body
with h11 over an asyncio connection, within a timeout. 201 and the like: delivered.
404 or 410: the subscription is gone, and is forgotten. 429, 5xx or a network
error: tried again a bounded number of times. Anything else: this push is dropped;
a subscription whose last FAILURES_TO_FORGET pushes all failed is forgotten.

Subscriptions are read at start and kept in memory by account; registering and
unregistering (on worker threads) write the store first, then the copy in memory,
which the loop only ever reads whole.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import socket
import ssl
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import TYPE_CHECKING

import h11
import http_ece
from cryptography.hazmat.primitives.asymmetric import ec
from py_vapid import Vapid02

from parley.irc.casemap import fold
from parley.server.config import Config
from parley.server.push.endpoint import (
    EndpointRefused,
    Target,
    check_addresses,
    parse_endpoint,
    resolve,
)
from parley.server.push.vapid import public_key_text
from parley.server.store.push import SqlitePushStore, Subscription
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from collections.abc import Callable

log = logging.getLogger("parley.push")

QUEUE_SIZE = 1000  # pushes waiting to be sent; more are dropped
SENDERS = 4  # pushes in flight at once
TIMEOUT = 15.0  # seconds for one request: connecting, TLS, sending, the answer's head
ATTEMPTS = 3  # tries of one push when the service is busy or unreachable
BACKOFF = 2.0  # seconds before the second try; doubled before each next
TOKEN_LIFETIME = 12 * 3600  # seconds a VAPID token is valid (RFC 8292: at most 24 h)
GONE = (404, 410)  # RFC 8030 section 7.3: the subscription expired or was removed
RETRY = (429, 500, 502, 503, 504)
FAILURES_TO_FORGET = 20  # pushes in a row not delivered to a subscription: it is forgotten
OK = ""  # register and unregister: done
SUBSCRIPTION_LOST = ("INTERNAL_ERROR", "The subscription could not be saved")


@dataclass(frozen=True, slots=True)
class Job:
    """One push to one subscription."""

    subscription: Subscription
    payload: bytes


class WebPush:
    """The Pusher the core is given when Web Push is available."""

    def __init__(self, config: Config, store: SqlitePushStore, key: ec.EllipticCurvePrivateKey):
        self.config = config  # replaced on REHASH
        self.vapid_key = public_key_text(key)
        self._vapid = Vapid02(private_key=key)
        self._store = store
        self._lock = threading.Lock()  # registering and unregistering, on worker threads
        self._subscriptions: dict[str, tuple[Subscription, ...]] = {}
        for subscription in store.all():
            held = self._subscriptions.get(subscription.account, ())
            self._subscriptions[subscription.account] = (*held, subscription)
        self._recent: dict[str, deque[float]] = {}  # folded account -> its pushes' times
        self._failures: dict[str, int] = {}  # endpoint -> pushes in a row not delivered
        self._queue: asyncio.Queue[Job] | None = None
        self._tasks: list[asyncio.Task[None]] = []
        self._tls = ssl.create_default_context()
        self.sent = self.dropped = 0  # pushes delivered, and given up or refused
        self._full = False  # the queue filled, and has not drained to half since
        self.clock: Callable[[], float] = time.monotonic

    # -- on the loop ------------------------------------------------------------

    def start(self) -> None:
        """Start the sender tasks (on the running loop)."""
        self._queue = asyncio.Queue(QUEUE_SIZE)
        self._tasks = [asyncio.create_task(self._send_forever()) for _ in range(SENDERS)]

    async def close(self) -> None:
        """Stop sending; pushes still queued are dropped."""
        for task in self._tasks:
            task.cancel()
        for task in self._tasks:
            with contextlib.suppress(asyncio.CancelledError):
                await task
        self._tasks = []
        self._store.close()

    def subscribed(self, account: str) -> bool:
        return fold(account) in self._subscriptions

    def active(self) -> bool:
        return bool(self._subscriptions)

    def push(self, account: str, payload: bytes) -> None:
        """Queue `payload` for each of `account`'s subscriptions, within its rate."""
        key = fold(account)
        subscriptions = self._subscriptions.get(key, ())
        if not subscriptions or self._queue is None:
            return
        if not self._within_rate(key):
            self.dropped += len(subscriptions)
            log.debug("pushes to account %s dropped: over the rate", account)
            return
        for subscription in subscriptions:
            try:
                self._queue.put_nowait(Job(subscription, payload))
            except asyncio.QueueFull:
                self.dropped += 1
                if not self._full:  # once until it drains: a flood does not flood the log
                    log.warning("push queue full: pushes are dropped until it drains")
                    self._full = True

    def _within_rate(self, key: str) -> bool:
        """Count one push of the account's; False if it has had its minute's share."""
        now = self.clock()
        recent = self._recent.setdefault(key, deque())
        while recent and recent[0] <= now - 60.0:
            recent.popleft()
        if len(recent) >= self.config.limits.pushes_per_account_minute:
            return False
        recent.append(now)
        if len(self._recent) > 10 * QUEUE_SIZE:  # accounts long quiet go
            self._recent = {k: v for k, v in self._recent.items() if v and v[-1] > now - 60.0}
        return True

    def forget_account(self, account: str) -> None:
        with self._lock:
            self._subscriptions.pop(fold(account), None)
            self._recent.pop(fold(account), None)

    def _holds_most(self, key: str, endpoint: str, most: int) -> bool:
        """Whether the account holds `most` subscriptions besides this endpoint's."""
        with self._lock:
            held = self._subscriptions.get(key, ())
        return sum(s.endpoint != endpoint for s in held) >= most

    # -- on worker threads --------------------------------------------------------

    def register(self, account: str, endpoint: str, p256dh: str, auth: str) -> tuple[str, str]:
        """Check the count and the endpoint (its host resolved: the count first, so a full
        account makes no lookups), then keep the subscription."""
        config = self.config
        key = fold(account)
        most = config.limits.push_subscriptions_per_account
        if self._holds_most(key, endpoint, most):
            return "MAX_REGISTRATIONS", f"An account has at most {most} push subscriptions"
        try:
            resolve(parse_endpoint(endpoint, config), config)
        except EndpointRefused as exc:
            return "INVALID_PARAMS", str(exc)
        subscription = Subscription(key, endpoint, p256dh, auth)
        with self._lock:
            held = self._subscriptions.get(key, ())
            others = tuple(s for s in held if s.endpoint != endpoint)
            if len(others) >= most:  # (again: another session may have added one meanwhile)
                return "MAX_REGISTRATIONS", f"An account has at most {most} push subscriptions"
            try:
                self._store.add(subscription)
            except StoreError as exc:
                log.error("%s", exc)
                return SUBSCRIPTION_LOST
            self._drop_endpoint(endpoint)  # another account's registration of it moves here
            self._subscriptions[key] = (*others, subscription)
        log.info("account %s registered a push subscription at %r", account, subscription)
        return OK, ""

    def unregister(self, account: str, endpoint: str) -> tuple[str, str]:
        key = fold(account)
        with self._lock:
            try:
                self._store.remove(endpoint, key)
            except StoreError as exc:
                log.error("%s", exc)
                return "INTERNAL_ERROR", "The subscription could not be removed"
            held = self._subscriptions.get(key, ())
            self._set(key, tuple(s for s in held if s.endpoint != endpoint))
        return OK, ""

    def _drop_endpoint(self, endpoint: str) -> None:
        """Forget `endpoint` in memory, whoever held it (the lock held)."""
        for key, held in list(self._subscriptions.items()):
            if any(s.endpoint == endpoint for s in held):
                self._set(key, tuple(s for s in held if s.endpoint != endpoint))

    def _set(self, key: str, held: tuple[Subscription, ...]) -> None:
        if held:
            self._subscriptions[key] = held
        else:
            self._subscriptions.pop(key, None)

    def _gone(self, subscription: Subscription) -> None:
        """The push service says the subscription is no more: forget it."""
        with self._lock:
            try:
                self._store.remove(subscription.endpoint)
            except StoreError as exc:
                log.error("%s", exc)
            held = self._subscriptions.get(subscription.account, ())
            self._set(subscription.account, tuple(s for s in held if s != subscription))

    def _encrypted(self, job: Job, target: Target) -> tuple[bytes, str]:
        """The aes128gcm body for the job's subscription, and a VAPID Authorization."""
        subscription = job.subscription
        body = http_ece.encrypt(
            job.payload,
            private_key=ec.generate_private_key(ec.SECP256R1()),
            dh=_b64decode(subscription.p256dh),
            auth_secret=_b64decode(subscription.auth),
            version="aes128gcm",
        )
        claims = {
            "aud": target.origin,
            "exp": int(time.time()) + TOKEN_LIFETIME,
            "sub": self.config.push.contact or f"https://{self.config.server_name}",
        }
        return bytes(body), str(self._vapid.sign(claims)["Authorization"])

    # -- the sender tasks -----------------------------------------------------------

    async def _send_forever(self) -> None:
        assert self._queue is not None
        while True:
            job = await self._queue.get()
            if self._full and self._queue.qsize() < QUEUE_SIZE // 2:
                self._full = False
                log.info("push queue drained: %d pushes dropped so far", self.dropped)
            subscription = job.subscription
            try:
                delivered = await self._deliver(job)
            except asyncio.CancelledError:
                raise
            except Exception:  # a bug must not stop the sender
                log.exception("push to %r failed", subscription)
                delivered = False
            if delivered:
                self.sent += 1
                self._failures.pop(subscription.endpoint, None)
                continue
            self.dropped += 1
            failures = self._failures[subscription.endpoint] = (
                self._failures.get(subscription.endpoint, 0) + 1
            )
            if failures >= FAILURES_TO_FORGET:  # the spec: expire those that keep failing
                log.info("push subscription %r failed %d times: forgotten", subscription, failures)
                await self._forget(subscription)

    async def _forget(self, subscription: Subscription) -> None:
        self._failures.pop(subscription.endpoint, None)
        await asyncio.to_thread(self._gone, subscription)

    async def _deliver(self, job: Job) -> bool:
        """Send one push, trying again while the service is busy or unreachable; whether
        it was delivered."""
        wait = BACKOFF
        for attempt in range(1, ATTEMPTS + 1):
            try:
                status = await self._post(job)
            except EndpointRefused as exc:
                log.warning("push to %r not sent: %s", job.subscription, exc)
                return False
            except (OSError, TimeoutError, h11.ProtocolError) as exc:
                status = None
                why = type(exc).__name__
            if status is not None and 200 <= status < 300:
                return True
            if status in GONE:
                log.info("push subscription %r is gone (%d): forgotten", job.subscription, status)
                await self._forget(job.subscription)
                return False
            if status is not None and status not in RETRY:
                log.warning("push to %r refused with %d", job.subscription, status)
                return False
            if attempt < ATTEMPTS:
                await asyncio.sleep(wait)
                wait *= 2
        shown = status if status is not None else why
        log.warning("push to %r given up after %d tries (%s)", job.subscription, ATTEMPTS, shown)
        return False

    async def _post(self, job: Job) -> int:
        """POST the push; the answer's status."""
        config = self.config
        target = parse_endpoint(job.subscription.endpoint, config)
        loop = asyncio.get_running_loop()
        async with asyncio.timeout(TIMEOUT):
            infos = await loop.getaddrinfo(target.host, target.port, type=socket.SOCK_STREAM)
            addresses = check_addresses(list(dict.fromkeys(str(i[4][0]) for i in infos)), config)
            body, authorization = await asyncio.to_thread(self._encrypted, job, target)
            reader, writer = await asyncio.open_connection(
                addresses[0],
                target.port,
                ssl=self._tls if target.https else None,
                server_hostname=target.host if target.https else None,
            )
            try:
                return await _exchange(reader, writer, target, body, authorization, config)
            finally:
                writer.close()
                with contextlib.suppress(Exception):
                    await writer.wait_closed()


async def _exchange(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    target: Target,
    body: bytes,
    authorization: str,
    config: Config,
) -> int:
    """One HTTP/1.1 request and the status of its answer (h11)."""
    connection = h11.Connection(h11.CLIENT)
    host = target.origin.split("://", 1)[1]
    headers = [
        ("Host", host),
        ("Authorization", authorization),
        ("TTL", str(config.push.ttl)),
        ("Urgency", "high"),  # mentions and private messages (RFC 8030 section 5.3)
        ("Content-Type", "application/octet-stream"),
        ("Content-Encoding", "aes128gcm"),
        ("Content-Length", str(len(body))),
        ("Connection", "close"),
    ]
    data = connection.send(h11.Request(method="POST", target=target.path, headers=headers))
    data = (data or b"") + (connection.send(h11.Data(data=body)) or b"")
    data += connection.send(h11.EndOfMessage()) or b""
    writer.write(data)
    await writer.drain()
    while True:
        event = connection.next_event()
        if event is h11.NEED_DATA:
            chunk = await reader.read(16384)
            connection.receive_data(chunk)
            continue
        if isinstance(event, h11.Response):
            return int(event.status_code)
        if isinstance(event, h11.ConnectionClosed):
            raise ConnectionResetError("closed before answering")


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
