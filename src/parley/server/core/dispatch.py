"""The command table's shape and the dispatcher that does every check once.

Each command is registered with its handler, its minimum parameter count,
whether it is allowed before registration and whether it needs an operator;
handlers themselves only check what is particular to them (ergo's commands.go).
A handler that cannot do what was asked raises Refusal, answered here.
"""

from __future__ import annotations

import logging
import sys
import weakref
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_NEEDMOREPARAMS,
    ERR_NOPRIVILEGES,
    ERR_NOTREGISTERED,
    ERR_UNKNOWNCOMMAND,
    ERR_UNKNOWNERROR,
)
from parley.server.core.cluster import SHARED_COMMANDS
from parley.server.core.context import Context
from parley.server.core.logbudget import LogBudget
from parley.server.core.observed import HandlerFailed
from parley.server.core.refusal import Refusal
from parley.server.core.session import Phase
from parley.server.logs import failure_text, log_failure

if TYPE_CHECKING:
    from parley.server.core.server import Server
    from parley.server.core.session import Session

log = logging.getLogger("parley.core")

Handler = Callable[[Context, Message], None]
# Handler errors logged with their traceback: 20 at once, then one every 10 s per server.
ERROR_LOG_BURST = 20
ERROR_LOG_RATE = 0.1
_error_logs: weakref.WeakKeyDictionary[Server, LogBudget] = weakref.WeakKeyDictionary()


@dataclass(frozen=True, slots=True)
class Command:
    """A command's handler and the checks the dispatcher makes before calling it."""

    handler: Handler
    min_params: int = 0
    before_registration: bool = False
    oper: bool = False


def _cut_off(ctx: Context, server: Server, message: Message) -> bool:
    """Cluster mode, cut off from the others: a change they would not hear of is refused."""
    assert server.cluster is not None
    why = server.cluster.down()
    if why is None or message.command not in SHARED_COMMANDS:
        return False
    ctx.fail(message.command, "TEMPORARILY_UNAVAILABLE", f"Not now: {why}", notice=True)
    return True


def dispatch(server: Server, session: Session, message: Message, table: dict[str, Command]) -> None:
    """Check `message` against the table, run its handler, flush the replies."""
    label = (
        message.tags.get("label") if message.tags and "labeled-response" in session.caps else None
    )
    ctx = Context(server, session, message.command, label)
    command = table.get(message.command)
    registered = session.phase is Phase.REGISTERED
    if command is None:
        if registered:
            ctx.reply(ERR_UNKNOWNCOMMAND, message.command)
        else:
            ctx.reply(ERR_NOTREGISTERED)
    elif not registered and not command.before_registration:
        ctx.reply(ERR_NOTREGISTERED)
    elif len(message.params) < command.min_params:
        ctx.reply(ERR_NEEDMOREPARAMS, message.command)
    elif command.oper and not (session.client and session.client.is_oper):
        ctx.reply(ERR_NOPRIVILEGES)
    elif server.cluster is not None and _cut_off(ctx, server, message):
        pass
    else:
        try:
            command.handler(ctx, message)
        except Exception:  # a Refusal (answered in its words) or a bug
            command_failed(ctx)
        if ctx.deferred is not None:
            server.run_deferred(ctx)  # it flushes when the job is done
            return
    ctx.flush()


def command_failed(ctx: Context, reply: bool = True) -> None:
    """A command, or its second half after a slow job, raised: a Refusal is answered
    in its own words (Context.refuse), the one place that does so. Anything else is
    a bug, which costs only that command (docs/architecture.md): log, count, 400
    (unless `reply` is False: the caller answers in its own words).

    Call it from an `except` block: it reports the exception being handled.
    """
    refusal = sys.exc_info()[1]
    if isinstance(refusal, Refusal):
        ctx.deferred = None  # (a slow job asked for before the refusal is not run)
        ctx.refuse(refusal)
        return
    budget = _error_logs.get(ctx.server)
    if budget is None:
        budget = _error_logs[ctx.server] = LogBudget(ERROR_LOG_BURST, ERROR_LOG_RATE)
    held_back = budget.take(ctx.server.clock.monotonic())
    if held_back:
        log.error("%d more handler errors were not logged", held_back)
    if held_back is not None:
        error = log_failure(log, ctx.command, ctx.session.id)  # no password or text in it
    else:
        error = failure_text(ctx.command, sys.exc_info()[1])
    ctx.server.stats.handler_errors += 1
    ctx.server.tell(HandlerFailed(ctx.command, ctx.session.conn.host, error))
    ctx.deferred = None
    if reply:
        ctx.reply(ERR_UNKNOWNERROR, ctx.command, text="Internal error")
