"""The /commands for moderating, raw lines and history search (no Tk here).

`more_commands` answers the commands it knows and None for the rest, so
commands.interpret asks it before saying a command is unknown.
"""

from __future__ import annotations

from dataclasses import dataclass

from parley.client.commands import Send, ShowText
from parley.irc.casemap import is_channel
from parley.irc.message import Message, ProtocolError, escape_tag_value, parse

MAX_SEARCH = 200  # characters of words a /search sends
SEARCH_LIMIT = 50  # results asked for


@dataclass(frozen=True, slots=True)
class Search:
    """Search the server's history: by SEARCH where the server offers it, else HistServ."""

    words: str
    where: str | None = None  # a channel or nick named with in:


@dataclass(frozen=True, slots=True)
class CloseConversation:
    name: str


@dataclass(frozen=True, slots=True)
class SetTheme:
    name: str


def search_attributes(search: Search, limit: int = SEARCH_LIMIT) -> str:
    """SEARCH's attributes (soju.im/search): values escaped as message tags' are."""
    pairs = [f"text={escape_tag_value(search.words)}"] if search.words else []
    if search.where:
        pairs.append(f"in={escape_tag_value(search.where)}")
    pairs.append(f"limit={limit}")
    return ";".join(pairs)


def search_lines(search: Search, has_cap: bool) -> tuple[Message, ...]:
    """What a search sends: SEARCH with the capability, a line to HistServ without."""
    if has_cap:
        return (Message.of("SEARCH", search_attributes(search)),)
    where = f" in:{search.where}" if search.where else ""
    return (Message.of("PRIVMSG", "HistServ", f"SEARCH {search.words}{where}".strip()),)


def _usage(text: str) -> ShowText:
    return ShowText(f"Usage: {text}")


MoreAction = Send | ShowText | Search | CloseConversation | SetTheme


def more_commands(command: str, rest: str, current: str | None) -> MoreAction | None:
    """The action for the commands here; None when `command` is not one of them."""
    words = rest.split()
    channel = current if current is not None and is_channel(current) else None
    if command in ("op", "deop", "voice", "devoice", "ban", "unban", "kick"):
        if channel is None or not words:
            return _usage(f"in a channel, /{command} nick")
        nick = words[0]
        if command == "kick":
            reason = rest[len(nick) :].strip()
            return Send((Message.of("KICK", channel, nick, *([reason] if reason else [])),))
        if command in ("ban", "unban"):
            mask = nick if any(c in nick for c in "!@*") else f"{nick}!*@*"
            sign = "+" if command == "ban" else "-"
            return Send((Message.of("MODE", channel, f"{sign}b", mask),))
        flag = {"op": "+o", "deop": "-o", "voice": "+v", "devoice": "-v"}[command]
        return Send((Message.of("MODE", channel, flag, *words[:1]),))
    if command == "mode":
        if words and (is_channel(words[0]) or words[0][:1] not in "+-"):
            return Send((Message.of("MODE", *words),))
        if current is None:
            return _usage("/mode target [modes]")
        return Send((Message.of("MODE", current, *words),))
    if command == "notice":
        if len(words) < 2:
            return _usage("/notice target text")
        return Send((Message.of("NOTICE", words[0], rest[len(words[0]) :].strip()),))
    if command == "motd":
        return Send((Message.of("MOTD"),))
    if command == "invite":
        where = words[1] if len(words) > 1 else channel
        if not words or where is None:
            return _usage("/invite nick [#channel]")
        return Send((Message.of("INVITE", words[0], where),))
    if command == "close":
        name = words[0] if words else current
        return CloseConversation(name) if name else _usage("/close [conversation]")
    if command in ("quote", "raw"):
        try:
            line = parse(rest) if rest.strip() else None
        except ProtocolError:
            line = None
        return Send((line,)) if line is not None else _usage("/quote COMMAND params")
    if command == "search":
        return parse_search(rest)
    if command == "theme":
        return SetTheme(words[0]) if words in (["light"], ["dark"]) else _usage("/theme light|dark")
    return None


def parse_search(rest: str) -> Search | ShowText:
    """`/search words [in:#channel]`: the words, and where, if named."""
    where = None
    kept = []
    for word in rest.split():
        if word.lower().startswith("in:") and len(word) > 3:
            where = word[3:]
        else:
            kept.append(word)
    words = " ".join(kept)[:MAX_SEARCH]
    if not words:
        return _usage("/search words [in:#channel]")
    return Search(words, where)
