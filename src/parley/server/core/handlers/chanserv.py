"""ChanServ: channel registration, so a channel keeps its founder, topic and modes.

A pseudo-user like NickServ (`/msg ChanServ REGISTER #channel`, or `CS`/`CHANSERV`
as a command), answering in NOTICEs. A channel is registered to the account of
one of its operators; from then on its topic and modes are saved as they change
(core/registry.py), it comes back with them when someone joins it after it
emptied or after a restart, and only its founder and the accounts on its access
list are made operator (or voiced) by ChanServ, whoever comes first.
"""

from __future__ import annotations

import logging
import time
from functools import partial
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.message import Message, encode
from parley.irc.modes import ModeChange
from parley.server.core import events as ev
from parley.server.core.context import Context
from parley.server.core.registry import CHANSERV, CHANSERV_PREFIX, snapshot
from parley.server.store.registrations import OP, VOICE, Registration
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server

log = logging.getLogger("parley.core")

LEVELS = {"OP": OP, "AOP": OP, "O": OP, "VOICE": VOICE, "VOP": VOICE, "V": VOICE}


def handle_cs(ctx: Context, msg: Message) -> None:
    """CS / CHANSERV <command...>: a line to ChanServ as a command, as ergo takes it."""
    chanserv(ctx, " ".join(msg.params))


def chanserv(ctx: Context, text: str) -> None:
    """A line sent to ChanServ."""
    words = text.split()
    command = words[0].upper() if words else "HELP"
    handler = _CHANSERV.get(command)
    if handler is None:
        _say(ctx, f"Unknown command {command[:20]}. Try: /msg {CHANSERV} HELP")
        return
    handler(ctx, words[1:])


def _say(ctx: Context, text: str) -> None:
    ctx.send(Message("NOTICE", (ctx.nick, text), CHANSERV_PREFIX))


def _registered(ctx: Context, name: str) -> Registration | None:
    """The registration of `name`, or None after saying there is none."""
    r = ctx.server.registry.get(name)
    if r is None:
        _say(ctx, f"{name[:64]} is not registered.")
    return r


def _is_founder(ctx: Context, r: Registration) -> bool:
    account = ctx.session.account
    return account is not None and fold(account) == fold(r.founder)


# -- REGISTER, DROP, INFO ---------------------------------------------------------


