"""IRCv3 metadata (draft/metadata-3): the rules for keys and values, and who is told.

Users and channels hold keys (`display-name`, `avatar`, `status`, `pronouns`, ...)
with UTF-8 values. A change is told, as `761`/`766` from the server, only to the
connections that negotiated the capability, subscribed to that key, and can see
the target: members of the channel, or for a user, those sharing a channel with
them, watching them with MONITOR, or the user's own other connections.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

from parley.irc.casemap import fold, is_channel
from parley.irc.message import encode_reply
from parley.irc.numerics import RPL_KEYNOTSET, RPL_KEYVALUE
from parley.server.config import Config, Limits
from parley.server.core.outgoing import Outgoing

if TYPE_CHECKING:
    from parley.server.core import events as ev
    from parley.server.core.client import Client
    from parley.server.core.session import Session
    from parley.server.core.state import State

CAP = "draft/metadata-3"
KEY_CHARS = frozenset("abcdefghijklmnopqrstuvwxyz0123456789_./-")
VISIBILITY = "*"  # every key is visible to whoever may see its target


def cap_value(config: Config) -> str:
    """The capability's value in CAP LS 302: what is allowed, and the limits."""
    limits = config.limits
    return (
        f"before-connect,max-subs={limits.metadata_max_subs},"
        f"max-keys={limits.metadata_max_keys},max-value-bytes={limits.metadata_value_bytes}"
    )


def valid_key(key: str, limits: Limits) -> bool:
    """Key names are `a-z0-9_./-`, not empty, and not longer than the limit."""
    return 0 < len(key) <= limits.metadata_key_length and KEY_CHARS.issuperset(key)


def value_problem(value: str, limits: Limits) -> str | None:
    """Why a value cannot be set, or None. Bytes that were not UTF-8 reach the core
    as U+FFFD (the parser's lenient decoding), so that character is refused too."""
    if len(value) > limits.metadata_value_bytes:  # (counted before encoding it)
        return "value is too long"
    if len(value.encode()) > limits.metadata_value_bytes:
        return "value is too long"
    if "\ufffd" in value:
        return "value is not UTF-8"
    return None


def wants(session: Session, key: str) -> bool:
    """Whether a connection is told of changes to `key`."""
    return key in session.metadata_subs and CAP in session.caps


def shown(values: dict[str, str] | None, keys: Iterable[str]) -> Iterator[tuple[str, str]]:
    """The (key, value) pairs of `values` among `keys`, in the order of `keys`."""
    if values:
        for key in keys:
            value = values.get(key)
            if value is not None:
                yield key, value


def notice(server_name: str, target: str, key: str, value: str | None) -> bytes:
    """The line that tells a subscriber of a change (its first parameter is `*`, so that
    one line serves every recipient)."""
    if value is None:
        params: tuple[str, ...] = ("*", target, key, RPL_KEYNOTSET.text or "")
        return encode_reply(server_name, RPL_KEYNOTSET.code, params, True)
    return encode_reply(server_name, RPL_KEYVALUE.code, ("*", target, key, VISIBILITY, value), True)


def user_watchers(state: State, client: Client) -> set[Client]:
    """Who may be told of a user's metadata: the user, those sharing a channel, and
    those watching the nick with MONITOR."""
    seen = {client}
    for channel in client.channels.values():
        seen.update(channel.members)
    seen.update(state.monitors.get(client.folded, ()))
    return seen


def metadata_changed(state: State, e: ev.MetadataChanged, origin: Session | None) -> Outgoing:
    """State's applier: set or remove the key, and tell the subscribers who may see it."""
    recipients: Iterable[Client]
    if is_channel(e.target):
        channel = state.channels[fold(e.target)]
        channel.metadata = _changed(channel.metadata, e.key, e.value)
        name, recipients = channel.name, channel.members.keys()
    else:
        client = state.clients[fold(e.target)]
        client.metadata = _changed(client.metadata, e.key, e.value)
        name, recipients = client.nick, user_watchers(state, client)
    out = Outgoing(notice(state.server_name, name, e.key, e.value), state.clock.now())
    for member in recipients:
        for session in member.sessions:
            if session is not origin and wants(session, e.key):
                session.conn.send(out.to(session.tag_mask))
    return out


def _changed(values: dict[str, str] | None, key: str, value: str | None) -> dict[str, str] | None:
    """`values` with the change made (None once nothing is left)."""
    if value is None:
        if values:
            values.pop(key, None)
        return values or None
    if values is None:
        return {key: value}
    values[key] = value
    return values


def merged(
    current: dict[str, str] | None, stored: dict[str, str], max_keys: int
) -> tuple[dict[str, str], dict[str, str]]:
    """An account's stored keys under the connection's own (the newer); the connection's
    keys come first where there is no room for all. Returns (all kept, the connection's
    kept: what the account gains)."""
    mine = dict(list((current or {}).items())[:max_keys])
    result = dict(mine)
    for key, value in stored.items():
        if len(result) >= max_keys:
            break
        result.setdefault(key, value)
    return result, {k: v for k, v in mine.items() if stored.get(k) != v}
