"""What a line typed into the input box means: a message, or a /command (no Tk here)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.casemap import is_channel
from parley.irc.message import Message

if TYPE_CHECKING:
    from parley.client.chat_commands import MoreAction

MAX_TEXT = 400  # bytes of text per line, leaving room for the prefix the server adds

HELP = """Commands:
/join #channel [key]   /part [reason]        /msg nick text   /query nick
/me action             /nick newnick         /topic [text]    /away [reason]
/back                  /whois nick           /names           /list
/typing on|off         /quit [reason]        /help
/kick nick [reason]    /ban nick             /op nick         /deop nick
/voice nick            /mode [target] modes  /notice target text
/invite nick [#chan]   /motd                 /close           /quote RAW LINE
/search words [in:#channel]                  /theme light|dark
Right-click a message to reply to it, react to it or delete it.
Keys: Tab completes, Ctrl+K switches, Ctrl+PgUp/PgDn and Alt+1..9 move, Ctrl+F finds."""


@dataclass(frozen=True, slots=True)
class Send:
    """Lines to send to the server."""

    lines: tuple[Message, ...]


@dataclass(frozen=True, slots=True)
class OpenQuery:
    nick: str


@dataclass(frozen=True, slots=True)
class ShowText:
    """Text for the user only (help, usage, an unknown command)."""

    text: str


@dataclass(frozen=True, slots=True)
class QuitApp:
    reason: str


@dataclass(frozen=True, slots=True)
class SetTyping:
    """Whether others are told when this user types (+typing): a privacy choice."""

    on: bool


Action = Send | OpenQuery | ShowText | QuitApp | SetTyping


def split_text(text: str, limit: int = MAX_TEXT) -> list[str]:
    """Cut long text into pieces that fit a line, at spaces where possible, never mid-character."""
    pieces: list[str] = []
    while len(text.encode()) > limit:
        cut = len(text.encode()[:limit].decode("utf-8", "ignore"))
        space = text.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space
        pieces.append(text[:cut])
        text = text[cut:].lstrip(" ")
    if text:
        pieces.append(text)
    return pieces


def _say(target: str, text: str, action: bool = False) -> Send:
    pieces = split_text(text, MAX_TEXT - (9 if action else 0))
    if action:
        pieces = [f"\x01ACTION {p}\x01" for p in pieces]
    return Send(tuple(Message.of("PRIVMSG", target, p) for p in pieces))


def interpret(line: str, current: str | None) -> Action | MoreAction:
    """The action for one typed line; `current` is the open channel or query, if any."""
    if not line.startswith("/") or line.startswith("//"):
        text = line[1:] if line.startswith("//") else line
        if current is None:
            return ShowText("Join a channel or open a conversation first (/join #lobby).")
        return _say(current, text)
    command, _, rest = line[1:].partition(" ")
    command, rest = command.lower(), rest.strip()
    words = rest.split()
    if command == "join" and words:
        channel = words[0] if is_channel(words[0]) else "#" + words[0]
        return Send((Message.of("JOIN", channel, *words[1:2]),))
    if command == "part":
        target = words[0] if words and is_channel(words[0]) else current
        if target is None or not is_channel(target):
            return ShowText("Usage: /part [#channel] [reason]")
        reason = rest[len(words[0]) :].strip() if words and is_channel(words[0]) else rest
        return Send((Message.of("PART", target, *([reason] if reason else [])),))
    if command in ("msg", "query") and words:
        text = rest[len(words[0]) :].strip()
        if command == "query" and not text:
            return OpenQuery(words[0])
        return _say(words[0], text) if text else ShowText("Usage: /msg nick text")
    if command == "me" and current is not None and rest:
        return _say(current, rest, action=True)
    if command == "nick" and len(words) == 1:
        return Send((Message.of("NICK", words[0]),))
    if command == "topic":
        if current is None or not is_channel(current):
            return ShowText("Usage, in a channel: /topic [new topic]")
        return Send((Message.of("TOPIC", current, *([rest] if rest else [])),))
    if command == "away":
        return Send((Message.of("AWAY", rest or "Away"),))
    if command == "back":
        return Send((Message.of("AWAY"),))
    if command == "whois" and words:
        return Send((Message.of("WHOIS", words[0]),))
    if command == "names" and (words or current):
        return Send((Message.of("NAMES", words[0] if words else str(current)),))
    if command == "list":
        return Send((Message.of("LIST"),))
    if command == "typing" and words in (["on"], ["off"]):
        return SetTyping(words[0] == "on")
    if command == "quit":
        return QuitApp(rest or "Leaving")
    if command == "help":
        return ShowText(HELP)
    from parley.client.chat_commands import more_commands  # they build on the actions above

    more = more_commands(command, rest, current)
    if more is not None:
        return more
    return ShowText(f"Unknown command /{command}, or it needs more words: /help lists them.")
