"""The client's protocol state, sans-IO: Messages in, events for the UI and lines out.

How this works: `ClientState.start()` gives the first lines to send (CAP LS 302,
NICK, USER). Each Message from the server goes to `receive`, which updates what
the client knows (its nick, its channels and their users and topics) and returns
UI events; lines to send back (CAP REQ, AUTHENTICATE, PONG) collect in `outbox`.
Nothing here does I/O, so it is tested without sockets or Tk.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from enum import Enum

from parley.client.events import (
    AccountCreated,
    AccountRefused,
    Banned,
    Capabilities,
    ChatLine,
    Closed,
    ErrorReply,
    Event,
    Joined,
    Kicked,
    Left,
    LoggedIn,
    LoginFailed,
    Membership,
    MetadataChanged,
    NickRefused,
    PasswordRefused,
    Pong,
    Reacted,
    ReadMarker,
    Redacted,
    Registered,
    Renamed,
    ServerText,
    TopicChanged,
    Typing,
    UsersChanged,
    VerificationRequired,
)
from parley.client.extensions import BOT_TAGS, MAX_METADATA_USERS, Extensions
from parley.client.mentions import mentions
from parley.client.presence import Presence
from parley.client.replies import readable
from parley.client.search_results import SearchBatches
from parley.irc.casemap import fold, is_channel
from parley.irc.message import Message

__all__ = [
    "HISTORY_LINES",
    "WANTED_CAPS",
    "AccountCreated",
    "AccountRefused",
    "Banned",
    "Capabilities",
    "ChannelView",
    "ChatLine",
    "ClientState",
    "Closed",
    "ErrorReply",
    "Event",
    "Joined",
    "Kicked",
    "Left",
    "LoggedIn",
    "LoginFailed",
    "Membership",
    "MetadataChanged",
    "NickRefused",
    "PasswordRefused",
    "Phase",
    "Pong",
    "Reacted",
    "ReadMarker",
    "Redacted",
    "Registered",
    "Renamed",
    "ServerText",
    "TopicChanged",
    "Typing",
    "UsersChanged",
    "VerificationRequired",
    "verify_line",
]

MAX_CODE = 64  # characters of a verification code a user may paste

# What the client asks for when the server offers it.
WANTED_CAPS = (
    "server-time",
    "echo-message",
    "multi-prefix",
    "away-notify",
    "account-notify",
    "extended-join",
    "batch",
    "message-tags",
    "draft/chathistory",
    "cap-notify",
    "draft/message-redaction",
    "draft/multiline",
    "draft/read-marker",
    "soju.im/search",
)
PREFIX_ORDER = "~&@%+"  # sorted ranks: owners and ops first, voices after
HISTORY_LINES = 50  # fetched on joining a channel
REGISTRATION_CAP = "draft/account-registration"


class Phase(Enum):
    """Where the connection is."""

    NEGOTIATING = "negotiating"  # CAP and SASL before the welcome
    REGISTERED = "registered"  # 001 received
    CLOSED = "closed"  # ERROR received


@dataclass
class ChannelView:
    """What the client knows of a channel it is in."""

    name: str
    topic: str = ""
    users: dict[str, str] = field(default_factory=dict)  # nick -> prefix symbols

    def sorted_users(self) -> list[str]:
        """Users with their highest prefix, ops first, then alphabetically."""

        def rank(item: tuple[str, str]) -> tuple[int, str]:
            nick, prefixes = item
            best = min((PREFIX_ORDER.index(p) for p in prefixes if p in PREFIX_ORDER), default=9)
            return best, fold(nick)

        return [(p[:1] + n) for n, p in sorted(self.users.items(), key=rank)]


_SILENT = frozenset(  # shown otherwise; 768-772: metadata keys unset, subscriptions made
    {"004", "005", "329", "333", "366", "768", "770", "771", "772", "900", "903", "908"}
)
_SAID_WHERE_TYPED = frozenset({"REDACT", "BATCH", "TAGMSG", "PRIVMSG", "NOTICE", "SEARCH"})  # FAILs
_ERRORS = frozenset(  # errors the user should see where they are typing
    {"401", "403", "404", "405", "421", "432", "433", "442", "471", "473", "474", "475", "482"}
)


def verify_line(account: str, code: str) -> Message | None:
    """VERIFY with the code the user read in the mail; None for what cannot be a code."""
    code = code.strip()
    if not code or " " in code or len(code) > MAX_CODE:
        return None
    return Message.of("VERIFY", account, code)


class ClientState(Extensions, Presence):
    """One connection's protocol state."""

    def __init__(
        self,
        nick: str,
        user: str | None = None,
        realname: str | None = None,
        password: str | None = None,  # the account password, for SASL PLAIN
        server_password: str | None = None,
        create_account: bool = False,  # register the nick as an account with `password`
        account: str | None = None,  # the account to log into, when it is not the nick
        email: str | None = None,  # given with REGISTER, for servers that mail a code
    ) -> None:
        self.nick = nick
        self.user = user or nick
        self.realname = realname or nick
        self.password = password
        self.server_password = server_password
        self.create_account = create_account and password is not None
        self.login_name = account or nick
        self.email = email or None
        self.phase = Phase.NEGOTIATING
        self.caps: set[str] = set()
        self.account: str | None = None
        self.channels: dict[str, ChannelView] = {}
        self.outbox: list[Message] = []
        self._prefixes = {"o": "@", "v": "+"}
        self._awaiting_account = False
        self._offered = ""  # CAP LS lines gathered until the last one
        self._register_after_welcome = False  # the server takes REGISTER only once connected
        self._history_batches: set[str] = set()  # open chathistory batch references
        # server-time of the last line seen per conversation: history fetched after it
        self.last_seen: dict[str, str] = {}
        self.bots: set[str] = set()  # folded nicks of the bots seen
        self.welcomed = False  # the MOTD is over: server text from now on answers the user
        self._init_extensions()
        self.searches = SearchBatches()
        self._init_presence()

    # -- out -----------------------------------------------------------------

    def start(self) -> list[Message]:
        """The lines that open a connection."""
        lines = [Message.of("CAP", "LS", "302")]
        if self.server_password:
            lines.append(Message.of("PASS", self.server_password))
        lines += [
            Message.of("NICK", self.nick),
            Message.of("USER", self.user, "0", "*", self.realname),
        ]
        return lines

    def take_outbox(self) -> list[Message]:
        lines, self.outbox = self.outbox, []
        return lines

    def channel(self, name: str) -> ChannelView | None:
        return self.channels.get(fold(name))

    # -- in ------------------------------------------------------------------

    def receive(self, msg: Message) -> list[Event]:
        """Update from one server message; the events the UI should show."""
        searched = self.searches.take(msg, self.nick)
        if searched is not None:
            return searched  # type: ignore[return-value]
        handler = _HANDLERS.get(msg.command)
        if handler is not None:
            events = handler(self, msg)
        else:
            events = self._on_numeric(msg) if msg.command.isdigit() else []
        if msg.tags and any(tag in msg.tags for tag in BOT_TAGS):
            events += self._learn_bot(self._source_nick(msg))
        return events

    def _learn_bot(self, nick: str) -> list[Event]:
        """IRCv3 bot mode: a line tagged `bot` came from a bot; its channels' lists say so."""
        if not nick or fold(nick) in self.bots or len(self.bots) >= MAX_METADATA_USERS:
            return []
        self.bots.add(fold(nick))
        return [self._users(view) for view in self.channels.values() if nick in view.users]

    def _source_nick(self, msg: Message) -> str:
        return (msg.source or "").split("!", 1)[0]

    def _is_me(self, nick: str) -> bool:
        return fold(nick) == fold(self.nick)

    def _on_ping(self, msg: Message) -> list[Event]:
        self.outbox.append(Message("PONG", msg.params[-1:] or ("",)))
        return []

    def _on_pong(self, msg: Message) -> list[Event]:
        return [Pong(msg.params[-1])] if msg.params else []

    def _on_error(self, msg: Message) -> list[Event]:
        self.phase = Phase.CLOSED
        return [Closed(msg.params[-1] if msg.params else "closed")]

    def _on_cap(self, msg: Message) -> list[Event]:
        sub = msg.params[1].upper() if len(msg.params) > 1 else ""
        if sub == "LS":
            if len(msg.params) > 3 and msg.params[2] == "*":
                self._offered += " " + msg.params[3]  # more LS lines follow
                return []
            offered = self._offered + " " + msg.params[-1]
            values = dict(item.partition("=")[::2] for item in offered.split())
            wanted = [c for c in WANTED_CAPS if c in values] + self._extension_caps(values)
            events = self._account_caps(values, wanted)
            if wanted:
                self.outbox.append(Message("CAP", ("REQ", " ".join(wanted))))
            else:
                self.outbox.append(Message.of("CAP", "END"))
            return events
        elif sub == "ACK":
            self.caps.update(msg.params[-1].split())
            if self.phase is not Phase.NEGOTIATING or self._awaiting_account:
                return []
            self._subscribe_early()
            if self.create_account and not self._register_after_welcome:
                self._awaiting_account = True  # REGISTER logs in: the same wait as SASL
                self.outbox.append(self._register_line())
            elif "sasl" in self.caps and self.password and self.account is None:
                self._awaiting_account = True
                self.outbox.append(Message.of("AUTHENTICATE", "PLAIN"))
            else:
                self.outbox.append(Message.of("CAP", "END"))
        elif sub == "NAK" and self.phase is Phase.NEGOTIATING:
            self.outbox.append(Message.of("CAP", "END"))
        return []

    def _account_caps(self, offered: dict[str, str], wanted: list[str]) -> list[Event]:
        """Ask for what creating or logging into the account needs; say so if it is missing."""
        if self.create_account:
            if REGISTRATION_CAP not in offered:
                self.create_account = False
                return [AccountRefused("UNAVAILABLE", "No account creation on this server")]
            wanted.append(REGISTRATION_CAP)
            flags = offered[REGISTRATION_CAP].split(",")
            self._register_after_welcome = "before-connect" not in flags
        elif self.password:
            if "sasl" not in offered:
                return [LoginFailed("The server does not offer logging in (SASL)")]
            wanted.append("sasl")
        return []

    def _register_line(self) -> Message:
        """IRCv3 account-registration: the current nick as the account, the address if any."""
        return Message.of("REGISTER", "*", self.email or "*", self.password or "")

    def _on_register(self, msg: Message) -> list[Event]:
        """REGISTER SUCCESS (logged in already, by 900) or VERIFICATION_REQUIRED."""
        sub = msg.params[0].upper() if msg.params else ""
        account = msg.params[1] if len(msg.params) > 1 else self.nick
        self.create_account = False
        self._end_account_step()
        if sub == "SUCCESS":
            return [AccountCreated(account)]
        text = msg.params[-1] if msg.params else sub
        if sub == "VERIFICATION_REQUIRED":
            return [VerificationRequired(account, text)]
        return [AccountRefused(sub, text)]

    def _on_fail(self, msg: Message) -> list[Event]:
        """IRCv3 standard replies: FAIL <command> <code> [context...] :text."""
        command = msg.params[0].upper() if msg.params else ""
        code = msg.params[1] if len(msg.params) > 2 else ""
        text = msg.params[-1] if msg.params else ""
        if command == "REGISTER":
            self.create_account = False
            self._end_account_step()
            return [AccountRefused(code, text)]
        if command == "VERIFY":
            return [AccountRefused(code, text)]
        if command in _SAID_WHERE_TYPED:  # a deletion, paste or reaction refused: say so there
            return [ErrorReply(text)]
        return [ServerText(f"{command}: {text}", self.welcomed)]

    def _on_batch(self, msg: Message) -> list[Event]:
        """Track chathistory batches (their lines are past) and gather multi-line messages."""
        ref = msg.params[0] if msg.params else ""
        kind = msg.params[1] if len(msg.params) > 1 else ""
        if ref.startswith("+") and kind == "chathistory":
            self._history_batches.add(ref[1:])
        elif ref.startswith("+") and kind == "draft/multiline":
            self._open_multiline(ref[1:], msg)
        elif ref.startswith("-"):
            self._history_batches.discard(ref[1:])
            return self._close_multiline(ref[1:])
        return []

    def _on_authenticate(self, msg: Message) -> list[Event]:
        if msg.params and msg.params[0] == "+" and self.password is not None:
            blob = f"\0{self.login_name}\0{self.password}".encode()
            self.outbox.append(Message.of("AUTHENTICATE", base64.b64encode(blob).decode()))
        return []

    def _on_numeric(self, msg: Message) -> list[Event]:
        code, params = msg.command, msg.params
        text = params[-1] if params else ""
        if code == "001":
            self.phase = Phase.REGISTERED
            self.nick = params[0]
            if self.create_account and self._register_after_welcome:
                self.outbox.append(self._register_line())
            return [self._capabilities(), Registered(self.nick), ServerText(text)]
        if code == "005":
            for token in params[1:-1]:
                if token.startswith("PREFIX=("):
                    letters, symbols = token[8:].split(")", 1)
                    self._prefixes = dict(zip(letters, symbols, strict=False))
            return []
        if code in ("433", "432") and self.phase is Phase.NEGOTIATING:
            return [NickRefused(params[1], "taken" if code == "433" else "invalid")]
        if code in ("900",):
            self.account = params[2] if len(params) > 2 else self.nick
            return [LoggedIn(self.account)]
        if code == "903":
            self._end_account_step()
            return []
        if code in ("902", "904", "905", "906"):
            self._end_account_step()
            return [LoginFailed(text, code)]
        if code == "464":
            return [PasswordRefused(text)]
        if code == "465":
            return [Banned(text)]
        if code == "353" and len(params) >= 4:
            view = self.channel(params[2])
            if view is not None:
                for entry in params[3].split():
                    nick = entry.lstrip("".join(self._prefixes.values()))
                    view.users[nick.split("!", 1)[0]] = entry[: len(entry) - len(nick)]
                return [self._users(view)]
            return []
        if code == "332" and len(params) >= 3:
            view = self.channel(params[1])
            if view is not None:
                view.topic = text
                return [TopicChanged(view.name, text, None)]
            return []
        if code in ("352", "315") and self._who_answer(params):
            return [self._users(view) for view in self._who_done(code, params)]
        if code == "761":
            return self._on_keyvalue(params)
        if code == "766":  # RPL_KEYNOTSET: a key has no value (any more)
            return self._set_metadata(params[1], params[2], None) if len(params) > 2 else []
        if code == "774":
            return self._sync_later(params)
        if code in _ERRORS:
            return [ErrorReply(" ".join(params[1:]))]
        if code == "301":
            return [ServerText(f"{params[1]} is away: {text}", self.welcomed)]
        if code in _SILENT:
            return []
        # Everything else (WHOIS, LIST, LUSERS, MOTD...): readable text for the server tab.
        said = ServerText(readable(code, params) or " ".join(params[1:]), self.welcomed)
        self.welcomed = self.welcomed or code in ("376", "422")  # the end of the MOTD
        return [said]

    def _channels_with(self, nick: str) -> list[ChannelView]:
        return [view for view in self.channels.values() if nick in view.users]

    def _users(self, view: ChannelView) -> UsersChanged:
        bots = tuple(nick for nick in view.users if fold(nick) in self.bots)
        away = tuple(nick for nick in view.users if fold(nick) in self.away)
        return UsersChanged(view.name, tuple(view.sorted_users()), bots, away)

    def _end_account_step(self) -> None:
        if self._awaiting_account:
            self._awaiting_account = False
            if self.phase is Phase.NEGOTIATING:
                self.outbox.append(Message.of("CAP", "END"))

    def _on_join(self, msg: Message) -> list[Event]:
        nick, name = self._source_nick(msg), msg.params[0]
        if self._is_me(nick):
            self.channels[fold(name)] = ChannelView(name)
            if "draft/chathistory" in self.caps:  # what was said before, or while we were away
                since = self.last_seen.get(fold(name))
                ref = f"timestamp={since}" if since else "*"
                self.outbox.append(
                    Message.of("CHATHISTORY", "LATEST", name, ref, str(HISTORY_LINES))
                )
            self._ask_who(name)
            return [Joined(name)]
        view = self.channel(name)
        if view is None:
            return []
        view.users[nick] = ""
        self._set_away(nick, False)  # away-notify says so next, if they are
        return [Membership(view.name, nick, "join"), self._users(view)]

    def _leave(self, name: str, nick: str, kind: str, detail: str) -> list[Event]:
        view = self.channel(name)
        if view is None:
            return []
        if self._is_me(nick):
            del self.channels[fold(name)]
            return [Membership(view.name, nick, kind, detail), Left(view.name)]
        view.users.pop(nick, None)
        return [Membership(view.name, nick, kind, detail), self._users(view)]

    def _on_part(self, msg: Message) -> list[Event]:
        reason = msg.params[1] if len(msg.params) > 1 else ""
        return self._leave(msg.params[0], self._source_nick(msg), "part", reason)

    def _on_kick(self, msg: Message) -> list[Event]:
        reason = msg.params[2] if len(msg.params) > 2 else ""
        by = self._source_nick(msg)
        events = self._leave(msg.params[0], msg.params[1], "kick", f"by {by}: {reason}")
        if events and self._is_me(msg.params[1]):  # the tab stays, with who and why
            events[-1] = Kicked(msg.params[0], by, reason)
        return events

    def _on_quit(self, msg: Message) -> list[Event]:
        nick = self._source_nick(msg)
        reason = msg.params[0] if msg.params else ""
        self.metadata.pop(fold(nick), None)
        self.bots.discard(fold(nick))
        self.away.discard(fold(nick))
        events: list[Event] = []
        for view in self.channels.values():
            if nick in view.users:
                del view.users[nick]
                events += [Membership(view.name, nick, "quit", reason), self._users(view)]
        return events

    def _on_nick(self, msg: Message) -> list[Event]:
        old, new = self._source_nick(msg), msg.params[0]
        own = self._is_me(old)
        if own:
            self.nick = new
        elif fold(old) in self.last_seen and fold(new) not in self.last_seen:  # the query's
            self.last_seen[fold(new)] = self.last_seen.pop(fold(old))
        self._rename_metadata(old, new)
        self._rename_away(old, new)
        if fold(old) in self.bots:
            self.bots.discard(fold(old))
            self.bots.add(fold(new))
        events: list[Event] = [Renamed(old, new, own)]
        for view in self.channels.values():
            if old in view.users:
                view.users[new] = view.users.pop(old)
                events += [Membership(view.name, old, "nick", new), self._users(view)]
        return events

    def _on_topic(self, msg: Message) -> list[Event]:
        view = self.channel(msg.params[0])
        if view is None:
            return []
        view.topic = msg.params[-1]
        return [TopicChanged(view.name, view.topic, self._source_nick(msg))]

    def _on_mode(self, msg: Message) -> list[Event]:
        view = self.channel(msg.params[0]) if is_channel(msg.params[0]) else None
        if view is None or len(msg.params) < 2:
            return []
        adding, args = True, list(msg.params[2:])
        for letter in msg.params[1]:
            if letter in "+-":
                adding = letter == "+"
            elif letter in self._prefixes:
                nick = args.pop(0) if args else ""
                symbol = self._prefixes[letter]
                held = view.users.get(nick, "").replace(symbol, "")
                view.users[nick] = held + symbol if adding else held
            elif (letter in "beIkqfjL" or (letter == "l" and adding)) and args:
                args.pop(0)  # a mode with an argument that is not a member's
        return [self._users(view)]

    def _on_privmsg(self, msg: Message) -> list[Event]:
        return self._chat(msg, notice=False)

    def _on_notice(self, msg: Message) -> list[Event]:
        if not msg.source or "!" not in msg.source:  # from the server itself
            return [ServerText(msg.params[-1], self.welcomed)]
        if msg.params[0].startswith("$") and len(msg.params) > 1:  # an operator's, to all
            return [ServerText(f"{self._source_nick(msg)} to everyone: {msg.params[1]}", True)]
        return self._chat(msg, notice=True)

    def _chat(self, msg: Message, notice: bool) -> list[Event]:
        if len(msg.params) < 2:
            return []
        batch = self._multiline.get(msg.tags.get("batch", ""))
        if batch is not None:
            self._multiline_line(batch, msg)
            return []
        sender, target, text = self._source_nick(msg), msg.params[0], msg.params[1]
        own = self._is_me(sender)
        conversation = self._conversation(sender, target)
        action = text.startswith("\x01ACTION ") and text.endswith("\x01")
        if action:
            text = text[8:-1]
        elif text.startswith("\x01"):
            return []  # other CTCP: not shown
        mention = not own and (
            mentions(self.nick, text) or not (notice or is_channel(target.lstrip("~&@%+")))
        )
        past = msg.tags.get("batch") in self._history_batches
        time = msg.tags.get("time")
        if time is not None and time > self.last_seen.get(fold(conversation), ""):
            self.last_seen[fold(conversation)] = time
        if not is_channel(conversation):
            self._ask_read_marker(conversation)
        tags = msg.tags
        bot = any(tag in tags for tag in BOT_TAGS)
        return [ChatLine(conversation, sender, text, time, action, notice, own, mention, past,
                         tags.get("msgid"), tags.get("+draft/reply"), bot,
                         self.display_name(sender))]  # fmt: skip


_HANDLERS = {
    "PING": ClientState._on_ping,
    "ERROR": ClientState._on_error,
    "PONG": ClientState._on_pong,
    "CAP": ClientState._on_cap,
    "AUTHENTICATE": ClientState._on_authenticate,
    "REGISTER": ClientState._on_register,
    "VERIFY": ClientState._on_register,  # VERIFY SUCCESS <account> :text, as REGISTER's
    "FAIL": ClientState._on_fail,
    "BATCH": ClientState._on_batch,
    "JOIN": ClientState._on_join,
    "PART": ClientState._on_part,
    "KICK": ClientState._on_kick,
    "QUIT": ClientState._on_quit,
    "NICK": ClientState._on_nick,
    "TOPIC": ClientState._on_topic,
    "MODE": ClientState._on_mode,
    "PRIVMSG": ClientState._on_privmsg,
    "NOTICE": ClientState._on_notice,
    "TAGMSG": ClientState._on_tagmsg,
    "REDACT": ClientState._on_redact,
    "MARKREAD": ClientState._on_markread,
    "METADATA": ClientState._on_metadata,
    "AWAY": ClientState._on_away,
}
