"""State changes, as values: a handler decides, then one of these is applied.

Every change to users and channels that others can see goes through
`State.apply`, which mutates state and fans the change out to the sessions it
concerns. A later cluster mode replicates these same events between nodes.
Events name users and channels by their current names, as IRC server links do.
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
)
