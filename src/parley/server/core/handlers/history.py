"""History: recording messages, and IRCv3 draft/chathistory to read them back.

    CHATHISTORY LATEST  <target> <* | ref> <limit>
    CHATHISTORY BEFORE | AFTER | AROUND <target> <ref> <limit>
    CHATHISTORY BETWEEN <target> <ref> <ref> <limit>
    CHATHISTORY TARGETS <timestamp> <timestamp> <limit>

A ref is `msgid=...` or `timestamp=...`; answers come in a `chathistory` batch.
"""

from __future__ import annotations

import calendar
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from functools import partial
from typing import TYPE_CHECKING, TypeVar

from parley.irc.casemap import fold, is_channel
from parley.irc.digits import parse_number
from parley.irc.message import Message, encode
from parley.server.core.clock import server_time
from parley.server.core.context import Context
from parley.server.core.dispatch import command_failed
from parley.server.core.multiline import is_multiline
from parley.server.core.multiline_out import replayed
from parley.server.core.outgoing import (
    MULTILINE,
    WANTS_ACCOUNT,
    WANTS_TAGS,
    WANTS_TIME,
    Outgoing,
    delivery_key,
    with_tags,
)
from parley.server.core.playback import event_params
from parley.server.core.stores import HistoryStore
from parley.server.store.history import HistoryItem, Reader, conversation_key

if TYPE_CHECKING:
    from parley.server.core.channel import Channel
    from parley.server.core.server import Server

log = logging.getLogger("parley.core")
T = TypeVar("T")

MAX_LIMIT = 100
MAX_UNSAVED_WINDOWS = 100_000  # ended stays in channels kept while the store fails
_FOREVER = 1e12
_HALF_MS = 0.0005  # message times are distinct milliseconds: compare half a step away


# TAGMSGs kept in history: those carrying a reaction, or whose sender asks for it to
# be kept (`+draft/persist`, which ergo honours too); typing notices and the like not.
STORED_TAGMSG = frozenset({"+draft/react", "+react", "+draft/persist", "+persist"})


def record(
    ctx: Context,
    out: Outgoing,
    target: str,
    text: str,
    recipient_account: str | None,
    recipient_uid: str | None = None,
    channel: Channel | None = None,
    command: str | None = None,
) -> None:
    """Store a message just sent (the writer thread does the disk work).

    `recipient_uid` names the receiving connection of a private message to a user
    with no account: only that connection may read it back. `channel` is the
    channel it was said in (its incarnation and modes go with it). `command` is
    the message's, when it is not the command being handled (a multiline BATCH).
    """
    client = ctx.client
    if client.no_history:
        return  # the sender opted out (NickServ SET HISTORY OFF)
    if (command or ctx.command) == "TAGMSG" and STORED_TAGMSG.isdisjoint(out.client_tags or ()):
        return  # typing notices and the like are of the moment
    item = HistoryItem(
        msgid=out.msgid or "",
        time=out.time,
        conversation=conversation_key(client.nick, target),
        target=target,
        source=client.prefix,
        account=client.account,
        command=command or ctx.command,
        text=text,
        tags=tuple((out.client_tags or {}).items()),
        recipient_account=recipient_account,
        sender_uid=client.uid if client.account is None else None,
        recipient_uid=recipient_uid if recipient_account is None else None,
        incarnation=channel.incarnation if channel is not None else None,
        public=channel is not None and channel.public,
    )
    ctx.server.history.append(item)


def _fail(ctx: Context, code: str, *params: str) -> None:
    ctx.fail("CHATHISTORY", code, *params)


def _parse_time(text: str) -> float | None:
    """`2026-11-24T01:02:03.456Z` as seconds since the epoch."""
    if not text.isascii():
        return None  # digits are ASCII only
    try:
        whole, _, rest = text.rstrip("Z").partition(".")
        seconds = calendar.timegm(time.strptime(whole, "%Y-%m-%dT%H:%M:%S"))
    except ValueError:
        return None
    fraction = f"0.{rest}" if rest.isdigit() else "0"
    return seconds + float(fraction)


