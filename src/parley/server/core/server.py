"""The core's face to the network layer: sessions come, lines arrive, sessions go.

The net layer calls `connect`, `receive`, `input_too_long`, `disconnect` and,
about once a second, `sweep`; operators' REHASH and DIE reach the process
through the Control it was given. Nothing here does I/O.
"""

from __future__ import annotations

import logging
import secrets
from collections.abc import Callable
from functools import partial
from typing import Protocol

from parley.irc.message import ProtocolError, parse
from parley.irc.numerics import ERR_INPUTTOOLONG, ERR_UNKNOWNERROR
from parley.server.config import Config
from parley.server.core import events as ev
from parley.server.core import observed as obs
from parley.server.core.always_on import AlwaysOn
from parley.server.core.bans import Bans, refuse_if_banned
from parley.server.core.client import Client
from parley.server.core.clock import Clock, SystemClock
from parley.server.core.cluster import Cluster
from parley.server.core.connection import Connection
from parley.server.core.context import Context
from parley.server.core.deletion import notice_deletions
from parley.server.core.dispatch import command_failed, dispatch
from parley.server.core.handlers.chanserv import follow_registrations
from parley.server.core.handlers.history import save_windows
from parley.server.core.handlers.multiline import expire_batch, take_batched
from parley.server.core.handlers.presence import remember
from parley.server.core.login import LoginGuard
from parley.server.core.markers import ReadMarkers
from parley.server.core.pending import PendingRegistrations
from parley.server.core.playback import Playback
from parley.server.core.push import Pusher
from parley.server.core.registry import Registry
from parley.server.core.reservation import NickReservations
from parley.server.core.session import Phase, Session
from parley.server.core.sources import network, party
from parley.server.core.state import State
from parley.server.core.stats import Stats
from parley.server.core.stores import (
    AccountStore,
    BanStore,
    HistoryStore,
    MetadataStore,
    ReadMarkerStore,
    RegistrationStore,
    VhostStore,
)
from parley.server.core.throttle import Throttle
from parley.server.core.utf8 import read_invalid
from parley.server.core.worker import (
    MAIL_THREADS,
    MAX_HELD_LINES,
    WAIT_THREADS,
    Deferred,
    Failed,
    FairQueue,
    InlineWorker,
    Worker,
    guarded,
)
from parley.server.store.accounts import MemoryAccountStore
from parley.server.store.bans import MemoryBanStore
from parley.server.store.history import MemoryHistory
from parley.server.store.markers import MemoryReadMarkers
from parley.server.store.metadata import MemoryMetadataStore
from parley.server.store.registrations import MemoryRegistrations
from parley.server.store.uploads import UploadStore
from parley.server.store.vhosts import MemoryVhostStore

log = logging.getLogger("parley.core")

# Sweeps (seconds) between saves of every logged-in user's presence: after a crash,
# private messages of at most this long ago are delivered again as missed.
PRESENCE_REFRESH = 60


class Control(Protocol):
    """What operators can ask of the running process."""

    def rehash(self) -> str | None:
        """Reload configuration, MOTD and certificate; an error message, or None."""

    def die(self, reason: str) -> None:
        """Shut the server down gracefully."""


class NoControl:
    """For a core run without a process around it (tests): REHASH re-reads nothing."""

    def rehash(self) -> str | None:
        return None

    def die(self, reason: str) -> None:
        return None


