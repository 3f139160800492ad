"""What the client's protocol state tells the UI: frozen events, one per thing that happened."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Registered:
    nick: str


@dataclass(frozen=True, slots=True)
class NickRefused:
    """The server refused the nick: the UI asks for another."""

    nick: str
    reason: str  # "taken" or "invalid"


@dataclass(frozen=True, slots=True)
class LoginFailed:
    """The account login (SASL) did not succeed; `code` is the numeric, "" if not offered."""

    reason: str
    code: str = ""


@dataclass(frozen=True, slots=True)
class PasswordRefused:
    """464: the server password (PASS) is wrong; the server closes the connection."""

    text: str


@dataclass(frozen=True, slots=True)
class Banned:
    """465: this user may not connect to the server; the text gives the reason."""

    text: str


@dataclass(frozen=True, slots=True)
class AccountCreated:
    """IRCv3 account-registration: REGISTER SUCCESS (the client is logged in too)."""

    account: str


@dataclass(frozen=True, slots=True)
class AccountRefused:
    """REGISTER failed: `code` as the server gave it (ACCOUNT_EXISTS...), or UNAVAILABLE."""

    code: str
    text: str


@dataclass(frozen=True, slots=True)
class VerificationRequired:
    """REGISTER waits for the code the server mailed: VERIFY <account> <code> ends it."""

    account: str
    text: str


@dataclass(frozen=True, slots=True)
class LoggedIn:
    account: str


@dataclass(frozen=True, slots=True)
class ServerText:
    """Welcome, MOTD and other server text for the server tab."""

    text: str
    here: bool = False  # a reply to what the user did, or news: shown where they are too


@dataclass(frozen=True, slots=True)
class ChatLine:
    """A message or notice in a channel or private conversation."""

    conversation: str  # channel name, or the other user's nick
    sender: str
    text: str
    time: str | None  # server-time, when the server sent one
    action: bool = False  # /me
    notice: bool = False
    own: bool = False  # sent by this client (echo-message)
    mention: bool = False  # names this client's nick
    past: bool = False  # from history (a chathistory batch), not said just now
    msgid: str | None = None  # IRCv3 message-ids: what replies, reactions and REDACT name
    reply_to: str | None = None  # +draft/reply: the msgid of the message this answers
    bot: bool = False  # IRCv3 bot mode: the server tagged the sender as a bot
    display: str = ""  # the sender's display-name (metadata), "" when none is known


@dataclass(frozen=True, slots=True)
class Capabilities:
    """What the server agreed to, told at the welcome, so the UI offers only what works."""

    caps: frozenset[str]
    multiline_max_bytes: int = 0  # draft/multiline limits; 0 when multiline is off
    multiline_max_lines: int = 0


@dataclass(frozen=True, slots=True)
class Redacted:
    """IRCv3 message-redaction: a message was deleted; the UI shows it as deleted."""

    conversation: str
    msgid: str
    by: str
    reason: str = ""


@dataclass(frozen=True, slots=True)
class Reacted:
    """+draft/react: `sender` reacted to the message `parent` with `reaction`."""

    conversation: str
    parent: str
    sender: str
    reaction: str
    msgid: str | None = None  # the reaction's own id, which a REDACT may name
    own: bool = False


@dataclass(frozen=True, slots=True)
class Typing:
    """+typing: someone is typing (active), stopped for now (paused), or gave up (done)."""

    conversation: str
    nick: str
    status: str
    display: str = ""


@dataclass(frozen=True, slots=True)
class ReadMarker:
    """draft/read-marker: this account has read `conversation` up to `timestamp` (None: never)."""

    conversation: str
    timestamp: str | None


@dataclass(frozen=True, slots=True)
class MetadataChanged:
    """A metadata key of a user or channel was set (value) or removed (None)."""

    target: str
    key: str
    value: str | None


@dataclass(frozen=True, slots=True)
class Membership:
    """Someone joined, left, was kicked or quit: a quieter line, and the user list changes."""

    conversation: str
    nick: str
    kind: str  # join, part, quit, kick, nick
    detail: str = ""  # reason, or the new nick


@dataclass(frozen=True, slots=True)
class UsersChanged:
    """A channel's user list, as it now is (a copy: the GUI never reads this state)."""

    channel: str
    users: tuple[str, ...] = ()
    bots: tuple[str, ...] = ()  # the nicks among them the server marked as bots
    away: tuple[str, ...] = ()  # the nicks among them who are away


@dataclass(frozen=True, slots=True)
class TopicChanged:
    channel: str
    topic: str
    by: str | None


@dataclass(frozen=True, slots=True)
class Joined:
    """This client is now in a channel: the UI opens its tab."""

    channel: str


@dataclass(frozen=True, slots=True)
class Left:
    channel: str


@dataclass(frozen=True, slots=True)
class Renamed:
    """Someone changed nick (`own`: this client did): titles and private tabs follow."""

    old: str
    new: str
    own: bool


@dataclass(frozen=True, slots=True)
class Kicked:
    """This client was kicked: the channel's tab stays (greyed), offering to rejoin."""

    channel: str
    by: str
    reason: str


@dataclass(frozen=True, slots=True)
class ErrorReply:
    """A numeric error the user should see (e.g. 401, 404, 482)."""

    text: str


@dataclass(frozen=True, slots=True)
class Closed:
    reason: str


@dataclass(frozen=True, slots=True)
class Pong:
    """The answer to a PING this client sent (the connection measures lag with it)."""

    token: str


Event = (
    Registered
    | NickRefused
    | LoginFailed
    | LoggedIn
    | PasswordRefused
    | Banned
    | AccountCreated
    | AccountRefused
    | VerificationRequired
    | ServerText
    | ChatLine
    | Capabilities
    | Redacted
    | Reacted
    | Typing
    | ReadMarker
    | MetadataChanged
    | Membership
    | UsersChanged
    | TopicChanged
    | Joined
    | Left
    | Kicked
    | Renamed
    | ErrorReply
    | Closed
    | Pong
)
