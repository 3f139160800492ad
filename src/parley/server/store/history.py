"""Message history: every channel and private message, by conversation, in time order.

What a stored line is (HistoryItem), who asks for it (Reader: only what they may
read, docs/privacy.md), the interface the server needs of a store, and the
in-memory store that tests and runs with nothing persisted use. The SQLite store,
with its writer thread, is in sqlite_history.py.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.casemap import fold, is_channel
from parley.server.core.stores import HistoryStore as HistoryStore  # (its old home)

if TYPE_CHECKING:
    from parley.server.store.search import Scope, SearchQuery

# Lines every reader of history is shown; the rest (TAGMSG, and channel events such
# as JOIN and TOPIC) only readers that asked for IRCv3 draft/event-playback.
MESSAGES = frozenset(("PRIVMSG", "NOTICE"))


@dataclass(frozen=True, slots=True)
class HistoryItem:
    """One stored message, as it was sent."""

    msgid: str
    time: float
    conversation: str  # conversation_key(): a folded channel, or two folded nicks
    target: str  # the channel or nick it was sent to, as written
    source: str  # nick!user@host
    account: str | None  # the sender's account
    command: str  # PRIVMSG, NOTICE or TAGMSG; or a channel event's (JOIN, PART, TOPIC...)
    text: str  # a channel event's: its parameters after the command, as a JSON list
    tags: tuple[tuple[str, str], ...] = ()
    recipient_account: str | None = None  # for private messages: the recipient's account
    # For private messages between users without accounts: their connections' identities
    # (Client.uid), so that whoever holds the nick later reads none of it.
    sender_uid: str | None = None
    recipient_uid: str | None = None
    # For channel lines (docs/privacy.md): the channel's incarnation, and whether the
    # channel was public (no +s, +i, +k) when it was said. A non-public line is read
    # only by those who were members then.
    incarnation: str | None = None
    public: bool = False

    @property
    def sender(self) -> str:
        """The sender's folded nick."""
        return fold(self.source.split("!", 1)[0])

    @property
    def message(self) -> bool:
        """A PRIVMSG or NOTICE: shown to every reader, not only to event-playback's."""
        return self.command in MESSAGES


@dataclass(frozen=True, slots=True)
class Window:
    """An account's stay in one incarnation of a channel, from `joined` to `left`.

    The account may read the channel's non-public lines said within it: those with
    joined < time <= left, the bounds being the times of the last lines said before
    the join and before the leave (message times are distinct and increasing).
    """

    channel: str  # folded name
    incarnation: str
    account: str
    joined: float
    left: float


@dataclass(frozen=True, slots=True)
class Reader:
    """Who asks for private history: only their own side of a conversation is shown.

    A logged-in user sees the messages they sent or received while logged into
    the same account; anyone sees those of this connection (its uid) while it had
    no account, never those of an earlier holder of the nick.
    """

    nick: str  # folded
    account: str | None
    uid: str  # Client.uid: the connection's user, for users with no account
    # Channel history: the reader's stays in the channel known to the server but not
    # (yet) saved: (incarnation, from, to). Saved ones (Window) the store adds itself.
    windows: tuple[tuple[str, float, float], ...] = ()
    events: bool = False  # IRCv3 draft/event-playback: TAGMSG and channel events too

    def may_read(self, item: HistoryItem) -> bool:
        if " " not in item.conversation:  # channel history (membership is checked by the caller)
            return item.public or any(
                item.incarnation == incarnation and start < item.time <= end
                for incarnation, start, end in self.windows
            )
        if item.sender == self.nick:
            mine, uid = item.account, item.sender_uid
        elif fold(item.target) == self.nick:
            mine, uid = item.recipient_account, item.recipient_uid
        else:
            return False
        if self.account is not None and mine == self.account:
            return True
        return mine is None and uid == self.uid  # (said before this connection logged in)


WRITER_STATES = ("ok", "lagging", "failing", "stopped")


@dataclass(frozen=True, slots=True)
class WriterStatus:
    """How the history writer is doing, for metrics, the console and the log."""

    state: str  # "ok"; "lagging": senders are paused; "failing": retrying a write; "stopped"
    queued: int  # messages accepted and not yet stored
    dropped: int  # messages delivered but not stored (the queue was full), since start
    failures: int  # writes that failed, since start
    last_error: str | None  # what the last failure said (kept after it recovers)


