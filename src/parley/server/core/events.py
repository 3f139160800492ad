"""State changes, as values: a handler decides, then one of these is applied.

Every change to users, channels and sessions goes through `State.apply`,
which mutates state and fans the change out to the sessions it concerns. A
later cluster mode replicates these same events between nodes. Events name
users and channels by their current names, as IRC server links do, and
sessions by their ids: plain values, never objects.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.irc.modes import ModeChange


@dataclass(frozen=True, slots=True)
class Joined:
    nick: str
    channel: str


@dataclass(frozen=True, slots=True)
class Parted:
    nick: str
    channel: str
    reason: str | None


@dataclass(frozen=True, slots=True)
class Kicked:
    by: str
    channel: str
    victim: str
    reason: str


@dataclass(frozen=True, slots=True)
class Quit:
    nick: str
    reason: str


@dataclass(frozen=True, slots=True)
class NickChanged:
    old: str
    new: str


@dataclass(frozen=True, slots=True)
class Messaged:
    """PRIVMSG, NOTICE or TAGMSG from a user to a channel or a nick."""

    nick: str
    command: str
    target: str
    text: str
    msgid: str
    time: float
    tags: tuple[tuple[str, str], ...] = ()  # client-only tags (`+name`) to relay


@dataclass(frozen=True, slots=True)
class MultilineMessaged:
    """An IRCv3 draft/multiline batch of PRIVMSG or NOTICE lines: one message, one msgid."""

    nick: str
    command: str
    target: str
    lines: tuple[tuple[str, bool], ...]  # each line's text, and whether it joins the last
    msgid: str
    time: float
    ref: str  # the batch's reference on the way out
    tags: tuple[tuple[str, str], ...] = ()  # client-only tags (`+name`) to relay


@dataclass(frozen=True, slots=True)
class ChannelModeChanged:
    by: str  # a nick, or the server name
    channel: str
    changes: tuple[ModeChange, ...]


@dataclass(frozen=True, slots=True)
class UserModeChanged:
    nick: str
    changes: tuple[ModeChange, ...]


@dataclass(frozen=True, slots=True)
class TopicChanged:
    by: str
    channel: str
    topic: str


@dataclass(frozen=True, slots=True)
class Invited:
    by: str
    channel: str
    nick: str


@dataclass(frozen=True, slots=True)
class AwayChanged:
    nick: str
    message: str | None


@dataclass(frozen=True, slots=True)
class Wallops:
    by: str
    text: str


@dataclass(frozen=True, slots=True)
class Announced:
    """An operator's message to every user of the servers matching `mask` (`$*`)."""

    by: str
    command: str  # NOTICE or PRIVMSG
    mask: str  # as the target reads: `$` and a server mask
    text: str


@dataclass(frozen=True, slots=True)
class AccountChanged:
    """A user logged in (account) or out (None)."""

    nick: str
    account: str | None


@dataclass(frozen=True, slots=True)
class RealnameChanged:
    nick: str
    realname: str


@dataclass(frozen=True, slots=True)
class HostChanged:
    """An operator gave a user another host to show (a vhost)."""

    nick: str
    host: str


@dataclass(frozen=True, slots=True)
class MetadataChanged:
    """IRCv3 metadata: a key of a user or a channel set to `value`, or removed (None)."""

    by: str
    target: str
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Redacted:
    """A message deleted (IRCv3 message-redaction), told to those who could have it."""

    by: str
    target: str  # the channel, or the nick, as REDACT named it
    msgid: str  # the deleted message's
    reason: str | None
    redaction: str  # the REDACT line's own msgid...
    time: float  # ...and time
    said: float  # when the deleted message was said
    public: bool  # ...and whether its channel was public then: members since read it
    peer: str | None = None  # a private message: the other side, if still the same user


@dataclass(frozen=True, slots=True)
class ChannelRenamed:
    """IRCv3 channel-rename: the channel `old` is named `new` from now on."""

    by: str
    old: str
    new: str
    reason: str


@dataclass(frozen=True, slots=True)
class SessionStarted:
    """A connection opened: one more session, not registered yet."""

    session: int
    host: str
    tls: bool


@dataclass(frozen=True, slots=True)
class Registered:
    """A session finished registration as a new user (a client with its first session)."""

    session: int
    nick: str
    user: str
    host: str  # as others see it (a vhost kept for the account, or the address)
    real_host: str
    realname: str
    account: str | None
    no_history: bool  # the account opted out of having its messages stored
    uid: str  # the user's id, never reused (ids.py)
    metadata: tuple[tuple[str, str], ...] = ()  # IRCv3 metadata it starts with


@dataclass(frozen=True, slots=True)
class SessionAttached:
    """A session finished registration as one more of the user `nick` (handlers/attach.py)."""

    session: int
    nick: str


@dataclass(frozen=True, slots=True)
class SessionEnded:
    """A session closed; with a user's last session, the user quits too."""

    session: int
    reason: str


@dataclass(frozen=True, slots=True)
class SessionDetached:
    """A session leaves its user but stays connected, to attach to another (NickServ
    IDENTIFY: handlers/device_logins.py); with the user's last session, the user quits."""

    session: int
    reason: str


@dataclass(frozen=True, slots=True)
class Watched:
    """IRCv3 MONITOR +: the user `nick` watches `nicks` (as given) from now on."""

    nick: str
    nicks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Unwatched:
    """MONITOR - or C: the user `nick` watches `nicks` no more."""

    nick: str
    nicks: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class HistoryOptOut:
    """Whether the messages of the user `nick` are kept out of history (its account's choice)."""

    nick: str
    opt_out: bool


@dataclass(frozen=True, slots=True)
class Spoke:
    """The user `nick` sent a message no other event carries (to NickServ, kept for an
    offline nick, refused): its idle time starts again (`Messaged` does it for the rest)."""

    nick: str
    time: float


Event = (
    Joined
    | Parted
    | Kicked
    | Quit
    | NickChanged
    | Messaged
    | MultilineMessaged
    | ChannelModeChanged
    | UserModeChanged
    | TopicChanged
    | Invited
    | AwayChanged
    | Wallops
    | Announced
    | AccountChanged
    | RealnameChanged
    | HostChanged
    | MetadataChanged
    | Redacted
    | ChannelRenamed
    | SessionStarted
    | Registered
    | SessionAttached
    | SessionEnded
    | SessionDetached
    | Watched
    | Unwatched
    | HistoryOptOut
    | Spoke
)
