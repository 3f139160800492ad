"""WEBPUSH REGISTER and UNREGISTER (IRCv3 draft/webpush): a browser subscribes its
account to pushes of the messages it would miss with no device connected (push.py).

The endpoint's form (push/endpoint.py) and the keys are checked here; where its host
resolves to and the store write happen on a worker thread (Pusher.register). Only a logged-in user
may subscribe: subscriptions belong to the account.
"""

from __future__ import annotations

import base64
import binascii
import logging
import string
from collections.abc import Callable
from functools import partial

from parley.irc.message import Message
from parley.server.core.context import Context
from parley.server.push.endpoint import EndpointRefused, parse_endpoint

log = logging.getLogger("parley.core")

_B64URL = frozenset(string.ascii_letters + string.digits + "-_=")
P256_POINT = 65  # an uncompressed P-256 public key: 0x04, x, y
AUTH_BYTES = 16  # RFC 8291: the subscriber's authentication secret


def handle_webpush(ctx: Context, msg: Message) -> None:
    sub = msg.params[0].upper()
    endpoint = msg.params[1] if len(msg.params) > 1 else "*"
    pusher = ctx.server.push
    if pusher is None or sub not in ("REGISTER", "UNREGISTER"):
        why = "Unknown subcommand" if pusher is not None else "Web Push is not available"
        _fail(ctx, "INVALID_PARAMS", sub, endpoint, why)
        return
    wanted = 3 if sub == "REGISTER" else 2
    if len(msg.params) != wanted or not endpoint:
        usage = "<endpoint> <keys>" if sub == "REGISTER" else "<endpoint>"
        _fail(ctx, "INVALID_PARAMS", sub, endpoint or "*", f"Usage: WEBPUSH {sub} {usage}")
        return
    account = ctx.client.account
    if account is None:
        _fail(ctx, "ACCOUNT_REQUIRED", sub, endpoint, "Log in to an account to use Web Push")
        return
    if sub == "UNREGISTER":
        job = partial(_guarded, pusher.unregister, account, endpoint)
        ctx.defer(job, partial(_answered, sub, endpoint))
        return
    try:  # its form before the worker's job: where its host resolves to, there
        parse_endpoint(endpoint, ctx.server.config)
    except EndpointRefused as exc:
        _fail(ctx, "INVALID_PARAMS", sub, endpoint, str(exc))
        return
    keys = parse_keys(msg.params[2])
    if keys is None:
        why = "Keys must hold p256dh (a P-256 public key) and auth (16 bytes), base64url"
        _fail(ctx, "INVALID_PARAMS", sub, endpoint, why)
        return
    job = partial(_guarded, pusher.register, account, endpoint, *keys)
    # With the mail jobs: a host slow to resolve holds no one's login (worker.py).
    ctx.defer(job, partial(_answered, sub, endpoint), mail=True)


def _guarded(call: Callable[..., tuple[str, str]], *args: str) -> tuple[str, str]:
    """Run a Pusher call on the worker thread; a bug is an INTERNAL_ERROR, not a crash."""
    try:
        return call(*args)
    except Exception:
        log.exception("WEBPUSH failed")
        return "INTERNAL_ERROR", "Something went wrong; try again later"


def _answered(sub: str, endpoint: str, ctx: Context, result: tuple[str, str]) -> None:
    """The spec: the command echoed when done, else FAIL."""
    code, why = result
    if code:
        _fail(ctx, code, sub, endpoint, why)
    else:
        ctx.send(Message("WEBPUSH", (sub, endpoint), ctx.server.name))


def _fail(ctx: Context, code: str, sub: str, endpoint: str, why: str) -> None:
    ctx.fail("WEBPUSH", code, sub, endpoint, why)


def parse_keys(text: str) -> tuple[str, str] | None:
    """`p256dh=<key>;auth=<secret>` (message-tags form, any order, others ignored): the
    two values, checked to decode to a P-256 point and a 16-byte secret."""
    values: dict[str, str] = {}
    for item in text.split(";"):
        name, _, value = item.partition("=")
        values.setdefault(name, value)
    p256dh, auth = values.get("p256dh", ""), values.get("auth", "")
    point, secret = _decoded(p256dh), _decoded(auth)
    if point is None or len(point) != P256_POINT or point[0] != 4:
        return None
    if secret is None or len(secret) != AUTH_BYTES:
        return None
    return p256dh.rstrip("="), auth.rstrip("=")


def _decoded(text: str) -> bytes | None:
    if not text or len(text) > 200 or not _B64URL.issuperset(text):
        return None
    try:
        return base64.urlsafe_b64decode(text.rstrip("=") + "=" * (-len(text.rstrip("=")) % 4))
    except (binascii.Error, ValueError):
        return None
