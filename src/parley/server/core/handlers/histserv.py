"""HistServ: searching history from any IRC client, as `/msg HistServ SEARCH words`.

A pseudo-user like NickServ (its nick is never free): what is sent to it is a
command, never stored; it answers with NOTICEs, the newest line found first, one
line each (time, where, who, text), at most RESULTS of them. The search itself
is SEARCH's (handlers/search.py): the same rule, limits and worker thread.
"""

from __future__ import annotations

import time

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.server.core.context import Context
from parley.server.core.handlers.history import Unreadable
from parley.server.core.handlers.search import Found, failure, run
from parley.server.core.reservation import HISTSERV, HISTSERV_PREFIX
from parley.server.store.history import HistoryItem
from parley.server.store.search import BadQuery, SearchQuery, words_of

RESULTS = 10  # lines one answer holds
TEXT = 300  # characters of a line's text shown


def handle_hs(ctx: Context, msg: Message) -> None:
    """HS / HISTSERV <command...>: a line to HistServ as a command, as NS is NickServ's."""
    histserv(ctx, " ".join(msg.params))


def histserv(ctx: Context, text: str) -> None:
    """A line sent to HistServ: SEARCH or HELP."""
    words = text.split(None, 1)
    command = words[0].upper() if words else "HELP"
    if command == "HELP":
        _help(ctx)
    elif command != "SEARCH":
        _say(ctx, f"Unknown command {command[:20]}. Try: /msg {HISTSERV} HELP")
    elif ctx.deferred is not None:  # named twice in one PRIVMSG: one search a line
        _say(ctx, "One search at a time.")
    else:
        _search(ctx, words[1] if len(words) > 1 else "")


def _say(ctx: Context, text: str) -> None:
    ctx.send(Message("NOTICE", (ctx.nick, text), HISTSERV_PREFIX))


def _search(ctx: Context, text: str) -> None:
    try:
        query = parse(ctx, text)
    except BadQuery as exc:
        _say(ctx, f"{exc}.")
        return
    if not query.words and query.sender is None:
        _say(ctx, f"Usage: SEARCH <words> [in:#channel] [from:nick] (/msg {HISTSERV} HELP)")
        return
    run(ctx, query, _found, lambda why: _say(ctx, f"{why[-1]}."))


def parse(ctx: Context, text: str) -> SearchQuery:
    """`words [in:#channel|nick] [from:nick]` as a query for the newest RESULTS lines."""
    limits = ctx.server.config.limits
    if len(text) > limits.search_length:
        raise BadQuery(f"The search is too long (at most {limits.search_length} characters)")
    words, where, sender = [], None, None
    for piece in text.split():
        key, colon, value = piece.partition(":")
        if colon and value and key.lower() == "in":
            where = fold(value)
        elif colon and value and key.lower() == "from":
            sender = fold(value)
        else:
            words.append(piece)
    found = words_of(" ".join(words), limits.search_words, limits.search_length)
    return SearchQuery(found, where, sender, limit=min(RESULTS, limits.search_results))


def _found(ctx: Context, found: Found) -> None:
    if isinstance(found, Unreadable):
        _say(ctx, f"{failure(ctx, found)[-1]}.")
        return
    if not found:
        _say(ctx, "No messages found (only channels you are in and your own private"
             " messages are searched).")  # fmt: skip
        return
    more = " (the newest; narrow it with in:#channel or from:nick)" if len(found) >= RESULTS else ""
    _say(ctx, f"{len(found)} found, newest first, times in UTC{more}:")
    for item in reversed(found):
        _say(ctx, result_line(item))
    _say(ctx, "End of results.")


def result_line(item: HistoryItem) -> str:
    """One found line: `2026-01-02 03:04 #chan <alice> text` (`alice → bob` when private)."""
    stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.time))
    nick = item.source.split("!", 1)[0]
    who = f"<{nick}>" if item.incarnation is not None else f"<{nick} → {item.target}>"
    where = f"{item.target} " if item.incarnation is not None else ""
    text = " ".join(item.text.split())  # (a multi-line message on one line)
    if text.startswith("\x01ACTION ") and item.command == "PRIVMSG":
        text, who = text[8:].rstrip("\x01"), f"* {nick}"
    if len(text) > TEXT:
        text = text[: TEXT - 1] + "…"
    return f"{stamp} {where}{who} {text}"


def _help(ctx: Context) -> None:
    for line in (
        f"{HISTSERV} searches the history you may read: the channels you are in now"
        " (what you could read there) and your own private messages.",
        "SEARCH <words> [in:#channel|nick] [from:nick]   the newest lines with all the words",
        f"  e.g. /msg {HISTSERV} SEARCH deploy friday in:#ops from:alice",
        "Each word finds the words it begins (deploy finds deployment), any case.",
        "HELP                                            this text",
    ):
        _say(ctx, line)
