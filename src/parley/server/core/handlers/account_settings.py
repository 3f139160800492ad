"""NickServ SET: an account's settings, one entry per setting in SETTINGS.

Each setting names the values it takes and a function that stores the chosen
one and says what changed; SET and HELP read the table, so a new setting is
one function and one line.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass

from parley.irc.message import Message
from parley.server.core import events as ev
from parley.server.core.context import Context
from parley.server.core.handlers.always_on import set_always_on
from parley.server.core.handlers.device_logins import set_multiclient
from parley.server.core.reservation import NICKSERV_PREFIX
from parley.server.store.accounts import StoreError

log = logging.getLogger("parley.core")


@dataclass(frozen=True, slots=True)
class Setting:
    """What SET <name> takes and does: `apply(ctx, account, value)` returns what to say."""

    values: tuple[str, ...]
    help: str
    apply: Callable[[Context, str, str], str]


def _say(ctx: Context, text: str) -> None:
    ctx.send(Message("NOTICE", (ctx.nick, text), NICKSERV_PREFIX))


def _history(ctx: Context, account: str, value: str) -> str:
    opt_out = value == "OFF"
    ctx.server.accounts.set_history_opt_out(account, opt_out)
    for client in ctx.state.by_account.clients(account):  # each of its users online
        ctx.state.apply(ev.HistoryOptOut(client.nick, opt_out), ctx.session)
    if opt_out:
        return "Your messages will no longer be stored in history."
    return "Your messages will be stored in history again."


ALIASES = {"TRUE": "ON", "FALSE": "OFF", "YES": "ON", "NO": "OFF"}  # as other servers take

SETTINGS: dict[str, Setting] = {
    "HISTORY": Setting(("ON", "OFF"), "whether your messages are kept in history", _history),
    "ALWAYS-ON": Setting(("ON", "OFF"), "stay online with no device connected", set_always_on),
    "MULTICLIENT": Setting(("ON", "OFF"), "whether other devices join your nick", set_multiclient),
}


def usage() -> list[str]:
    """HELP's lines for SET, one per setting."""
    return [
        f"SET {name} {'|'.join(s.values):<{22 - len(name)}} {s.help}"
        for name, s in SETTINGS.items()
    ]


def ns_set(ctx: Context, args: list[str]) -> None:
    """SET <setting> <value>, while logged in."""
    account = ctx.session.account
    setting = SETTINGS.get(args[0].upper()) if args else None
    if account is None or setting is None or len(args) != 2:
        names = ", ".join(SETTINGS)
        _say(ctx, f"Usage, while logged in: SET <setting> <value> (settings: {names})")
        return
    value = args[1].upper()
    value = ALIASES.get(value, value)
    if value not in setting.values:
        _say(ctx, f"SET {args[0].upper()} takes {' or '.join(setting.values)}.")
        return
    try:
        text = setting.apply(ctx, account, value)
    except StoreError as exc:
        log.error("%s", exc)
        _say(ctx, "Your setting could not be saved now; try again later.")
        return
    _say(ctx, text)