def handle_chathistory(ctx: Context, msg: Message) -> None:
    sub = msg.params[0].upper()
    if sub == "TARGETS":
        _targets(ctx, msg)
        return
    wanted = {"LATEST": 4, "BEFORE": 4, "AFTER": 4, "AROUND": 4, "BETWEEN": 5}.get(sub)
    if wanted is None:
        _fail(ctx, "INVALID_PARAMS", msg.params[0], "Unknown subcommand")
        return
    if len(msg.params) != wanted:  # the spec's codes: INVALID_PARAMS for any bad syntax
        few = len(msg.params) < wanted
        _fail(ctx, "INVALID_PARAMS", sub, "Missing parameters" if few else "Too many parameters")
        return
    target = msg.params[1]
    limit_text = msg.params[wanted - 1]
    limit = parse_number(limit_text)
    if not limit:
        _fail(ctx, "INVALID_PARAMS", sub, limit_text[:20], "Invalid limit")
        return
    limit = min(limit, MAX_LIMIT)
    client = ctx.client
    if is_channel(target):
        channel = ctx.state.channel(target)
        if channel is None or client not in channel.members:
            _fail(ctx, "INVALID_TARGET", sub, target, "No such channel or not a member")
            return
    conversation = conversation_key(client.nick, target)
    reader = reader_for(ctx, ctx.state.channel(target) if is_channel(target) else None)
    refs = msg.params[2 : wanted - 1]
    query = partial(_query, ctx.server.history, sub, conversation, refs, limit, reader)
    ctx.defer(partial(_reading, query), partial(_answer, sub, target))


