"""MODE for channels (o v b e I k l i m n s t) and for users (i w o B)."""

from __future__ import annotations

from parley.irc.casemap import fold, is_channel
from parley.irc.digits import parse_number
from parley.irc.extbans import list_mask
from parley.irc.message import MAX_LINE, Message
from parley.irc.modes import ChannelModeTypes, ModeChange, parse_mode_changes
from parley.irc.numerics import (
    ERR_BANLISTFULL,
    ERR_CHANOPRIVSNEEDED,
    ERR_INVALIDKEY,
    ERR_INVALIDMODEPARAM,
    ERR_NEEDMOREPARAMS,
    ERR_NOSUCHNICK,
    ERR_UMODEUNKNOWNFLAG,
    ERR_UNKNOWNMODE,
    ERR_USERNOTINCHANNEL,
    ERR_USERSDONTMATCH,
    RPL_BANLIST,
    RPL_CHANNELMODEIS,
    RPL_CREATIONTIME,
    RPL_ENDOFBANLIST,
    RPL_ENDOFEXCEPTLIST,
    RPL_ENDOFINVITELIST,
    RPL_EXCEPTLIST,
    RPL_INVITELIST,
    RPL_UMODEIS,
    Numeric,
)
from parley.server.core import events as ev
from parley.server.core.channel import FLAG_MODES, LIST_MODES, PREFIX_LETTERS, Channel
from parley.server.core.context import Context
from parley.server.core.handlers.channels import channel_or_403

TYPES = ChannelModeTypes(
    lists=LIST_MODES, always="k", when_set="l", flags=FLAG_MODES, prefixes=PREFIX_LETTERS
)
_LIST_REPLIES: dict[str, tuple[Numeric, Numeric]] = {
    "b": (RPL_BANLIST, RPL_ENDOFBANLIST),
    "e": (RPL_EXCEPTLIST, RPL_ENDOFEXCEPTLIST),
    "I": (RPL_INVITELIST, RPL_ENDOFINVITELIST),
}
USER_SETTABLE = "iwB"  # B: IRCv3 bot mode


def handle_mode(ctx: Context, msg: Message) -> None:
    if is_channel(msg.params[0]):
        channel = channel_or_403(ctx, msg.params[0])
        if channel is not None:
            _channel_mode(ctx, channel, msg)
    else:
        _user_mode(ctx, msg)


def _channel_mode(ctx: Context, channel: Channel, msg: Message) -> None:
    if len(msg.params) == 1:
        show_key = ctx.client in channel.members
        ctx.reply(RPL_CHANNELMODEIS, channel.name, *channel.mode_string(show_key), text=None)
        ctx.reply(RPL_CREATIONTIME, channel.name, str(int(channel.created)), text=None)
        return
    changes, unknown = parse_mode_changes(msg.params[1], list(msg.params[2:]), TYPES)
    for letter in dict.fromkeys(unknown):  # each once: one line must not make hundreds
        ctx.reply(ERR_UNKNOWNMODE, letter)
    is_op = channel.is_op(ctx.client)
    applied: list[ModeChange] = []
    refused = False
    shown: set[str] = set()
    budget = ctx.server.config.limits.modes_per_command  # ISUPPORT MODES
    for change in changes:
        if change.letter in LIST_MODES and change.arg is None:
            if change.letter not in shown:
                shown.add(change.letter)
                _send_list(ctx, channel, change.letter)
            continue
        if change.arg is not None:
            if budget <= 0:
                continue  # changes with an argument past MODES are ignored
            budget -= 1
        if not is_op:
            refused = True
            continue
        checked = _check_change(ctx, channel, change, applied)
        if checked is not None:
            applied.append(checked)
    if refused:
        ctx.reply(ERR_CHANOPRIVSNEEDED, channel.name)
    for run in fitting_runs(ctx.client.prefix, channel.name, applied):
        event = ev.ChannelModeChanged(ctx.client.nick, channel.name, tuple(run))
        ctx.send_out(ctx.state.apply(event, ctx.session))


def fitting_runs(source: str, target: str, changes: list[ModeChange]) -> list[list[ModeChange]]:
    """`changes` cut into runs whose `:source MODE target ...` line fits in MAX_LINE bytes.

    A change's cost is its letter, a sign when it differs from the one before,
    and its argument with a space; `format_mode_changes` lays them out so.
    """
    base = len(f":{source} MODE {target} ".encode()) + len("\r\n") + 1  # 1: a last ':'
    runs: list[list[ModeChange]] = []
    run: list[ModeChange] = []
    size = base
    for change in changes:
        arg = 0 if change.arg is None else 1 + len(change.arg.encode())
        cost = 1 + arg + (not run or run[-1].adding != change.adding)
        if run and size + cost > MAX_LINE:
            runs.append(run)
            run, size = [], base
            cost = 2 + arg
        run.append(change)
        size += cost
    if run:
        runs.append(run)
    return runs


