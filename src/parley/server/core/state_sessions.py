"""The appliers of sessions and users coming and going, MONITOR watches, and the
per-user facts no line carries (history opt-out, idle time): part of `State.apply`.

A session is counted unregistered from SessionStarted until Registered (a new
client) or SessionAttached (one more session of a client), or until it ends.
SessionEnded is the one place that decides a client is gone: its last session
ended, so it quits (docs/architecture.md, "Identity and sessions").
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from parley.irc.casemap import fold
from parley.server.core import events as ev
from parley.server.core.client import Client
from parley.server.core.outgoing import Outgoing
from parley.server.core.session import Phase

if TYPE_CHECKING:
    from parley.server.core.session import Session
    from parley.server.core.state import State

NOTHING = Outgoing(b"", 0.0)  # what an event that sends no line returns


def session_started(state: State, e: ev.SessionStarted, origin: Session | None) -> Outgoing:
    """`origin` is the new session (a session of this server: kept and counted)."""
    if origin is not None:
        state.sessions[e.session] = origin
        state.unregistered += 1
    return NOTHING


def _registers(state: State, session: Session, client: Client) -> None:
    """An unregistered session becomes one of `client`'s."""
    if session.phase is Phase.UNREGISTERED:
        state.unregistered -= 1
    session.phase = Phase.REGISTERED
    session.client = client
    client.sessions.append(session)


def registered(state: State, e: ev.Registered, origin: Session | None) -> Outgoing:
    client = Client(e.nick, e.user, e.real_host, e.realname, state.clock.now(), e.uid)
    if e.host != e.real_host:
        client.set_host(e.host)
    client.account = e.account
    client.no_history = e.no_history
    client.metadata = dict(e.metadata) or None
    session = state.sessions.get(e.session)
    if session is not None:
        _registers(state, session, client)
    state.clients[client.folded] = client
    state.max_clients = max(state.max_clients, len(state.clients))
    if client.account is not None:
        state.logins[client] = state.clock.now()
        state.by_account.add(client)
    state.monitor_notify(client.folded, client.prefix, online=True)
    return NOTHING


def session_attached(state: State, e: ev.SessionAttached, origin: Session | None) -> Outgoing:
    client = state.clients[fold(e.nick)]
    session = state.sessions.get(e.session)
    if session is not None:
        _registers(state, session, client)
        state.forget_recipients(client)  # its channels' fan-out lists take the connection
    return NOTHING


def session_ended(state: State, e: ev.SessionEnded, origin: Session | None) -> Outgoing:
    """The session goes; with its client's last session, the client quits."""
    session = state.sessions.pop(e.session, None)
    if session is None:
        return NOTHING
    if session.phase is Phase.UNREGISTERED:
        state.unregistered -= 1
    session.phase = Phase.CLOSED
    client = session.client
    if client is None:
        return NOTHING
    return _leaves(state, session, client, e.reason, origin)


def session_detached(state: State, e: ev.SessionDetached, origin: Session | None) -> Outgoing:
    """The session is no one's and registering again, until SessionAttached."""
    session = state.sessions.get(e.session)
    client = session.client if session is not None else None
    if session is None or client is None:
        return NOTHING
    out = _leaves(state, session, client, e.reason, origin)
    session.client = None
    session.phase = Phase.UNREGISTERED
    state.unregistered += 1
    return out


def _leaves(
    state: State, session: Session, client: Client, reason: str, origin: Session | None
) -> Outgoing:
    """`session` is no longer one of `client`'s; with its last, the client quits."""
    state.detach(session)
    client.sessions.remove(session)
    if client.sessions or (state.keeps is not None and state.keeps(client)):
        return NOTHING  # (kept: an always-on user stays with no session)
    return state.apply(ev.Quit(client.nick, reason), origin)


def watched(state: State, e: ev.Watched, origin: Session | None) -> Outgoing:
    client = state.clients[fold(e.nick)]
    for nick in e.nicks:
        key = fold(nick)
        client.monitoring[key] = nick
        state.monitors.setdefault(key, set()).add(client)
    return NOTHING


def unwatched(state: State, e: ev.Unwatched, origin: Session | None) -> Outgoing:
    client = state.clients[fold(e.nick)]
    for nick in e.nicks:
        unwatch(state, client, fold(nick))
    return NOTHING


def unwatch(state: State, client: Client, key: str) -> None:
    """`client` watches the folded nick `key` no more (MONITOR -, C, or its quit)."""
    client.monitoring.pop(key, None)
    watching = state.monitors.get(key)
    if watching is not None:
        watching.discard(client)
        if not watching:
            del state.monitors[key]


def history_opt_out(state: State, e: ev.HistoryOptOut, origin: Session | None) -> Outgoing:
    state.clients[fold(e.nick)].no_history = e.opt_out
    return NOTHING


def spoke(state: State, e: ev.Spoke, origin: Session | None) -> Outgoing:
    client = state.clients.get(fold(e.nick))
    if client is not None:  # (what it said may have ended it: a NickServ command)
        client.last_spoke = e.time
    return NOTHING
