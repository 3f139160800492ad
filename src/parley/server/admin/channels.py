"""The console's channel tools: modes set, a channel closed, a registration dropped.

These run on the server's loop (through Admin._submit) and change channels with
the core's events (State.apply), as MODE and KICK do, from the server's name:
members see `:server MODE ...` and `:server KICK ...`.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.digits import parse_number
from parley.irc.modes import ModeChange
from parley.server.core import events as ev
from parley.server.core import operations as op
from parley.server.core.channel import FLAG_MODES
from parley.server.core.handlers.modes import fitting_runs
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.app import Process
    from parley.server.core.channel import Channel

log = logging.getLogger("parley.admin")

MAX_KEY = 23  # characters, as MODE +k takes it


@dataclass(frozen=True, slots=True)
class Modes:
    """A channel's modes as the console sets them: flags, and key and limit (None: unset)."""

    flags: str
    key: str | None
    limit: int | None


def parse_limit(text: str) -> int | None:
    """The limit field of the modes dialog: blank for none, else a whole number above 0."""
    text = text.strip()
    if not text:
        return None
    limit = parse_number(text)
    if limit is None or limit <= 0:
        raise ValueError("Limit: a whole number of members above 0, or blank for none")
    return limit


def _channel(process: Process, name: str) -> Channel:
    found = process.core.state.channel(name)
    if found is None:
        raise op.Refusal(f"Nobody is in {name} now")
    return found


def changes(channel: Channel, wanted: Modes) -> list[ModeChange]:
    """What MODE changes take `channel` to `wanted` (Refusal for a bad key or flag)."""
    unknown = set(wanted.flags) - set(FLAG_MODES)
    if unknown:
        raise op.Refusal(f"Unknown channel modes: {''.join(sorted(unknown))}")
    key = wanted.key
    if key is not None and (
        not key or " " in key or "," in key or key[0] == ":" or len(key) > MAX_KEY
    ):
        raise op.Refusal(f"A key is one word of at most {MAX_KEY} characters, without commas")
    if wanted.limit is not None and wanted.limit <= 0:
        raise op.Refusal("A limit is a number of members above 0")
    out = [ModeChange(False, f) for f in FLAG_MODES if f in channel.flags and f not in wanted.flags]
    out += [ModeChange(True, f) for f in FLAG_MODES if f in wanted.flags and f not in channel.flags]
    if key != channel.key:
        out.append(ModeChange(True, "k", key) if key is not None else ModeChange(False, "k", "*"))
    if wanted.limit != channel.limit:
        limit = None if wanted.limit is None else str(wanted.limit)
        out.append(ModeChange(limit is not None, "l", limit))
    return out


def set_modes(process: Process, name: str, wanted: Modes) -> str:
    core = process.core
    channel = _channel(process, name)
    todo = changes(channel, wanted)
    if not todo:
        return f"The modes of {channel.name} are as asked already"
    for run in fitting_runs(core.name, channel.name, todo):
        core.state.apply(ev.ChannelModeChanged(core.name, channel.name, tuple(run)))
    log.info("the console set the modes of %s", channel.name)
    return f"Modes of {channel.name} set"


def close(process: Process, name: str, reason: str) -> str:
    """Kick everyone, the server kicking: the channel is gone with its last member (a
    registration stays, and brings it back as it was when someone joins)."""
    core = process.core
    channel = _channel(process, name)
    reason = (reason.strip() or "Channel closed")[: core.config.limits.kick_length]
    shown = channel.name
    members = [m.nick for m in channel.members]
    for nick in members:
        core.state.apply(ev.Kicked(core.name, shown, nick, reason))
    log.info("the console closed %s (%d members)", shown, len(members))
    kept = " (its registration stays)" if core.registry.get(shown) else ""
    s = "s" * (len(members) != 1)
    return f"Closed {shown}: {len(members)} member{s} removed{kept}"


def drop_registration(process: Process, name: str) -> str:
    """End a ChanServ registration, as DROP does; the channel itself stays as it is."""
    registry = process.core.registry
    r = registry.get(name)
    if r is None:
        raise op.Refusal(f"{name} is not registered (dropped already?)")
    try:
        registry.drop(r)
    except StoreError as exc:
        raise op.Refusal(f"The registration stays (it cannot be saved): {exc}") from None
    log.info("the console dropped the registration of %s", r.name)
    return f"{r.name} is no longer registered"
