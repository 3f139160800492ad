"""Always-on accounts: a user stays online when their last device leaves (ergo's always-on).

How this works: when the last session of a client logged into an always-on
account ends (State's SessionEnded applier asks `keep`), the client is kept
instead of quitting: in its channels, with its modes, marked away, holding no
session. Private messages to it are stored as for an offline account (history's
`missed`) and delivered when a device logs in with its nick and attaches
(handlers/attach.py); CHATHISTORY fills the channels' gaps, since its stays in
them go on (docs/privacy.md). The choice is kept with the account (NickServ SET
ALWAYS-ON; the default is `registration.always_on`), and so is when a device last
used it: on start the kept clients are made again, and one unused for
`limits.always_on_expiry_days` goes offline. `limits.always_on_clients` bounds how
many are kept at once.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.casemap import fold, valid_channel, valid_nick
from parley.irc.numerics import RPL_UNAWAY
from parley.server.core import events as ev
from parley.server.core.handlers.presence import deliver_missed
from parley.server.core.ids import unique_id
from parley.server.store.accounts import AlwaysOnAccount, Presence
from parley.server.store.schema import StoreError

if TYPE_CHECKING:
    from parley.server.core.client import Client
    from parley.server.core.context import Context
    from parley.server.core.server import Server

log = logging.getLogger("parley.core")

NOT_CONNECTED = "Not connected"  # the away message of a kept client
NO_SESSION = 0  # a kept client is made with no session (session ids start at 1)
CHECK_EVERY = 60.0  # seconds between looks for expired ones (and saves of use)
_USER_JUNK = re.compile(r"[^A-Za-z0-9._\-\[\]{}\\`^|]")  # as USER takes it


@dataclass(slots=True)
class Kept:
    """A client kept online with no session: since when, and whether we marked it away."""

    since: float
    marked: bool


class AlwaysOn:
    """The server's always-on clients: who chose it, and who is kept with no device."""

    def __init__(self, server: Server) -> None:
        self.server = server
        self.kept: dict[Client, Kept] = {}
        self.ending: set[Client] = set()  # killed or ended: they leave even if always-on
        self.settings: dict[str, bool] = {}  # folded account -> its choice (else the default)
        self._next_check = 0.0
        rows = self._stored()
        self.settings = {fold(r.name): r.enabled for r in rows if r.enabled is not None}
        if not server.config.cluster.enabled:  # (a cluster's nodes share one database:
            self._bring_back(rows)  # its always-on users come back with a device)

    def enabled(self, account: str) -> bool:
        """Whether `account` stays online with no device."""
        choice = self.settings.get(fold(account))
        return self.server.config.registration.always_on if choice is None else choice

    def full(self) -> bool:
        return len(self.kept) >= self.server.config.limits.always_on_clients

    # -- a device leaves, a device comes back --------------------------------

    def keep(self, client: Client) -> bool:
        """The last session of `client` ended: keep it online if its account is always-on
        (and it is the person's only client, and there is room); else it quits."""
        account = client.account
        if client in self.ending:
            self.ending.discard(client)
            return False
        if account is None or not self.enabled(account):
            return False
        if len(self.server.state.by_account.clients(account)) > 1:
            return False  # the person is online under another nick: that one stays
        if self.full():
            log.info("always-on: %s leaves, %d are kept already", client.nick, len(self.kept))
            self._save({account: None})
            return False
        now = self.server.clock.now()
        self.kept[client] = Kept(now, client.away is None)
        self._save({account: now})
        if client.away is None:
            self.server.state.apply(ev.AwayChanged(client.nick, NOT_CONNECTED), None)
        return True

    def attached(self, ctx: Context) -> None:
        """A device attached to ctx's client: if it was kept, it is no longer away, and
        the private messages it got meanwhile are delivered."""
        client = ctx.client
        kept = self.kept.pop(client, None)
        if kept is None or client.account is None:
            return
        self._save({client.account: self.server.clock.now()})
        if kept.marked and client.away == NOT_CONNECTED:
            ctx.state.apply(ev.AwayChanged(client.nick, None), ctx.session)
            ctx.reply(RPL_UNAWAY)
        deliver_missed(ctx, kept.since)

    # -- ending ----------------------------------------------------------------

    def end(self, client: Client, reason: str, error: str | None = None) -> None:
        """`client` leaves for good, always-on or not: its sessions close (with `error`
        to each), or, kept with none, it quits now."""
        if client.sessions:
            self.ending.add(client)
            for session in list(client.sessions):
                self.server.end_session(session, reason, error)
            self.ending.discard(client)
            return
        kept = self.kept.pop(client, None)
        if kept is None or self.server.state.clients.get(client.folded) is not client:
            return
        account = client.account
        channels = tuple(ch.name for ch in client.channels.values())
        self.server.state.apply(ev.Quit(client.nick, reason), None)
        if account is not None:  # its next login gets what it was sent while kept (saved
            self._save_presence(account, Presence(channels, kept.since))  # after the quit's)
            self._save({account: None})

    def choose(self, account: str, on: bool) -> None:
        """NickServ SET ALWAYS-ON: saved (StoreError if not), and in force at once: on, the
        account is online as always-on from now (even after a crash); off, a client of it
        kept with no device goes."""
        self.server.accounts.set_always_on(account, on)
        folded = fold(account)
        self.settings[folded] = on
        self._save({account: self.server.clock.now() if on else None})
        if on:
            return
        for client in [c for c in self.kept if c.account is not None and fold(c.account) == folded]:
            self.end(client, "Quit: Always-on turned off")

    # -- the sweep -------------------------------------------------------------

    def sweep(self) -> None:
        """Once a minute (not every sweep): expired clients go, use is saved."""
        now = self.server.clock.now()
        if now >= self._next_check:
            self._next_check = now + CHECK_EVERY
            self.check(now)

    def check(self, now: float) -> None:
        """Kept clients unused too long, or whose account was deleted, go offline; the
        connected always-on ones are saved as used now (a crash loses a minute)."""
        days = self.server.config.limits.always_on_expiry_days
        for client, kept in list(self.kept.items()):
            if client.account is None:
                self.end(client, "Quit: Account deleted")
            elif days and now - kept.since > days * 86400:
                self.end(client, f"Quit: Always-on expired (no device for {days:g} days)")
        self.save_use(now)

    def save_use(self, now: float) -> None:
        """The always-on clients with a device are in use now (also at shutdown)."""
        uses: dict[str, float | None] = {
            c.account: now
            for c in self.server.state.logins
            if c.sessions and c.account is not None and self.enabled(c.account)
        }
        if uses:
            self._save(uses)

    # -- the store ---------------------------------------------------------------

    def _stored(self) -> list[AlwaysOnAccount]:
        try:
            return self.server.accounts.always_on_accounts()
        except Exception as exc:  # (a locked or damaged database: the server starts anyway)
            log.error("always-on accounts could not be read: %s", exc)
            return []

    def _save(self, uses: dict[str, float | None]) -> None:
        try:
            self.server.accounts.save_always_on_use(uses)
        except StoreError as exc:
            log.warning("always-on: %s", exc)

    def _save_presence(self, account: str, presence: Presence) -> None:
        self.server.accounts.save_presence({account: presence})  # (best effort itself)

    # -- after a restart ---------------------------------------------------------

    def _bring_back(self, rows: list[AlwaysOnAccount]) -> None:
        """On start: the accounts kept online when the server stopped are online again,
        away, in their saved channels (the first into a channel gets op, as any joiner)."""
        now = self.server.clock.now()
        days = self.server.config.limits.always_on_expiry_days
        gone: dict[str, float | None] = {}
        for row in sorted(rows, key=lambda r: r.last_used or 0.0, reverse=True):
            if row.last_used is None or not self.enabled(row.name):
                continue
            try:
                if (days and now - row.last_used > days * 86400) or self.full():
                    self._left(row.name, row.last_used)
                    gone[row.name] = None
                else:
                    self._make(row.name, row.last_used)
            except Exception:  # one account's bad data costs only that account
                log.exception("always-on: %s could not be brought back", row.name)
                gone[row.name] = None
        if gone:
            self._save(gone)
        if self.kept:
            log.info("always-on: %d users are online again with no device", len(self.kept))

    def _left(self, name: str, since: float) -> None:
        """Not brought back: its next login gets what it was sent since a device left."""
        presence = self.server.accounts.presence(name)
        if presence is not None and presence.last_seen > since:
            self._save_presence(name, Presence(presence.channels, since))

    def _make(self, name: str, since: float) -> None:
        """A kept client for account `name`, as its last device left it (but its host)."""
        server, state = self.server, self.server.state
        account = server.accounts.get(name)
        limits = server.config.limits
        if account is None or not valid_nick(name, limits.nick_length) or state.client(name):
            return
        user = _USER_JUNK.sub("", name)[: limits.user_length] or "user"
        host = server.vhosts.get(account.name) or server.name
        state.apply(
            ev.Registered(
                NO_SESSION, account.name, user, host, server.name, account.name,
                account.name, account.history_opt_out, unique_id(),
                tuple((server.metadata.load(account.name) or {}).items()),
            ),
            None,
        )  # fmt: skip
        client = state.clients[fold(account.name)]
        presence = server.accounts.presence(account.name)
        channels = presence.channels if presence is not None else ()
        lobby = fold(server.config.lobby or "")
        for channel in channels[: limits.channels_per_user]:
            if not valid_channel(channel, limits.channel_length):
                continue
            created = state.channel(channel) is None
            state.apply(ev.Joined(client.nick, channel), None)
            server.registry.grant(state, client, state.channels[fold(channel)], None)
            if created and fold(channel) == lobby and server.lobby_topic:
                state.apply(ev.TopicChanged(server.name, channel, server.lobby_topic), None)
        state.apply(ev.AwayChanged(client.nick, NOT_CONNECTED), None)
        self.kept[client] = Kept(since, True)