def _query(
    history: HistoryStore,
    sub: str,
    conversation: str,
    ref_texts: tuple[str, ...],
    limit: int,
    reader: Reader,
) -> list[HistoryItem] | str:
    """A checked query's lines, read on a worker thread; or the reference that names
    nothing. `reader` was made on the loop: what it may read is decided there."""
    refs = []
    for text in ref_texts:
        ref = _ref_time(history, conversation, text, reader, allow_star=sub == "LATEST")
        if ref is False:
            return text
        refs.append(ref)
    if sub == "LATEST":
        after = refs[0] if isinstance(refs[0], float) else 0.0
        return history.between(conversation, after, _FOREVER, limit, True, reader)
    if sub == "BEFORE":
        return history.between(conversation, 0.0, _num(refs[0]), limit, True, reader)
    if sub == "AFTER":
        return history.between(conversation, _num(refs[0]), _FOREVER, limit, False, reader)
    if sub == "AROUND":
        at = _num(refs[0])
        before = history.between(conversation, 0.0, at, (limit - 1) // 2, True, reader)
        rest = history.between(
            conversation, at - 1e-6, _FOREVER, limit - len(before), False, reader
        )
        return before + rest
    low, high = sorted((_num(refs[0]), _num(refs[1])))
    newest = _num(refs[0]) > _num(refs[1])  # counted from the first reference's side
    return history.between(conversation, low, high, limit, newest, reader)


def _answer(
    sub: str, target: str, ctx: Context, found: list[HistoryItem] | str | Unreadable
) -> None:
    """On the loop again: the history batch, or FAIL for a reference that names nothing
    or a store that cannot be read."""
    if isinstance(found, Unreadable):
        _unreadable(ctx, found, sub, target)
    elif isinstance(found, str):
        _fail(ctx, "INVALID_PARAMS", sub, found, "Unknown or invalid message reference")
    else:
        _send_batch(ctx, target, found)


@dataclass(frozen=True, slots=True)
class Unreadable:
    """What a read that raised gives its second half, on the loop: the store's error."""

    error: Exception


def _reading(read: Callable[[], T]) -> T | Unreadable:
    """Run a read on a worker thread; a store that cannot be read comes back as a value."""
    try:
        return read()
    except Exception as exc:
        return Unreadable(exc)


def _unreadable(ctx: Context, failed: Unreadable, *context: str) -> None:
    """The store could not be read: logged and counted, and said in the spec's words."""
    try:
        raise failed.error
    except Exception:
        command_failed(ctx, reply=False)
    _fail(ctx, "MESSAGE_ERROR", *context, "Messages could not be retrieved")


def reader_for(ctx: Context, channel: Channel | None) -> Reader:
    """The asking user as a reader of history (of `channel`'s, when given).

    What it may read of a channel's non-public lines: its stay in it now, and for an
    account, its ended stays (those not yet saved are here; the store adds the rest).
    """
    client = ctx.client
    windows: list[tuple[str, float, float]] = []
    if channel is not None:
        joined = channel.joined.get(client)
        if joined is not None:  # this connection's stay
            windows.append((channel.incarnation, joined, _FOREVER))
        stay = channel.stays.get(client.account) if client.account is not None else None
        if stay is not None:  # its account's (begun by another of its clients, maybe)
            windows.append((channel.incarnation, stay[0], _FOREVER))
        if client.account is not None:
            windows.extend(
                (w.incarnation, w.joined, w.left)
                for w in ctx.state.windows
                if w.account == client.account and w.channel == channel.folded
            )
    events = "draft/event-playback" in ctx.session.caps
    return Reader(client.folded, client.account, client.uid, tuple(windows), events)


def save_windows(server: Server) -> None:
    """Save accounts' ended stays in channels (each sweep, and as the server stops).

    Should the store fail, they are kept for the next try, up to MAX_UNSAVED_WINDOWS;
    past that the oldest go, which only ever hides lines, never shows them.
    """
    state = server.state
    if not state.windows:
        return
    try:
        server.history.save_windows(state.windows)
    except Exception as exc:
        if not state.windows_failing:  # once, not every second the disk stays full
            log.error("cannot save who may read channel history (will retry): %s", exc)
        state.windows_failing = True
        del state.windows[:-MAX_UNSAVED_WINDOWS]
        return
    if state.windows_failing:
        log.warning("who may read channel history is saved again")
        state.windows_failing = False
    state.windows.clear()


def _num(ref: float | bool | None) -> float:
    return float(ref) if isinstance(ref, float) else 0.0


def _ref_time(
    history: HistoryStore, conversation: str, text: str, reader: Reader, allow_star: bool
) -> float | bool | None:
    """A reference's time; None for `*`; False if it is not a valid reference."""
    if text == "*" and allow_star:
        return None
    kind, _, value = text.partition("=")
    if kind == "timestamp":
        parsed = _parse_time(value)
        return parsed if parsed is not None else False
    if kind == "msgid":
        item = history.find(conversation, value, reader)
        return item.time if item is not None else False
    return False


def replay(ctx: Context, channel_name: str) -> None:
    """On JOIN, the channel's last lines for clients that cannot ask with CHATHISTORY:
    read on a worker thread, sent after the JOIN (which goes at once)."""
    lines = ctx.server.config.history.replay_lines
    if lines <= 0 or "draft/chathistory" in ctx.session.caps:
        return
    if ctx.server.history.silent(fold(channel_name)):
        return  # only events said there (JOIN, QUIT...), which a replay does not show
    reader = replace(reader_for(ctx, ctx.state.channel(channel_name)), events=False)
    # Lines said from now on reach the client live: the replay stops short of them.
    until = ctx.server.message_time()
    read = partial(ctx.server.history.between, fold(channel_name), 0.0, until, lines, True, reader)
    ctx.defer(read, _replayed, early=True)


def _replayed(ctx: Context, items: list[HistoryItem]) -> None:
    send_past(ctx, items, None)


def send_past(ctx: Context, items: list[HistoryItem], to: str | None) -> None:
    """Past messages, marked as past: with server-time when negotiated (in a batch when
    batch is), else with the date in the text, so they never read as new.
    `to` replaces the target (a nick that has changed since)."""
    if items:
        ctx.stream(_past_lines(ctx, items, to))


def _ids(mask: int, item: HistoryItem) -> dict[str, str]:
    """The msgid and account a replayed line carries, as when it was said: a client
    that fetches the same lines with CHATHISTORY can tell them apart."""
    tags = {"msgid": item.msgid} if mask & WANTS_TAGS and item.msgid else {}
    if mask & WANTS_ACCOUNT and item.account:
        tags["account"] = item.account
    return tags


def _past_lines(ctx: Context, items: list[HistoryItem], to: str | None) -> Iterator[bytes]:
    session = ctx.session
    timed = bool(session.tag_mask & WANTS_TIME)
    ref = ctx.server.new_batch_id() if timed and "batch" in session.caps else None
    source = f":{ctx.server.name} ".encode()
    if ref is not None:
        yield source + f"BATCH +{ref} chathistory {items[0].target}\r\n".encode()
    multi = ref is not None and bool(delivery_key(session) & MULTILINE)
    for item in items:
        if not item.message:
            continue  # (TAGMSG, events: readers without event-playback are shown none)
        target = to or item.target
        if timed:
            tags = {"time": server_time(item.time), **_ids(session.tag_mask, item)}
            if ref is not None:
                tags["batch"] = ref
            if is_multiline(item.text):
                new = ctx.server.new_batch_id() if multi else None
                yield from replayed(item.source, item.command, target, item.text, tags, new)
                continue
            line = with_tags(encode(Message(item.command, (target, item.text), item.source)), tags)
        else:
            stamp = time.strftime("%Y-%m-%d %H:%M", time.gmtime(item.time))
            if is_multiline(item.text):
                args = (item.source, item.command, target, item.text)
                yield from replayed(*args, {}, None, f"[{stamp}] ")
                continue
            text = f"[{stamp}] {item.text}"
            line = encode(Message(item.command, (target, text), item.source))
        yield line
    if ref is not None:
        yield source + f"BATCH -{ref}\r\n".encode()


def _send_batch(ctx: Context, target: str, items: list[HistoryItem]) -> None:
    ctx.stream(_batch_lines(ctx, target, items))


def _batch_lines(ctx: Context, target: str, items: list[HistoryItem]) -> Iterator[bytes]:
    """Made as the client reads (Context.stream)."""
    session = ctx.session
    ref = ctx.server.new_batch_id()
    source = f":{ctx.server.name} ".encode()
    yield source + f"BATCH +{ref} chathistory {target}\r\n".encode()
    mask = session.tag_mask
    for item in items:
        if item.command == "TAGMSG" and not mask & WANTS_TAGS:
            continue
        if item.message:
            params: tuple[str, ...] = (item.target, item.text)
        elif item.command == "TAGMSG":
            params = (item.target,)
        else:  # a channel event (IRCv3 event-playback): the reader asked for them
            params = event_params(item)
        tags = {"batch": ref, "time": server_time(item.time), "msgid": item.msgid}
        if mask & WANTS_ACCOUNT and item.account:
            tags["account"] = item.account
        if mask & WANTS_TAGS:
            tags.update(item.tags)
        if is_multiline(item.text):  # IRCv3 multiline: a batch in the batch, or its lines
            new = ctx.server.new_batch_id() if delivery_key(session) & MULTILINE else None
            yield from replayed(item.source, item.command, item.target, item.text, tags, new)
            continue
        yield with_tags(encode(Message(item.command, params, item.source)), tags)
    yield source + f"BATCH -{ref}\r\n".encode()


def _targets(ctx: Context, msg: Message) -> None:
    """Conversations with messages between two timestamps, oldest activity first."""
    if len(msg.params) != 4:
        why = "Missing parameters" if len(msg.params) < 4 else "Too many parameters"
        _fail(ctx, "INVALID_PARAMS", "TARGETS", why)
        return
    times = [_parse_time(p.partition("=")[2]) for p in msg.params[1:3]]
    limit = parse_number(msg.params[3])
    if None in times or limit is None:
        _fail(ctx, "INVALID_PARAMS", "TARGETS", "Invalid timestamps or limit")
        return
    low, high = sorted(t or 0.0 for t in times)
    client = ctx.client
    channels = [(c.folded, c.name, reader_for(ctx, c)) for c in client.channels.values()]
    reader = reader_for(ctx, None)
    history = ctx.server.history
    read = partial(_latest_of_targets, history, client.folded, channels, reader, low, high)
    ctx.defer(partial(_reading, partial(read, min(limit, MAX_LIMIT))), _targets_found)


def _targets_found(ctx: Context, found: list[tuple[float, str]] | Unreadable) -> None:
    if isinstance(found, Unreadable):  # the store cannot be read (as in handle_chathistory)
        _unreadable(ctx, found, "TARGETS", "*")
        return
    ref = ctx.server.new_batch_id()
    source = f":{ctx.server.name} ".encode()
    ctx.send_raw(source + f"BATCH +{ref} draft/chathistory-targets\r\n".encode())
    for when, name in found:
        line = encode(Message("CHATHISTORY", ("TARGETS", name, server_time(when)), ctx.server.name))
        ctx.send_raw(with_tags(line, {"batch": ref}))
    ctx.send_raw(source + f"BATCH -{ref}\r\n".encode())


def _latest_of_targets(
    history: HistoryStore,
    nick: str,
    channels: list[tuple[str, str, Reader]],
    reader: Reader,
    low: float,
    high: float,
    limit: int,
) -> list[tuple[float, str]]:
    """The targets whose latest message falls between `low` and `high`, with its time
    (on a worker thread: `channels` are the asker's, each with its reader, made on the loop)."""
    found: list[tuple[float, str]] = []
    # A target is listed when its latest message falls in the window.
    for folded, name, channel_reader in channels:
        latest = history.between(folded, 0.0, _FOREVER, 1, True, channel_reader)
        if latest and low < latest[0].time < high:
            found.append((latest[0].time, name))
    for conversation, _ in history.conversations(reader, low, high, limit):
        latest = history.between(conversation, 0.0, _FOREVER, 1, True, reader)
        if latest and low < latest[0].time < high:
            item = latest[0]
            other = item.target if item.sender == nick else item.source.split("!")[0]
            found.append((item.time, other))
    return sorted(found)[:limit]
