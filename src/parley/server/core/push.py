"""Web Push (IRCv3 draft/webpush): which messages are pushed, and to whom.

How this works: after a PRIVMSG or NOTICE (or a multi-line one) is applied, its
handler asks `after_message`. A private message to an account, and a channel message that
mentions a member's nick or account (as a word, whatever its case), is pushed to
that account's subscriptions when none of its clients has a session: the account has
no connected device (an always-on client kept with no session counts as none). The
push carries the line as a device would have read it then, so only what the account
could read (docs/privacy.md). The Pusher does the sending, off the loop.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import TYPE_CHECKING, Protocol

from parley.irc.casemap import fold
from parley.irc.message import encode_parts
from parley.server.core.multiline_out import MultilineOut
from parley.server.core.outgoing import TAG_BITS, Outgoing, with_tags

if TYPE_CHECKING:
    from parley.server.core.channel import Channel
    from parley.server.core.client import Client
    from parley.server.core.context import Context
    from parley.server.core.state import State

CAP = "draft/webpush"
# RFC 8291/8188: push services take bodies of 4096 bytes; aes128gcm's header (86),
# tag (16) and padding delimiter (1) leave this much for the line.
PAYLOAD_BYTES = 3993
# A nick-like word of a message (RFC 2812's nick characters): what a mention is made of.
_WORD = re.compile(r"[A-Za-z0-9\[\]\\`_^{|}~-]+")


class Pusher(Protocol):
    """Web Push sending and subscriptions, as the core sees them."""

    vapid_key: str  # the VAPID public key (base64url), ISUPPORT VAPID

    def subscribed(self, account: str) -> bool:
        """Whether `account` has a subscription (on the loop, cheap)."""

    def active(self) -> bool:
        """Whether any account has one: else channel lines are not even looked at."""

    def push(self, account: str, payload: bytes) -> None:
        """Send `payload` to each of `account`'s subscriptions (queued: never waits)."""

    def register(self, account: str, endpoint: str, p256dh: str, auth: str) -> tuple[str, str]:
        """Keep a subscription (on a worker thread: resolves the endpoint's host, writes
        the store); ("", "") when kept, else a FAIL code and why."""

    def unregister(self, account: str, endpoint: str) -> tuple[str, str]:
        """Forget `account`'s subscription of `endpoint` (on a worker thread); as `register`."""

    def forget_account(self, account: str) -> None:
        """`account` was deleted: its subscriptions are gone from the store already."""


def after_message(
    ctx: Context, out: Outgoing, channel: Channel | None, recipient: Client | None, text: str
) -> None:
    """Push a private message to its recipient's account, or a channel message to the
    accounts of the members it mentions, if they have no device connected."""
    pusher = ctx.server.push
    if pusher is None or ctx.command == "TAGMSG":
        return
    if channel is not None:
        if not pusher.active():  # (the hot path: no subscription, no scan of the text)
            return
        for account in mentioned(ctx.state, channel, text, pusher.subscribed):
            _push(ctx, pusher, account, out)
    elif recipient is not None and recipient.account is not None:
        _push(ctx, pusher, recipient.account, out)


def to_account(ctx: Context, out: Outgoing, account: str) -> None:
    """Push a private message kept for an offline account."""
    pusher = ctx.server.push
    if pusher is not None:
        _push(ctx, pusher, account, out)


def _push(ctx: Context, pusher: Pusher, account: str, out: Outgoing) -> None:
    if pusher.subscribed(account) and not connected(ctx.state, account):
        pusher.push(account, payload(out))


def connected(state: State, account: str) -> bool:
    """Whether a device (a session of any client) is logged into `account`."""
    return next(state.by_account.sessions(account), None) is not None


def mentioned(
    state: State, channel: Channel, text: str, wanted: Callable[[str], bool] = lambda _a: True
) -> set[str]:
    """The `wanted` accounts of members whose nick or account is a word of `text` (a word
    naming no wanted account costs a dict lookup or two: this runs per channel line)."""
    found: set[str] = set()
    members = channel.members
    for word in {fold(w) for w in _WORD.findall(text)}:
        client = state.clients.get(word)
        account = client.account if client is not None else None
        if account is not None and wanted(account) and client in members:
            found.add(account)
        if wanted(word):
            for holder in state.by_account.clients(word):
                if holder.account is not None and holder in members:
                    found.add(holder.account)
    return found


def payload(out: Outgoing) -> bytes:
    """The line with its tags (time, account, msgid, client tags), without CRLF; past
    PAYLOAD_BYTES, with its msgid alone (the spec: tags may go, msgid stays), and its
    text cut if it is still too long (a multi-line message's can be)."""
    if isinstance(out, MultilineOut):
        out = _one_line(out)
    line = out.to(TAG_BITS).rstrip(b"\r\n")
    if len(line) > PAYLOAD_BYTES:
        line = with_tags(out.plain, {"msgid": out.msgid} if out.msgid else {})
        line = line.rstrip(b"\r\n")
    if len(line) > PAYLOAD_BYTES:
        line = line[:PAYLOAD_BYTES].decode(errors="ignore").encode()  # (no half character)
    return line


def _one_line(out: MultilineOut) -> Outgoing:
    """A multi-line message as one line (a push holds one IRC message): its lines joined
    by spaces, those continued by draft/multiline-concat without."""
    text = "".join(
        (t if concat or not i else " " + t) for i, (t, concat) in enumerate(out.lines) if t
    )
    line = encode_parts(out.source, out.command, (out.target, text.strip() or "..."))
    return Outgoing(line, out.time, out.msgid, out.client_tags, out.account)
