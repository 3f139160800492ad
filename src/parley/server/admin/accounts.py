"""What the console does about accounts and bans beyond the operator commands: who a
ban would hit before it is set, and accounts made, re-passworded and deleted.

These run on the server's loop (through Admin._submit), except the password hashing,
which is slow on purpose and runs in a thread of its own first.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from parley.irc.casemap import fold, valid_nick
from parley.server.core import operations as op
from parley.server.core.deletion import notice_deletions
from parley.server.store.accounts import AccountExists, StoreError

if TYPE_CHECKING:
    from parley.server.app import Process

MIN_PASSWORD = 8  # as NickServ REGISTER asks
MAX_PASSWORD = 300  # characters: hashing is costly, a pasted book is not a password
MAX_ACCOUNTS_SHOWN = 5000  # rows of the Accounts table


@dataclass(frozen=True, slots=True)
class AccountRow:
    name: str
    online: tuple[str, ...]  # nicks logged in to it now


@dataclass(frozen=True, slots=True)
class Hits:
    """Who a ban would fall on now: registered nicks, and connections not yet registered."""

    nicks: tuple[str, ...]
    unregistered: int


def ban_hits(process: Process, mask: str, address: bool) -> Hits:
    """Who `mask` would disconnect if banned now (Refusal if it is not a valid ban)."""
    core = process.core
    ban = op.new_ban(core, mask, 0, "", core.name, address)  # checked, never kept
    nicks: set[str] = set()
    unregistered = 0
    for session in list(core.state.sessions.values()):
        if core.bans.hits(ban, session):
            if session.client is not None:
                nicks.add(session.client.nick)
            else:
                unregistered += 1
    return Hits(tuple(sorted(nicks, key=str.casefold)), unregistered)


def check_name(process: Process, name: str) -> None:
    if not valid_nick(name, process.core.config.limits.nick_length):
        raise op.Refusal(f"{name!r} cannot be an account name (the same rules as nicknames)")


def check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD:
        raise op.Refusal(f"Use a password of at least {MIN_PASSWORD} characters")
    if len(password) > MAX_PASSWORD:
        raise op.Refusal(f"Use a password of at most {MAX_PASSWORD} characters")


def accounts(process: Process) -> tuple[AccountRow, ...]:
    """The accounts, with who is logged in to each (the first MAX_ACCOUNTS_SHOWN)."""
    online: dict[str, list[str]] = {}
    for client in process.core.state.logins:
        if client.account is not None:
            online.setdefault(fold(client.account), []).append(client.nick)
    names = process.core.accounts.names()[:MAX_ACCOUNTS_SHOWN]
    return tuple(AccountRow(n, tuple(sorted(online.get(fold(n), [])))) for n in names)


def account_count(process: Process) -> int:
    return len(process.core.accounts.names())


def create(process: Process, name: str, hashed: tuple[str, str]) -> str:
    check_name(process, name)
    try:
        process.core.accounts.create(name, *hashed)
    except AccountExists:
        raise op.Refusal(f"An account named {name} exists already") from None
    except StoreError as exc:
        raise op.Refusal(f"The account was not created: {exc}") from None
    return f"Created the account {name}"


def reset_password(process: Process, name: str, hashed: tuple[str, str]) -> str:
    try:
        changed = process.core.accounts.set_password(name, *hashed)
    except StoreError as exc:
        raise op.Refusal(f"The password was not changed: {exc}") from None
    if not changed:
        raise op.Refusal(f"There is no account {name} (deleted already?)")
    return f"Password of {name} changed (sessions logged in stay logged in)"


def delete(process: Process, name: str) -> str:
    """Delete, then act on it at once as the sweep would: whoever was logged in is told
    and logged out, and what memory holds of it goes (core/deletion.py)."""
    core = process.core
    try:
        deleted = core.accounts.delete(name)
    except StoreError as exc:
        raise op.Refusal(f"The account was not deleted: {exc}") from None
    if not deleted:
        raise op.Refusal(f"There is no account {name} (deleted already?)")
    notice_deletions(core)
    return f"Deleted the account {name}"