def _check_change(
    ctx: Context, channel: Channel, change: ModeChange, applied: list[ModeChange]
) -> ModeChange | None:
    """The change as it will be applied, or None if it is invalid or changes nothing."""
    letter, arg, adding = change.letter, change.arg, change.adding
    if letter in PREFIX_LETTERS:
        if arg is None:
            ctx.reply(ERR_NEEDMOREPARAMS, "MODE")
            return None
        member = ctx.state.client(arg)
        if member is None:
            ctx.reply(ERR_NOSUCHNICK, arg)
            return None
        if member not in channel.members:
            ctx.reply(ERR_USERNOTINCHANNEL, member.nick, channel.name)
            return None
        held = _pending(applied, letter, member.nick)
        if (letter in channel.members[member] if held is None else held) == adding:
            return None
        return ModeChange(adding, letter, member.nick)
    if letter in LIST_MODES:
        assert arg is not None
        longest = ctx.server.config.limits.mask_length
        if len(arg) > longest:  # checked before the mask is compared with anything
            shown = arg[:longest]
            ctx.reply(ERR_INVALIDMODEPARAM, channel.name, letter, shown, text="Mask too long")
            return None
        if not arg or arg[0] == ":" or " " in arg:  # it could not be a middle parameter
            ctx.reply(ERR_INVALIDMODEPARAM, channel.name, letter, "*", text="Invalid mask")
            return None
        mask = list_mask(arg)
        if mask is None:  # `a:` with no account name, or one no account could have
            ctx.reply(ERR_INVALIDMODEPARAM, channel.name, letter, arg, text="Invalid account mask")
            return None
        present = _pending(applied, letter, mask)
        if present is None:
            present = any(fold(e.mask) == fold(mask) for e in channel.lists[letter])
        if present == adding:
            return None
        if adding and _listed(channel, letter, applied) >= _list_cap(ctx):
            ctx.reply(ERR_BANLISTFULL, channel.name, letter)
            return None
        return ModeChange(adding, letter, mask)
    if letter == "k":
        if not adding:
            return ModeChange(False, "k", "*") if channel.key is not None else None
        if not arg or " " in arg or "," in arg or arg[0] == ":" or len(arg) > 23:
            ctx.reply(ERR_INVALIDKEY, channel.name)
            return None
        return ModeChange(True, "k", arg)
    if letter == "l":
        if not adding:
            return ModeChange(False, "l") if channel.limit is not None else None
        if arg is None:
            ctx.reply(ERR_NEEDMOREPARAMS, "MODE")
            return None
        limit = parse_number(arg)
        if limit is None or limit <= 0:
            shown = arg[:20] or "*"
            ctx.reply(ERR_INVALIDMODEPARAM, channel.name, "l", shown, text="Invalid limit")
            return None
        return ModeChange(True, "l", str(limit))
    held = _pending(applied, letter, None)
    if (letter in channel.flags if held is None else held) == adding:
        return None
    return ModeChange(adding, letter)


def _list_cap(ctx: Context) -> int:
    return ctx.server.config.limits.list_modes_per_channel


def _listed(channel: Channel, letter: str, applied: list[ModeChange]) -> int:
    """Entries on the list once the changes already accepted in this MODE are made.

    Each accepted change adds or removes exactly one entry (no-ops are dropped).
    """
    pending = sum(1 if c.adding else -1 for c in applied if c.letter == letter)
    return len(channel.lists[letter]) + pending


def _pending(applied: list[ModeChange], letter: str, arg: str | None) -> bool | None:
    """Whether an earlier change in the same MODE sets (True) or unsets `letter` for `arg`.

    Changes apply in order, so `+v-v bob bob` is checked against the state the
    `+v` leaves, not the state before the command.
    """
    for change in reversed(applied):
        if change.letter == letter and fold(change.arg or "") == fold(arg or ""):
            return change.adding
    return None


def _send_list(ctx: Context, channel: Channel, letter: str) -> None:
    entry_reply, end_reply = _LIST_REPLIES[letter]
    for entry in channel.lists[letter]:
        ctx.reply(entry_reply, channel.name, entry.mask, entry.set_by, str(int(entry.set_at)))
    ctx.reply(end_reply, channel.name)


def _user_mode(ctx: Context, msg: Message) -> None:
    client = ctx.client
    target = ctx.state.client(msg.params[0])
    if target is None:
        ctx.reply(ERR_NOSUCHNICK, msg.params[0])
        return
    if target is not client:
        ctx.reply(ERR_USERSDONTMATCH)
        return
    if len(msg.params) == 1:
        ctx.reply(RPL_UMODEIS, "+" + "".join(sorted(client.modes)), text=None)
        return
    changes, _ = parse_mode_changes(msg.params[1], [], None)
    applied: list[ModeChange] = []
    unknown = False
    for change in changes:
        letter = change.letter
        if letter == "o" and not change.adding and client.is_oper:
            applied.append(change)  # operators may drop their status, not take it
        elif letter in USER_SETTABLE:
            if (letter in client.modes) != change.adding:
                applied.append(change)
        elif letter != "o":
            unknown = True
    if unknown:
        ctx.reply(ERR_UMODEUNKNOWNFLAG)
    if applied:
        ctx.send_out(ctx.state.apply(ev.UserModeChanged(client.nick, tuple(applied)), ctx.session))