def conversation_key(sender: str, target: str) -> str:
    """A channel's folded name, or both folded nicks in order, for private messages."""
    if is_channel(target):
        return fold(target)
    a, b = sorted((fold(sender), fold(target)))
    return f"{a} {b}"


class MemoryHistory:
    """History kept in a list: tests and runs with nothing persisted."""

    def __init__(self) -> None:
        self.items: list[HistoryItem] = []
        self.windows: list[Window] = []

    def append(self, item: HistoryItem) -> None:
        self.items.append(item)

    def save_windows(self, windows: list[Window]) -> None:
        self.windows.extend(windows)

    def redact(self, conversation: str, msgid: str) -> bool:
        self.items = [i for i in self.items if i.msgid != msgid or i.conversation != conversation]
        return True

    def rename(self, old: str, new: str, name: str) -> bool:
        self.items = [
            dataclasses.replace(i, conversation=new, target=name)
            if i.conversation == old and i.incarnation is not None
            else i
            for i in self.items
        ]
        self.windows = [
            dataclasses.replace(w, channel=new) if w.channel == old else w for w in self.windows
        ]
        return True

    def forget_account(self, account: str) -> None:
        self.windows = [w for w in self.windows if w.account != account]
        self.items = [_detached(i, account) for i in self.items]

    def _may_read(self, reader: Reader, item: HistoryItem) -> bool:
        """Reader.may_read, with the stays in channels saved here."""
        if reader.may_read(item):
            return True
        if " " in item.conversation or reader.account is None:
            return False
        return any(
            w.account == reader.account
            and w.incarnation == item.incarnation
            and w.joined < item.time <= w.left
            for w in self.windows
        )

    def lagging(self) -> bool:
        return False

    def wait_drained(self, callback: Callable[[], object]) -> bool:
        return False

    def between(
        self,
        conversation: str,
        after: float,
        before: float,
        limit: int,
        newest: bool,
        reader: Reader,
    ) -> list[HistoryItem]:
        if limit <= 0:
            return []
        found = [
            i
            for i in self.items
            if i.conversation == conversation
            and after < i.time < before
            and (reader.events or i.message)
            and self._may_read(reader, i)
        ]
        return found[-limit:] if newest else found[:limit]

    def silent(self, conversation: str) -> bool:
        return False  # (not known without looking through every line)

    def find(self, conversation: str, msgid: str, reader: Reader) -> HistoryItem | None:
        return next(
            (
                i
                for i in self.items
                if i.conversation == conversation and i.msgid == msgid and self._may_read(reader, i)
            ),
            None,
        )

    def search(self, query: SearchQuery, scope: Scope, seconds: float) -> list[HistoryItem]:
        from parley.server.store.search import may_find, selected  # (it imports this module)

        saved = tuple(self.windows)
        found = [i for i in self.items if selected(query, i) and may_find(scope, i, saved)]
        return found[: query.limit] if query.oldest else found[-query.limit :]

    def conversations(
        self, reader: Reader, after: float, before: float, limit: int
    ) -> list[tuple[str, float]]:
        latest: dict[str, float] = {}
        for item in self.items:
            if " " in item.conversation and reader.may_read(item):
                latest[item.conversation] = max(item.time, latest.get(item.conversation, 0.0))
        found = [(c, t) for c, t in latest.items() if after < t < before]
        return sorted(found, key=lambda kv: kv[1])[:limit]

    def missed(self, account: str, since: float, limit: int) -> list[HistoryItem]:
        found = [
            i
            for i in self.items
            if i.recipient_account is not None
            and fold(i.recipient_account) == fold(account)
            and i.time > since
        ]
        return found[:limit]

    def close(self) -> None:
        return None


def _detached(item: HistoryItem, account: str) -> HistoryItem:
    """`item`, if private, with `account` taken off both its sides."""
    if item.incarnation is not None:
        return item  # a channel line keeps the name it was said under
    if item.account == account:
        item = dataclasses.replace(item, account=None, sender_uid=None)
    if item.recipient_account == account:
        item = dataclasses.replace(item, recipient_account=None, recipient_uid=None)
    return item
