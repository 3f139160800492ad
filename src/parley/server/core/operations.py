"""Operators' actions, shared by the operator commands and the console's admin API.

Each action checks its arguments and raises Refusal with the reason in words
(and the numeric an IRC client is sent), then changes state through the usual
paths (State.apply, Server.end_session), so it does the same from an IRC client
with OPER as from the console. `by` is who acts: an operator's nick, or the
server's name for the console.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.irc.masks import mask_matches
from parley.irc.numerics import (
    ERR_CANTKILLSERVER,
    ERR_NOSUCHCHANNEL,
    ERR_NOSUCHNICK,
    ERR_NOSUCHSERVER,
    ERR_USERNOTINCHANNEL,
)
from parley.server.core import events as ev
from parley.server.core import observed as obs
from parley.server.core.bans import stored_key
from parley.server.core.outgoing import Outgoing
from parley.server.core.refusal import Refusal as Refusal  # (raised here; its home)
from parley.server.core.stores import Ban
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.server import Server
    from parley.server.core.session import Session

log = logging.getLogger("parley.core")

MAX_ANNOUNCEMENT = 400  # characters: what fits one IRC line
MAX_MOTD = 8000  # characters of a MOTD set at run time


def kill_target(server: Server, nick: str) -> Client:
    """The user KILL would disconnect, or a Refusal."""
    if fold(nick) == fold(server.name):
        raise Refusal("A server cannot be killed", ERR_CANTKILLSERVER)
    target = server.state.client(nick)
    if target is None:
        raise Refusal(f"Nobody is called {nick}", ERR_NOSUCHNICK, nick)
    return target


def kill(server: Server, target: Client, reason: str, by: str) -> None:
    """Disconnect a user; those who share a channel see a QUIT saying who did it."""
    quit_reason = f"Killed ({by} ({reason or 'No reason'}))"
    log.info("%s killed %s", by, target.nick)
    server.tell(obs.Killed(target.nick, by, reason))
    server.always_on.end(target, quit_reason, f"Closing link: ({quit_reason})")  # (even kept)


def kick(
    server: Server, channel: str, nick: str, reason: str, by: str, origin: Session | None = None
) -> Outgoing:
    """Remove a user from a channel (KICK); the caller has checked the right to."""
    why = kick_refusal(server, channel, nick)
    if why is not None:
        raise why
    found, victim = server.state.channel(channel), server.state.client(nick)
    assert found is not None and victim is not None
    reason = (reason or by)[: server.config.limits.kick_length]
    return server.state.apply(ev.Kicked(by, found.name, victim.nick, reason), origin)


def kick_refusal(server: Server, channel: str, nick: str) -> Refusal | None:
    """Why `nick` cannot be kicked from `channel`, if it cannot: for KICK's many
    targets, each answered and the rest still kicked."""
    found = server.state.channel(channel)
    if found is None:
        return Refusal(f"There is no channel {channel}", ERR_NOSUCHCHANNEL, channel)
    victim = server.state.client(nick)
    if victim is None or victim not in found.members:
        return Refusal(f"{nick} is not in {found.name}", ERR_USERNOTINCHANNEL, nick, found.name)
    return None


def new_ban(
    server: Server, mask: str, minutes: int, reason: str, by: str, address: bool = False
) -> Ban:
    """A checked ban: a D-line on an address or network if `address`, else a K-line."""
    try:
        return server.bans.new(mask, minutes, reason, by, address)
    except ValueError as exc:
        raise Refusal(str(exc)) from None


class Unsaved(Exception):
    """A ban change in force in memory that could not be written (a full disk): it
    lasts until the server restarts. Its text is for the operator."""


def add_ban(server: Server, ban: Ban) -> int:
    """Keep the ban and disconnect whoever it matches now; returns how many went.

    Raises Unsaved, after all that, if the ban could not be written to the disk."""
    unsaved = None
    try:
        server.bans.add(ban)  # in force in memory first: stopping the abuse comes first
    except StoreError as exc:
        log.error("%s", exc)
        unsaved = f"The ban on {ban.mask} holds until the server restarts: {exc}"
    length = "until removed" if ban.expires is None else f"until {ban.expires:.0f}"
    log.info("%s banned %s (%s)", ban.set_by, ban.mask, length)
    server.tell(obs.Banned(ban.mask, ban.set_by, ban.reason, ban.expires))
    quit_reason = f"Banned ({ban.reason})"
    dropped = 0
    for session in list(server.state.sessions.values()):
        if server.bans.hits(ban, session):
            dropped += 1
            server.end_session(session, quit_reason, quit_reason)
    if unsaved is not None:
        raise Unsaved(unsaved)
    return dropped


def remove_ban(server: Server, mask: str, by: str, address: bool = False) -> str:
    """Lift a ban; returns the mask as it was stored. Refusal if there was none."""
    key = stored_key(mask, address)
    try:
        removed = server.bans.remove(key)
    except StoreError as exc:
        log.error("%s", exc)
        raise Unsaved(f"The ban on {key} is lifted until the server restarts: {exc}") from None
    if not removed:
        raise Refusal(f"No ban on {key}", code="NO_SUCH_BAN")
    log.info("%s removed the ban on %s", by, key)
    server.tell(obs.Unbanned(key, by))
    return key


def announce(server: Server, mask: str, text: str, by: str, command: str = "NOTICE") -> Outgoing:
    """A message to every user (RFC 2812 3.3.1: `$mask` names the servers it goes to)."""
    why = announcement_refusal(server, mask, text)
    if why is not None:
        raise why
    text = text.strip()
    log.info("%s sent a %s to $%s", by, command, mask)
    return server.state.apply(ev.Announced(by, command, f"${mask}", text), None)


def announcement_refusal(server: Server, mask: str, text: str) -> Refusal | None:
    """Why `text` cannot go to `$mask`, if it cannot: for PRIVMSG's many targets,
    and for NOTICE, which is never answered."""
    if not mask_matches(mask, server.name):
        return Refusal(f"No server matches {mask}", ERR_NOSUCHSERVER, f"${mask}")
    text = text.strip()
    if not text or "\n" in text or "\r" in text:
        return Refusal("The message must be one line of text")
    if len(text) > MAX_ANNOUNCEMENT:
        return Refusal(f"The message is longer than {MAX_ANNOUNCEMENT} characters")
    return None


def set_motd(server: Server, text: str, by: str) -> None:
    """Replace the message of the day until the next REHASH or restart."""
    if len(text) > MAX_MOTD:
        raise Refusal(f"The MOTD is longer than {MAX_MOTD} characters")
    server.motd = text.strip("\n") or None
    log.info("%s set the MOTD", by)
    server.tell(obs.MotdChanged(by))


def set_topic(
    server: Server, channel: str, topic: str, by: str, origin: Session | None = None
) -> Outgoing:
    """Change a channel's topic; the caller has checked the right to."""
    found = server.state.channel(channel)
    if found is None:
        raise Refusal(f"Nobody is in {channel}", ERR_NOSUCHCHANNEL, channel)
    topic = _topic_text(server, topic)
    if server.config.lobby and found.folded == fold(server.config.lobby):
        server.lobby_topic = topic  # the lobby keeps it while empty, until REHASH
    return server.state.apply(ev.TopicChanged(by, found.name, topic), origin)


def set_lobby_topic(server: Server, topic: str, by: str) -> Outgoing | None:
    """The lobby's topic now, or when the next person comes if nobody is in it."""
    lobby = server.config.lobby
    if not lobby:
        raise Refusal("This server has no lobby")
    if server.state.channel(lobby) is not None:
        return set_topic(server, lobby, topic, by)
    server.lobby_topic = _topic_text(server, topic)
    log.info("%s set the lobby topic", by)
    return None


def _topic_text(server: Server, topic: str) -> str:
    if "\n" in topic or "\r" in topic:
        raise Refusal("A topic is one line of text")
    return topic[: server.config.limits.topic_length]


def shut_down(server: Server, reason: str, by: str) -> None:
    """Stop the server gracefully: every client is told, buffers flush, stores close."""
    log.info("shutdown asked by %s", by)
    server.tell(obs.ShuttingDown(by, reason))
    server.control.die(reason)
