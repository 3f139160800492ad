"""Deleted accounts: their sessions are logged out, and nothing of them stays in memory.

An account is deleted by NickServ DROP, or by `parley-server delete-account` while
the server runs; the store lists deletions (whoever made them) and the sweep looks
at that list, so a session of an account deleted from the shell is logged out
within a second. What the account left on disk the store deletes or detaches
itself (docs/privacy.md).
"""

from __future__ import annotations

import logging
from functools import partial
from typing import TYPE_CHECKING

from parley.irc.message import encode
from parley.server.core import events as ev
from parley.server.core.reservation import services_notice
from parley.server.core.worker import Failed, guarded

if TYPE_CHECKING:
    from parley.server.core.server import Server

log = logging.getLogger("parley.core")


def account_gone(server: Server, name: str, at: float | None = None) -> None:
    """`name` was deleted (at time `at`; None: just now): log out whoever was logged into
    it before, and forget its ended stays and its lines held in memory."""
    state = server.state
    for client, since in list(state.logins.items()):
        if client.account != name or (at is not None and since > at):
            continue  # another account, or the name's new owner, logged in after
        if client.no_history:
            state.apply(ev.HistoryOptOut(client.nick, False), None)
        state.apply(ev.AccountChanged(client.nick, None), None)  # (its sessions' too)
        text = f"The account {name} was deleted: you are logged out."
        client.send(encode(services_notice(client.nick, text)))
        notice = server.reservations.check(server, client)
        if notice is not None:
            client.send(encode(notice))
    state.windows[:] = [w for w in state.windows if w.account != name]
    server.history.forget_account(name)
    server.markers.forget(name)
    server.worker.submit(partial(guarded, server.uploads.prune), _pruned)  # rows went with it


def _pruned(count: object) -> None:
    if isinstance(count, int) and count:
        log.info("deleted %d shared files of deleted accounts", count)
    elif isinstance(count, Failed):
        log.warning("cannot delete the files of deleted accounts: %s", count.error)


def notice_deletions(server: Server) -> None:
    """The sweep: act on the accounts deleted since the last look (the next sweep tries
    again if the store cannot answer now)."""
    try:
        deletions = server.accounts.deletions(server.deletions_seen)
    except Exception as exc:
        log.warning("cannot look for deleted accounts: %s", exc)
        return
    for deletion in deletions:
        server.deletions_seen = deletion.serial
        account_gone(server, deletion.name, deletion.at)
