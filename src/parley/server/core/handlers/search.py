"""Searching history: SEARCH (the soju.im/search extension), and what HistServ shares.

    SEARCH <attributes>     e.g. SEARCH text=hello\\sworld;in=#chan;from=bob;limit=20

Attributes are `key=value` pairs split by `;`, values escaped as message tags'
are: `in`, `from`, `after`, `before` (server-time), `text`, `limit`. The answer is
a `soju.im/search` batch of the matching PRIVMSGs and NOTICEs, oldest first, with
their time and msgid; a search no one may run gets `FAIL SEARCH <code>`. Only
what the searcher may read is searched (store/search.py, docs/privacy.md); each
search is checked and counted before it runs, on a worker thread.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace
from functools import partial

from parley.irc.casemap import fold, is_channel
from parley.irc.digits import parse_number
from parley.irc.message import Message, encode, unescape_tag_value
from parley.server.core.clock import server_time
from parley.server.core.context import Context
from parley.server.core.dispatch import command_failed
from parley.server.core.handlers.history import (
    Unreadable,
    _parse_time,
    _reading,
    reader_for,
)
from parley.server.core.multiline import is_multiline
from parley.server.core.multiline_out import replayed
from parley.server.core.outgoing import (
    MULTILINE,
    WANTS_ACCOUNT,
    WANTS_TAGS,
    WANTS_TIME,
    delivery_key,
    with_tags,
)
from parley.server.store.history import HistoryItem
from parley.server.store.search import BadQuery, Scope, SearchQuery, words_of
from parley.server.store.sqlite_search import SearchTimeout

CAP = "soju.im/search"
BATCH_TYPE = "soju.im/search"
DEFAULT_LIMIT = 50
ATTRIBUTES = frozenset(("in", "from", "after", "before", "text", "limit"))
MAX_ATTRIBUTES = 12  # pairs looked at in one SEARCH, repeated keys included

# What a finished search hands on: the lines found, or why there are none.
Found = list[HistoryItem] | Unreadable
Then = Callable[[Context, Found], None]


def handle_search(ctx: Context, msg: Message) -> None:
    try:
        query = parse_attributes(ctx, msg.params[0])
    except BadQuery as exc:
        ctx.fail("SEARCH", "INVALID_PARAMS", msg.params[0][:40], str(exc))
        return
    run(ctx, query, _answer, lambda why: ctx.fail("SEARCH", *why))


def parse_attributes(ctx: Context, raw: str) -> SearchQuery:
    """SEARCH's attributes as a checked query; BadQuery says what is wrong."""
    pairs: dict[str, str] = {}
    pieces = [p for p in raw.split(";") if p]
    if len(pieces) > MAX_ATTRIBUTES:
        raise BadQuery("Too many attributes")
    for piece in pieces:
        key, _, value = piece.partition("=")
        if key not in ATTRIBUTES:
            raise BadQuery(f"Unknown attribute {key[:20]!r}")
        if key in pairs:
            raise BadQuery(f"Attribute {key} given twice")
        pairs[key] = unescape_tag_value(value)
    limits = ctx.server.config.limits
    limit = min(DEFAULT_LIMIT, limits.search_results)
    if "limit" in pairs:
        asked = parse_number(pairs["limit"])
        if not asked:
            raise BadQuery("The limit is a number above 0")
        limit = min(asked, limits.search_results)
    times = {}
    for key in ("after", "before"):
        if key in pairs:
            when = _parse_time(pairs[key])
            if when is None:
                raise BadQuery(f"{key} is a time such as 2026-01-02T03:04:05.000Z")
            times[key] = when
    words = words_of(pairs.get("text", ""), limits.search_words, limits.search_length)
    return SearchQuery(
        words=words,
        target=fold(pairs["in"]) if pairs.get("in") else None,
        sender=fold(pairs["from"]) if pairs.get("from") else None,
        after=times.get("after", 0.0),
        before=times.get("before", 1e12),
        limit=limit,
        oldest="after" in times,
    )


def scope_of(ctx: Context) -> Scope:
    """The searcher's channels now, and what they may read of them and of private
    conversations (made on the loop, as CHATHISTORY's readers are)."""
    channels = tuple(ctx.client.channels.values())
    windows = tuple(w for c in channels for w in reader_for(ctx, c).windows)
    reader = replace(reader_for(ctx, None), windows=windows, events=False)
    return Scope(tuple(c.folded for c in channels), reader)


def run(
    ctx: Context,
    query: SearchQuery,
    then: Then,
    refuse: Callable[[tuple[str, ...]], None],
) -> None:
    """Check where and how often, then search on a worker thread and call `then`;
    `refuse` is given a FAIL code and its context and text when it is not run."""
    target = query.target
    if target is not None and is_channel(target):
        channel = ctx.state.channel(target)
        if channel is None or ctx.client not in channel.members:  # (one answer for both)
            refuse(("INVALID_PARAMS", target, "You can only search channels you are in"))
            return
    limits = ctx.server.config.limits
    throttle = ctx.server.search_throttle
    key, now = ctx.client.uid, ctx.state.clock.monotonic()
    if throttle.blocked(key, now, limits.searches_per_minute):
        refuse(("TEMPORARILY_UNAVAILABLE", "Too many searches: try again in a minute"))
        return
    throttle.fail(key, now)  # counted before it runs
    read = partial(ctx.server.history.search, query, scope_of(ctx), limits.search_seconds)
    ctx.defer(partial(_reading, read), then)


def failure(ctx: Context, found: Unreadable) -> tuple[str, ...]:
    """A search that raised, as a FAIL code and text: too slow, or the store failed."""
    if isinstance(found.error, SearchTimeout):
        return ("INTERNAL_ERROR", "The search took too long: name a channel or use rarer words")
    try:
        raise found.error
    except Exception:
        command_failed(ctx, reply=False)  # logged and counted
    return ("INTERNAL_ERROR", "The search could not be run")


def _answer(ctx: Context, found: Found) -> None:
    if isinstance(found, Unreadable):
        ctx.fail("SEARCH", *failure(ctx, found))
        return
    ctx.stream(_lines(ctx, found))


def _lines(ctx: Context, items: list[HistoryItem]) -> Iterator[bytes]:
    """The batch of lines found (plain lines for a client without batch), made as the
    client reads them (Context.stream)."""
    session = ctx.session
    ref = ctx.server.new_batch_id() if "batch" in session.caps else None
    source = f":{ctx.server.name} ".encode()
    if ref is not None:
        yield source + f"BATCH +{ref} {BATCH_TYPE}\r\n".encode()
    mask = session.tag_mask
    for item in items:
        tags = {"batch": ref} if ref is not None else {}
        if mask & WANTS_TIME:
            tags["time"] = server_time(item.time)
        if mask & WANTS_TAGS:
            tags["msgid"] = item.msgid
            tags.update(item.tags)
        if mask & WANTS_ACCOUNT and item.account:
            tags["account"] = item.account
        if is_multiline(item.text):  # IRCv3 multiline: a batch in the batch, or its lines
            new = ctx.server.new_batch_id() if delivery_key(session) & MULTILINE else None
            yield from replayed(item.source, item.command, item.target, item.text, tags, new)
            continue
        line = encode(Message(item.command, (item.target, item.text), item.source))
        yield with_tags(line, tags)
    if ref is not None:
        yield source + f"BATCH -{ref}\r\n".encode()
