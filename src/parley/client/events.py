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
class LoggedIn:
    account: str


@dataclass(frozen=True, slots=True)
class ServerText:
    """Welcome, MOTD and other server text for the server tab."""

    text: str


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
    | ServerText
    | ChatLine
    | Membership
    | UsersChanged
    | TopicChanged
    | Joined
    | Left
    | ErrorReply
    | Closed
    | Pong
)