class Server:
    """The chat server's state and its entry points."""

    def __init__(
        self,
        config: Config,
        clock: Clock | None = None,
        control: Control | None = None,
        motd: str | None = None,
        accounts: AccountStore | None = None,
        history: HistoryStore | None = None,
        bans: BanStore | None = None,
        worker: Worker | None = None,
        metadata: MetadataStore | None = None,
        secret: bytes | None = None,
        mailer: Worker | None = None,
        waiter: Worker | None = None,
        vhosts: VhostStore | None = None,
        markers: ReadMarkerStore | None = None,
        registrations: RegistrationStore | None = None,
        uploads: UploadStore | None = None,
    ) -> None:
        from parley.server.core.commands import COMMANDS  # the table imports handlers

        self.config = config
        self.name = config.server_name  # kept as config changes: every reply names it
        self.clock = clock or SystemClock()
        self.control: Control = control or NoControl()
        self.worker: Worker = worker or InlineWorker()
        self.jobs = FairQueue(self.worker)  # slow jobs, in turn by network and address
        # Mail being sent (mail.py), on its own thread: a slow mail server delays no login.
        self.mail_jobs = FairQueue(mailer or self.worker, capacity=MAIL_THREADS)
        # Jobs that wait on the network (cluster claims), many at once (worker.py).
        self.wait_jobs = FairQueue(waiter or self.worker, capacity=WAIT_THREADS)
        self.pending = PendingRegistrations()  # registrations waiting for an e-mail code
        self.state = State(config.server_name, self.clock, config.limits.whowas_entries)
        self.state.playback = Playback(self)  # channel events in history (event-playback)
        self.state.keep_presence = self._keep_presence
        self.table = COMMANDS
        self.stats = Stats()
        self.accounts: AccountStore = accounts if accounts is not None else MemoryAccountStore()
        self.history: HistoryStore = history if history is not None else MemoryHistory()
        self.metadata: MetadataStore = metadata if metadata is not None else MemoryMetadataStore()
        self.bans = Bans(bans if bans is not None else MemoryBanStore(), self.clock)
        self.vhosts: VhostStore = vhosts if vhosts is not None else MemoryVhostStore()
        self.markers = ReadMarkers(markers if markers is not None else MemoryReadMarkers())
        found = registrations if registrations is not None else MemoryRegistrations()
        self.registry = Registry(found)  # ChanServ's registered channels
        follow_registrations(self)
        self.uploads = uploads if uploads is not None else UploadStore()  # shared files
        self.push: Pusher | None = None  # Web Push (push.py), when the process has it
        self.cluster: Cluster | None = None  # cluster mode (core/cluster.py), from app.py
        self._last_message_time = 0.0
        self.logins = LoginGuard()  # password tries, counted before the hash (login.py)
        self.register_throttle = Throttle(limit=3, window=600.0)  # new accounts per address
        self.search_throttle = Throttle(limit=10, window=60.0)  # per user (limits tell how many)
        self.reservations = NickReservations()
        # The last account deletion acted on (deletion.py): those before this run are done.
        self.deletions_seen = max((d.serial for d in self.accounts.deletions(0)), default=0)
        self.created = self.clock.now()
        self.motd = motd if motd is not None else config.motd
        self.lobby_topic = config.lobby_topic  # set by operators too; kept while the lobby is empty
        self._next_id = 0
        self._sweeps = 0
        self.secret = secret or secrets.token_bytes(32)  # the data dir's, or this run's
        self._msgid_prefix = secrets.token_hex(4)  # unique per process run
        self._msgid_count = 0
        self.on_quit: Callable[[Session], None] | None = None  # the net layer's hook
        self.always_on = AlwaysOn(self)  # (last: it brings back the kept clients)
        self.state.keeps = self.always_on.keep

    def _keep_presence(self, client: Client) -> None:
        """A logged-in user quits: where it was is saved now (State's Quit calls it)."""
        remember(self, (client,))

    def new_msgid(self) -> str:
        """IRCv3 msgid: unique on this server, cheap to make per message."""
        self._msgid_count += 1
        return f"{self._msgid_prefix}{self._msgid_count:x}"

    def tell(self, happening: object) -> None:
        """Pass what operators may want to see (observed.py) to each observer."""
        for observer in self.state.observers:
            observer(happening)

    def message_time(self) -> float:
        """Now, to the millisecond, and always later than the last message's time.

        Distinct times keep CHATHISTORY's timestamp references exact.
        """
        now = self.clock.now()
        last = self._last_message_time
        self._last_message_time = round(now if now >= last + 0.001 else last + 0.001, 3)
        return self._last_message_time

    def new_batch_id(self) -> str:
        """An IRCv3 batch reference tag, unique on this connection at least."""
        self._msgid_count += 1
        return f"b{self._msgid_count:x}"

    def reconfigure(self, config: Config, motd: str | None) -> None:
        """Take a reloaded configuration (REHASH); connected users stay."""
        self.config = config
        self.name = config.server_name
        self.motd = motd
        self.lobby_topic = config.lobby_topic

    # -- entry points for the net layer ------------------------------------

    def connect(self, conn: Connection) -> Session:
        """A new connection: it gets an unregistered session."""
        self._next_id += 1
        session = Session(conn, self._next_id, self.clock.monotonic())
        self.state.apply(ev.SessionStarted(session.id, conn.host, conn.tls), origin=session)
        if self.state.observers:  # (nothing is made for no one)
            self.tell(obs.Connected(conn.host, conn.tls))
        refuse_if_banned(self, session)  # D-lines refuse before registration
        return session

    def receive(self, session: Session, line: bytes) -> None:
        """One line from a session, CRLF stripped."""
        if session.phase is Phase.CLOSED:
            return
        session.active = True
        self.stats.lines_in += 1
        if session.held is not None:
            self._hold(session, line)
        else:
            self._handle(session, line)

    def _handle(self, session: Session, line: bytes) -> None:
        """Parse one line and run its command."""
        try:
            text = line.decode("utf-8")
        except UnicodeDecodeError:
            invalid = read_invalid(self, session, line)  # IRCv3 UTF8ONLY
            if invalid is not None:
                dispatch(self, session, invalid, self.table)
            return
        try:
            message = parse(text)
        except ProtocolError as exc:
            if line.strip(b" \r\n"):
                ctx = Context(self, session, "*")
                ctx.reply(ERR_UNKNOWNERROR, "*", text=f"Malformed message: {exc}")
                ctx.flush()
            return  # modern IRC: empty lines are silently ignored
        if (session.batch is not None or "batch" in message.tags) and take_batched(
            self, session, message
        ):
            return  # a line of an IRCv3 multiline batch
        dispatch(self, session, message, self.table)

    def _hold(self, session: Session, line: bytes) -> None:
        """Keep a line until the session's slow job is done; too many is a flood."""
        assert session.held is not None
        if len(session.held) >= MAX_HELD_LINES:
            self.end_session(session, "Excess flood", "Excess flood")
        else:
            session.held.append(line)

    def run_deferred(self, ctx: Context) -> None:
        """Start a handler's slow job; the session's next lines wait for it."""
        deferred = ctx.deferred
        assert deferred is not None
        ctx.deferred = None
        if deferred.early:  # (its state changed: its replies before what others say)
            ctx.flush()
        if ctx.session.held is None:
            ctx.session.held = []
        host = ctx.session.conn.host
        queue = self.mail_jobs if deferred.mail else self.jobs
        if deferred.waits:
            queue = self.wait_jobs
        queue.submit(
            (network(host), party(host)),
            partial(guarded, deferred.job),
            partial(self._finish, ctx, deferred),
        )

    def _finish(self, ctx: Context, deferred: Deferred, result: object) -> None:
        """On the loop again: settle, the handler's second half, its replies, the held lines.

        A session that closed meanwhile is only settled for (its throttles count).
        """
        session = ctx.session
        try:
            if isinstance(result, Failed):
                raise result.error
            if deferred.settle is not None:
                deferred.settle(result)
            if session.phase is Phase.CLOSED:
                return
            deferred.then(ctx, result)
        except Exception:
            command_failed(ctx)
        if ctx.deferred is not None:  # `then` started another slow job
            self.run_deferred(ctx)
            return
        held, session.held = session.held or [], None
        ctx.flush()
        for line in held:
            if session.phase is Phase.CLOSED:
                return
            if session.held is not None:  # a held line started another slow job
                session.held.append(line)
            else:
                self._handle(session, line)

    def input_too_long(self, session: Session) -> None:
        """The net layer dropped a line longer than the protocol allows."""
        if session.phase is Phase.CLOSED:
            return
        ctx = Context(self, session, "*")
        ctx.reply(ERR_INPUTTOOLONG)
        ctx.flush()

    def disconnect(self, session: Session, reason: str) -> None:
        """The connection is gone (EOF, error, send queue): a QUIT for everyone else."""
        self.end_session(session, reason, error=None)

    def end_session(self, session: Session, reason: str, error: str | None) -> None:
        """Close a session: QUIT to those who shared a channel, ERROR to the peer."""
        if session.phase is Phase.CLOSED:
            return
        registered = session.client is not None
        self.state.apply(ev.SessionEnded(session.id, reason), origin=session)  # (QUIT if last)
        if not registered and self.state.observers:
            self.tell(obs.Closed(session.conn.host, reason, session.nick or session.asked_nick))
        session.conn.close(error)
        if self.on_quit is not None:
            self.on_quit(session)

    def sweep(self) -> None:
        """Liveness: registration timeout, PING the idle, drop the silent."""
        limits = self.config.limits
        self.reservations.sweep(self)
        notice_deletions(self)
        self.always_on.sweep()
        self._sweeps += 1
        if self._sweeps % PRESENCE_REFRESH == 0:  # last-seen times stay fresh, for after a crash
            self.state.moved.update(c for c in self.state.clients.values() if c.account)
        if self.state.moved:  # a crash loses at most a second of channel changes
            remember(self, self.state.moved)
            self.state.moved.clear()
        save_windows(self)  # lost in a crash, they only hide lines (docs/privacy.md)
        if self.registry.unsaved:  # registered channels' changes a full disk refused
            self.registry.retry()
        self.markers.save(self.state.by_account.online)  # a crash loses a second of them
        now = self.clock.monotonic()
        for session in list(self.state.sessions.values()):
            if session.batch is not None:
                expire_batch(self, session, now)
            if session.phase is Phase.UNREGISTERED:
                if now - session.connected_at > limits.registration_timeout:
                    self.end_session(session, "Registration timed out", "Registration timed out")
            elif session.active:
                session.active = False
                session.idle_since = now
                session.ping_sent = None
            elif session.ping_sent is not None:
                if now - session.ping_sent > limits.ping_timeout:
                    seconds = int(now - session.idle_since)
                    reason = f"Ping timeout: {seconds} seconds"
                    self.end_session(session, reason, reason)
            elif now - session.idle_since > limits.ping_interval:
                session.ping_sent = now
                session.send(f"PING :{self.name}\r\n".encode())

    def shutdown(self, reason: str) -> None:
        """Tell everyone the server is going and close every session.

        No QUIT fan-out: everyone is leaving at once, and telling each of N
        users about the other N-1 would cost N squared lines for nothing.
        """
        remember(self, self.state.clients.values())
        self.always_on.save_use(self.clock.now())
        self.state.close_all_windows()
        save_windows(self)
        self.markers.save(self.state.by_account.online)
        self.registry.retry()
        for session in list(self.state.sessions.values()):
            session.phase = Phase.CLOSED
            session.conn.close(reason)
        self.state.sessions.clear()
