"""The admin API: a narrow, thread-safe face of a server running on its own loop.

How this works: every method may be called from any thread (the console's Tk
thread). It schedules its work on the server's event loop with
`call_soon_threadsafe` and returns a concurrent.futures.Future at once, so the
caller never blocks the loop and the loop never waits for the caller. Reads
resolve to frozen values (views.py); actions run the same core functions as the
operator commands (core/operations.py) and resolve to a sentence saying what
was done, or fail with AdminError and the reason in words.
"""

from __future__ import annotations

import asyncio
import logging
import threading
from collections import deque
from collections.abc import Callable
from concurrent.futures import Future
from typing import TYPE_CHECKING, TypeVar

from parley.server.admin import accounts as acc
from parley.server.admin import channels as chan
from parley.server.admin import views
from parley.server.admin.feed import EventFeed
from parley.server.core import operations as op

if TYPE_CHECKING:
    from parley.server.app import Process

log = logging.getLogger("parley.admin")

T = TypeVar("T")
HISTORY = 600  # seconds of chart samples kept (ten minutes)
SAMPLE_EVERY = 1.0  # seconds


class AdminError(Exception):
    """An action refused or impossible; the text is for the operator to read."""


class Admin:
    """Reads and actions on one running server; made on its loop, used from any thread."""

    def __init__(self, process: Process, loop: asyncio.AbstractEventLoop) -> None:
        self._process = process
        self._loop = loop
        self.feed = EventFeed()
        process.core.state.observers.append(self.feed.observe)
        self.stopped = threading.Event()  # set once the server has shut down
        self._samples: deque[views.Sample] = deque(maxlen=HISTORY)
        self._last: tuple[float, int, int] | None = None  # time, messages, bytes out
        self._sample()

    @property
    def _by(self) -> str:
        """Who the console's actions are from, as IRC shows it: the server."""
        return self._process.core.name

    def _sample(self) -> None:
        """One point for each chart, every second (on the loop)."""
        now = self._loop.time()
        c = views.counters(self._process)
        if self._last is not None:
            then, messages, sent = self._last
            span = max(now - then, 1e-3)
            self._samples.append(
                views.Sample(
                    self._process.core.clock.now(),
                    c.connections,
                    c.users,
                    (c.messages - messages) / span,
                    (c.bytes_out - sent) / span,
                )
            )
        self._last = (now, c.messages, c.bytes_out)
        self._loop.call_later(SAMPLE_EVERY, self._sample)

    def _submit(self, work: Callable[[], T]) -> Future[T]:
        """Run `work` on the server's loop; its result or error comes back in the future."""
        future: Future[T] = Future()

        def run() -> None:
            if not future.set_running_or_notify_cancel():
                return
            try:
                future.set_result(work())
            except op.Refusal as refusal:
                future.set_exception(AdminError(refusal.text))
            except Exception as exc:  # a bug must not reach the window as a traceback
                log.exception("admin action failed")
                future.set_exception(AdminError(f"Internal error: {type(exc).__name__}"))

        if self.stopped.is_set():
            future.set_exception(AdminError("The server has stopped"))
            return future
        try:
            self._loop.call_soon_threadsafe(run)
        except RuntimeError:  # the loop has closed
            future.set_exception(AdminError("The server has stopped"))
        return future

    # -- reads ------------------------------------------------------------------

    def snapshot(self) -> Future[views.Snapshot]:
        """Everything the console shows, at once."""
        return self._submit(lambda: views.take(self._process, tuple(self._samples)))

    def info(self) -> Future[views.ServerInfo]:
        return self._submit(lambda: views.info(self._process))

    def counters(self) -> Future[views.Counters]:
        return self._submit(lambda: views.counters(self._process))

    def users(self) -> Future[tuple[views.UserRow, ...]]:
        return self._submit(lambda: views.users(self._process))

    def channels(self) -> Future[tuple[views.ChannelRow, ...]]:
        return self._submit(lambda: views.channels(self._process))

    def bans(self) -> Future[tuple[views.BanRow, ...]]:
        return self._submit(lambda: views.bans(self._process))

    # -- actions ------------------------------------------------------------------

    def kick(self, channel: str, nick: str, reason: str) -> Future[str]:
        def work() -> str:
            op.kick(self._process.core, channel, nick, reason, self._by)
            return f"Kicked {nick} from {channel}"

        return self._submit(work)

    def kill(self, nick: str, reason: str) -> Future[str]:
        def work() -> str:
            core = self._process.core
            target = op.kill_target(core, nick)
            op.kill(core, target, reason, self._by)
            return f"Disconnected {target.nick}"

        return self._submit(work)

    def ban(self, mask: str, minutes: int, reason: str, address: bool = False) -> Future[str]:
        """A K-line on a hostmask, or with `address` a D-line on an address or network."""

        def work() -> str:
            core = self._process.core
            ban = op.new_ban(core, mask, minutes, reason, self._by, address)
            try:
                dropped = op.add_ban(core, ban)
            except op.Unsaved as unsaved:
                return str(unsaved)
            length = f"for {minutes} minutes" if minutes else "until removed"
            gone = f"; {dropped} connection{'s' * (dropped != 1)} closed" if dropped else ""
            return f"Banned {ban.mask} {length}{gone}"

        return self._submit(work)

    def unban(self, mask: str, address: bool = False) -> Future[str]:
        def work() -> str:
            try:
                removed = op.remove_ban(self._process.core, mask, self._by, address)
            except op.Unsaved as unsaved:
                return str(unsaved)
            return f"Removed the ban on {removed}"

        return self._submit(work)

    def notice_all(self, text: str) -> Future[str]:
        def work() -> str:
            core = self._process.core
            op.announce(core, "*", text, self._by)
            return f"Notice sent to {len(core.state.clients)} users"

        return self._submit(work)

    def set_motd(self, text: str) -> Future[str]:
        def work() -> str:
            op.set_motd(self._process.core, text, self._by)
            return "Message of the day set" if text.strip() else "Message of the day cleared"

        return self._submit(work)

    def set_topic(self, channel: str, topic: str) -> Future[str]:
        return self._submit(lambda: self._topic(channel, topic))

    def set_lobby_topic(self, topic: str) -> Future[str]:
        """The topic of the channel everyone joins on connect, kept while it is empty."""

        def work() -> str:
            core = self._process.core
            if op.set_lobby_topic(core, topic, self._by) is None:
                return f"Topic of {core.config.lobby} set, for when someone joins"
            return f"Topic of {core.config.lobby} set"

        return self._submit(work)

    def _topic(self, channel: str, topic: str) -> str:
        op.set_topic(self._process.core, channel, topic, self._by)
        return f"Topic of {channel} set"

    # -- channel tools ---------------------------------------------------------------

    def set_modes(self, channel: str, modes: chan.Modes) -> Future[str]:
        """Set a channel's flags, key and limit to `modes`: one MODE from the server."""
        return self._submit(lambda: chan.set_modes(self._process, channel, modes))

    def close_channel(self, channel: str, reason: str) -> Future[str]:
        """Kick everyone (KICK from the server): the channel is gone, a registration stays."""
        return self._submit(lambda: chan.close(self._process, channel, reason))

    def drop_registration(self, channel: str) -> Future[str]:
        """End a channel's ChanServ registration, as DROP does."""
        return self._submit(lambda: chan.drop_registration(self._process, channel))

    def delete_file(self, file_id: str) -> Future[str]:
        """Delete a shared file, as FILES DELETE does: its link leads nowhere after."""

        def work() -> str:
            found = self._process.core.uploads.delete(file_id)
            if found is None:
                raise op.Refusal(f"There is no file {file_id} (deleted already?)")
            log.info("the console deleted the shared file %s of %s", file_id, found.account)
            return f"Deleted {found.filename} of {found.account}"

        return self._submit(work)

    # -- accounts, and who a ban would hit ------------------------------------------

    def ban_hits(self, mask: str, address: bool = False) -> Future[acc.Hits]:
        """Who `mask` would disconnect now; fails with the reason if it is no valid ban."""
        return self._submit(lambda: acc.ban_hits(self._process, mask, address))

    def accounts(self) -> Future[tuple[tuple[acc.AccountRow, ...], int]]:
        """The accounts (at most MAX_ACCOUNTS_SHOWN) and how many there are."""
        return self._submit(lambda: (acc.accounts(self._process), acc.account_count(self._process)))

    def create_account(self, name: str, password: str) -> Future[str]:
        return self._hashed(name, password, lambda h: acc.create(self._process, name, h))

    def reset_password(self, name: str, password: str) -> Future[str]:
        return self._hashed(name, password, lambda h: acc.reset_password(self._process, name, h))

    def delete_account(self, name: str) -> Future[str]:
        return self._submit(lambda: acc.delete(self._process, name))

    def _hashed(
        self, name: str, password: str, work: Callable[[tuple[str, str]], str]
    ) -> Future[str]:
        """Check, hash the password in a thread of its own (slow on purpose), then `work`
        on the loop with the hash."""
        outer: Future[str] = Future()
        try:
            acc.check_name(self._process, name)
            acc.check_password(password)
        except op.Refusal as refusal:
            outer.set_exception(AdminError(refusal.text))
            return outer

        def hash_then_work() -> None:
            from parley.server.passwords import credentials

            try:
                hashed = credentials(password)
            except Exception as exc:  # a bug must not reach the window as a traceback
                log.exception("hashing a password failed")
                outer.set_exception(AdminError(f"Internal error: {type(exc).__name__}"))
                return
            inner = self._submit(lambda: work(hashed))
            inner.add_done_callback(lambda f: _copy(f, outer))

        threading.Thread(target=hash_then_work, name="parley-console-hash", daemon=True).start()
        return outer

    def rehash(self) -> Future[str]:
        """Reload the configuration, as REHASH and SIGHUP do."""

        def work() -> str:
            error = self._process.rehash()
            if error is not None:
                raise op.Refusal(f"The old configuration stays: {error}")
            return "Configuration reloaded"

        return self._submit(work)

    def shutdown(self, reason: str = "Server shutting down") -> Future[str]:
        """Stop gracefully, as DIE does: clients are told, buffers flush, stores close."""

        def work() -> str:
            op.shut_down(self._process.core, reason, self._by)
            return "Shutting down"

        return self._submit(work)


def _copy(source: Future[str], target: Future[str]) -> None:
    error = source.exception()
    if error is not None:
        target.set_exception(error)
    else:
        target.set_result(source.result())
