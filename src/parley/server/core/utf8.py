"""IRCv3 UTF8ONLY: lines that are not UTF-8 are refused, never relayed.

A line whose bytes are not valid UTF-8 gets `FAIL <command> INVALID_UTF8`
(labelled, if the client asked) and changes nothing; the command's name is
echoed only if it is one the server knows, else `*`. Two commands keep a
lenient reading, where refusing would leave a client stuck: NICK, whose
repaired nick (U+FFFD in it) is refused with 432 as any bad nick is, and
QUIT, which still quits, its reason repaired.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.message import Message, ProtocolError, parse
from parley.server.core.context import Context

if TYPE_CHECKING:
    from parley.server.core.server import Server
    from parley.server.core.session import Session

INVALID_UTF8 = "INVALID_UTF8"
REFUSED = "Message rejected, your IRC software MUST use UTF-8 encoding on this network"
LENIENT = frozenset(("NICK", "QUIT"))


def read_invalid(server: Server, session: Session, line: bytes) -> Message | None:
    """The message to run of a line that is not UTF-8 (NICK, QUIT), else None
    after refusing it."""
    try:
        message = parse(line)  # leniently: U+FFFD for what is not UTF-8
    except ProtocolError:
        message = None
    if message is not None and message.command in LENIENT:
        return message
    command = message.command if message is not None and message.command in server.table else "*"
    label = None
    if message is not None and message.tags and "labeled-response" in session.caps:
        label = message.tags.get("label")
    ctx = Context(server, session, command, label)
    ctx.fail(command, INVALID_UTF8, REFUSED)
    ctx.flush()
    return None