def _register(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _say(ctx, "Usage: REGISTER <#channel>")
        return
    account = ctx.session.account
    limit = ctx.server.config.limits.channels_per_account
    registry = ctx.server.registry
    if account is None:
        _say(ctx, "Log in first to register a channel (/msg NickServ IDENTIFY <password>).")
        return
    if limit == 0:
        _say(ctx, "Channel registration is off on this server.")
        return
    channel = ctx.state.channel(args[0])
    found = registry.get(args[0])
    if found is not None:
        whose = "your account" if _is_founder(ctx, found) else "another account"
        _say(ctx, f"{found.name} is already registered to {whose}.")
        return
    if channel is None or ctx.client not in channel.members:
        _say(ctx, f"Join {args[0][:64]} and be its operator to register it.")
        return
    if not channel.is_op(ctx.client):
        _say(ctx, f"You must be an operator of {channel.name} to register it.")
        return
    if len(registry.founded_by(account)) >= limit:
        _say(ctx, f"Your account has registered {limit} channels, the most it may.")
        return
    r = Registration(channel.name, account, ctx.state.clock.now())
    snapshot(r, channel)
    try:
        ctx.server.registry.store.save(r)
    except StoreError as exc:
        log.error("%s", exc)
        _say(ctx, f"{channel.name} could not be registered now (it cannot be saved); try later.")
        return
    registry.by_name[r.folded] = r
    log.info("%s registered %s", account, channel.name)
    _say(ctx, f"{channel.name} is registered to your account {account}. Its topic and modes are "
         "kept, and you are made operator whenever you join it.")  # fmt: skip


def _drop(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _say(ctx, "Usage: DROP <#channel>")
        return
    r = _registered(ctx, args[0])
    if r is None:
        return
    if not _is_founder(ctx, r) and not ctx.client.is_oper:
        _say(ctx, f"Only the founder of {r.name} (or a server operator) may drop it.")
        return
    try:
        ctx.server.registry.drop(r)
    except StoreError as exc:
        log.error("%s", exc)
        _say(ctx, f"{r.name} could not be dropped now (it cannot be saved); try later.")
        return
    log.info("%s dropped the registration of %s", ctx.nick, r.name)
    _say(ctx, f"{r.name} is no longer registered.")


def _info(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _say(ctx, "Usage: INFO <#channel>")
        return
    r = _registered(ctx, args[0])
    if r is None:
        return
    channel = ctx.state.channel(r.name)
    member = channel is not None and ctx.client in channel.members
    secret = "s" in (channel.flags if channel is not None else r.flags)
    when = time.strftime("%Y-%m-%d %H:%M:%S UTC", time.gmtime(r.registered))
    _say(ctx, f"Information on {r.name}:")
    _say(ctx, f"Founder: {r.founder}")
    _say(ctx, f"Registered: {when}")
    if not secret or member or ctx.client.is_oper:  # a secret channel's, to its members
        topic = channel.topic if channel is not None else r.topic
        if topic:
            _say(ctx, f"Topic: {topic}")
        flags = channel.flags if channel is not None else set(r.flags)
        _say(ctx, f"Modes: +{''.join(sorted(flags))}")


# -- OP, DEOP, VOICE, DEVOICE -----------------------------------------------------


def _status(ctx: Context, args: list[str], letter: str, adding: bool) -> None:
    word = ("" if adding else "DE") + ("OP" if letter == "o" else "VOICE")
    if len(args) not in (1, 2):
        _say(ctx, f"Usage: {word} <#channel> [nick]")
        return
    r = _registered(ctx, args[0])
    if r is None:
        return
    channel = ctx.state.channel(r.name)
    target = ctx.state.client(args[1]) if len(args) == 2 else ctx.client
    if channel is None or target is None or target not in channel.members:
        who = args[1][:64] if len(args) == 2 else "You"
        _say(ctx, f"{who} {'is' if len(args) == 2 else 'are'} not in {r.name}.")
        return
    level = r.level(ctx.session.account)
    own = target is ctx.client
    allowed = (
        level == OP
        or ctx.client.is_oper
        or (own and not adding)  # anyone may step down
        or (own and letter == "v" and level == VOICE)
    )
    if not allowed:
        _say(ctx, f"You have no access to do that in {r.name}.")
        return
    if (letter in channel.members[target]) == adding:
        what = "op" if letter == "o" else "voice"
        state = f"has {what} in {r.name} already" if adding else f"has no {what} in {r.name}"
        _say(ctx, f"{target.nick} {state}.")
        return
    change = ModeChange(adding, letter, target.nick)
    ctx.state.apply(ev.ChannelModeChanged(CHANSERV_PREFIX, channel.name, (change,)), None)
    if ctx.client not in channel.members:
        _say(ctx, f"Done: {word} {target.nick} in {r.name}.")


def _op(ctx: Context, args: list[str]) -> None:
    _status(ctx, args, "o", True)


def _deop(ctx: Context, args: list[str]) -> None:
    _status(ctx, args, "o", False)


def _voice(ctx: Context, args: list[str]) -> None:
    _status(ctx, args, "v", True)


def _devoice(ctx: Context, args: list[str]) -> None:
    _status(ctx, args, "v", False)


# -- ACCESS ------------------------------------------------------------------------


def _access(ctx: Context, args: list[str]) -> None:
    usage = "Usage: ACCESS <#channel> LIST | ADD <account> op|voice | DEL <account>"
    if len(args) < 2:
        _say(ctx, usage)
        return
    r = _registered(ctx, args[0])
    if r is None:
        return
    verb = args[1].upper()
    if verb == "LIST" and len(args) == 2:
        _access_list(ctx, r)
    elif verb == "ADD" and len(args) == 4:
        _access_add(ctx, r, args[2], args[3])
    elif verb in ("DEL", "DELETE", "REMOVE") and len(args) == 3:
        _access_del(ctx, r, args[2])
    else:
        _say(ctx, usage)


def _amode(ctx: Context, args: list[str]) -> None:
    """ergo's form of ACCESS: AMODE #channel [+o|+v|-o|-v account]."""
    if len(args) == 1:
        _access(ctx, [args[0], "LIST"])
    elif len(args) == 3 and args[1][:1] in "+-" and args[1][1:] in ("o", "v"):
        if args[1][0] == "+":
            _access(ctx, [args[0], "ADD", args[2], args[1][1:]])
        else:
            _access(ctx, [args[0], "DEL", args[2]])
    else:
        _say(ctx, "Usage: AMODE <#channel> [+o|+v|-o|-v <account>]")


def _access_list(ctx: Context, r: Registration) -> None:
    if r.level(ctx.session.account) is None and not ctx.client.is_oper:
        _say(ctx, f"Only the founder of {r.name} and those on its access list may see it.")
        return
    _say(ctx, f"Access list of {r.name}:")
    _say(ctx, f"{r.founder} founder")
    for name, level in sorted(r.access.values(), key=lambda entry: fold(entry[0])):
        _say(ctx, f"{name} {level}")
    _say(ctx, f"End of the access list ({len(r.access)} accounts besides the founder).")


def _may_change_access(ctx: Context, r: Registration) -> bool:
    if _is_founder(ctx, r) or ctx.client.is_oper:
        return True
    _say(ctx, f"Only the founder of {r.name} (or a server operator) may change its access list.")
    return False


def _access_add(ctx: Context, r: Registration, name: str, level_word: str) -> None:
    if not _may_change_access(ctx, r):
        return
    level = LEVELS.get(level_word.upper().lstrip("+"))
    if level is None:
        _say(ctx, f"The level is {OP} or {VOICE}.")
        return
    account = ctx.server.accounts.get(name)
    if account is None:
        _say(ctx, f"There is no account {name[:64]}.")
        return
    key = fold(account.name)
    if key == fold(r.founder):
        _say(ctx, f"{account.name} founded {r.name}: it has op there always.")
        return
    limit = ctx.server.config.limits.channel_access_entries
    if key not in r.access and len(r.access) >= limit:
        _say(ctx, f"The access list of {r.name} is full ({limit} accounts).")
        return
    before = r.access.get(key)
    r.access[key] = (account.name, level)
    if not _saved(ctx, r, key, before):
        return
    _say(ctx, f"{account.name} now has {level} in {r.name}.")
    channel = ctx.state.channel(r.name)
    if channel is not None:  # its members logged into that account get it now
        for member in list(channel.members):
            if member.account is not None and fold(member.account) == key:
                ctx.server.registry.grant(ctx.state, member, channel, None)


def _access_del(ctx: Context, r: Registration, name: str) -> None:
    own = ctx.session.account is not None and fold(ctx.session.account) == fold(name)
    if not own and not _may_change_access(ctx, r):
        return
    key = fold(name)
    before = r.access.pop(key, None)
    if before is None:
        _say(ctx, f"{name[:64]} is not on the access list of {r.name}.")
        return
    if _saved(ctx, r, key, before):
        _say(ctx, f"{before[0]} is no longer on the access list of {r.name}.")


def _saved(ctx: Context, r: Registration, key: str, before: tuple[str, str] | None) -> bool:
    """Write an access list change; if it cannot be, undo it in memory and say so."""
    registry = ctx.server.registry
    try:
        registry.store.save(r, old=registry.renamed_from.get(r.folded))
    except StoreError as exc:
        log.error("%s", exc)
        if before is None:
            r.access.pop(key, None)
        else:
            r.access[key] = before
        _say(ctx, f"The access list of {r.name} could not be saved now; try later.")
        return False
    registry.renamed_from.pop(r.folded, None)
    registry.unsaved.discard(r.folded)
    return True


def _help(ctx: Context, args: list[str]) -> None:
    for line in (
        f"{CHANSERV} keeps a channel's founder, topic and modes, even while it is empty.",
        "REGISTER <#channel>                 register a channel you are operator of",
        "INFO <#channel>                     who founded it, and when",
        "OP|DEOP <#channel> [nick]           give or take op (founder and op access)",
        "VOICE|DEVOICE <#channel> [nick]     give or take voice",
        "ACCESS <#channel> LIST              who is made operator or voiced on joining",
        "ACCESS <#channel> ADD <account> op|voice   (founder)",
        "ACCESS <#channel> DEL <account>     (founder; or your own entry)",
        "AMODE <#channel> [+o|+v|-o|-v <account>]   the same, as ergo writes it",
        "DROP <#channel>                     end the registration (founder)",
    ):
        _say(ctx, line)


_CHANSERV = {
    "REGISTER": _register,
    "DROP": _drop,
    "UNREGISTER": _drop,
    "INFO": _info,
    "OP": _op,
    "DEOP": _deop,
    "VOICE": _voice,
    "DEVOICE": _devoice,
    "ACCESS": _access,
    "AMODE": _amode,
    "HELP": _help,
}


# -- the server's side ---------------------------------------------------------------


def follow_registrations(server: Server) -> None:
    """Hook the registry into State: channels made take their saved state, and changes
    to registered channels are saved (a failed save is told to whoever made it)."""
    state, registry = server.state, server.registry
    state.seed = registry.seed
    state.observers.append(partial(_follow, server))  # after every event but messages

    def unsaved(name: str, by: str) -> None:
        client = state.client(by)
        if client is not None:
            text = (
                f"The change to {name} is in force but could not be saved yet (the server's"
                " disk); it is saved as soon as it can be."
            )
            client.send(encode(Message("NOTICE", (client.nick, text), CHANSERV_PREFIX)))

    registry.on_unsaved = unsaved


def _follow(server: Server, event: ev.Event) -> None:
    server.registry.observe(event, server.state.channels)


def grant_all(server: Server, client: Client) -> None:
    """After a login: op or voice in the registered channels the user is in."""
    for channel in list(client.channels.values()):
        server.registry.grant(server.state, client, channel, None)
