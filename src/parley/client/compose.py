"""Lines for the IRCv3 features the user acts on: replies, reactions, typing, deletion and
multi-line messages (no Tk here, so the exact lines are tested)."""

from __future__ import annotations

import itertools

from parley.client.commands import MAX_TEXT, Send
from parley.irc.message import Message

_batch_refs = itertools.count(1)


def with_reply(send: Send, parent: str) -> Send:
    """The same messages marked as an answer to the message `parent` (+draft/reply): each
    line, or a multi-line batch's opening only, as IRCv3 multiline asks."""
    batched = bool(send.lines) and send.lines[0].command == "BATCH"
    marked = ("BATCH",) if batched else ("PRIVMSG", "NOTICE")
    return Send(tuple(
        Message(line.command, line.params, line.source, {**line.tags, "+draft/reply": parent})
        if line.command in marked and not line.params[0].startswith("-") else line
        for line in send.lines
    ))  # fmt: skip


def react(target: str, parent: str, reaction: str) -> Message:
    """+draft/react on an empty TAGMSG: a reaction under the message, not a line of its own."""
    return Message("TAGMSG", (target,), None, {"+draft/reply": parent, "+draft/react": reaction})


def typing(target: str, status: str) -> Message:
    return Message("TAGMSG", (target,), None, {"+typing": status})


def redact(target: str, msgid: str) -> Message:
    """REDACT with no reason: the spec asks clients not to invent one."""
    return Message.of("REDACT", target, msgid)


def _pieces(line: str, limit: int) -> list[str]:
    """Cut a long line for multiline-concat: at a space, the space kept at the piece's end."""
    pieces: list[str] = []
    while len(line.encode()) > limit:
        cut = len(line.encode()[:limit].decode("utf-8", "ignore"))
        space = line.rfind(" ", 0, cut)
        if space > cut // 2:
            cut = space + 1
        pieces.append(line[:cut])
        line = line[cut:]
    pieces.append(line)
    return pieces


def multiline(target: str, lines: list[str], max_bytes: int, max_lines: int) -> Send | None:
    """IRCv3 multiline: one batch for the whole paste; None if it does not fit the limits."""
    while lines and not lines[-1].strip():
        lines = lines[:-1]
    while lines and not lines[0].strip():
        lines = lines[1:]
    if not lines or sum(len(x.encode()) for x in lines) + len(lines) - 1 > max_bytes:
        return None
    ref = f"ml{next(_batch_refs)}"
    body: list[Message] = []
    for line in lines:
        for i, piece in enumerate(_pieces(line, MAX_TEXT)):
            tags = {"batch": ref}
            if i:
                tags["draft/multiline-concat"] = ""
            body.append(Message("PRIVMSG", (target, piece), None, tags))
    if len(body) > max_lines:
        return None
    opening = Message.of("BATCH", f"+{ref}", "draft/multiline", target)
    return Send((opening, *body, Message.of("BATCH", f"-{ref}")))
