"""E-mail verification of new accounts: the code sent on REGISTER, and VERIFY.

With `registration.email_required`, REGISTER (or NickServ REGISTER) checks the
address, hashes the password, holds the registration (pending.py) and has the
code mailed on the mail thread; the client hears VERIFICATION_REQUIRED once the
mail is handed over, or a FAIL if it could not be. `VERIFY <account> <code>`
then makes the account and logs the sender in. Tries at a code are counted by
the login throttles, so a code is no easier to guess than a password; the
address the registration came from is the owner's there, so a guesser elsewhere
does not lock it out.
"""

from __future__ import annotations

import hmac
import logging
from collections.abc import Callable
from functools import partial

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.server.core.context import Context
from parley.server.core.handlers.sasl import log_in
from parley.server.core.pending import Pending, PendingRegistrations, new_code
from parley.server.core.session import Phase
from parley.server.core.sources import party
from parley.server.mail import deliver, valid_address, verification_message
from parley.server.store.accounts import AccountExists, StoreError

log = logging.getLogger("parley.core")

Problem = tuple[str, str]  # a FAIL code and its text
# Told how a registration or a VERIFY ended: a code (SUCCESS, VERIFICATION_REQUIRED or
# a FAIL code) and its text.
Answer = Callable[[Context, str, str], None]


def verify_key(name: str) -> str:
    """The login throttles' key for codes tried on an account name."""
    return f"verify:{fold(name)[:64]}"


def early_problem(ctx: Context) -> Problem | None:
    """Why an unregistered session may not REGISTER or VERIFY yet, or None."""
    if ctx.session.phase is Phase.REGISTERED:
        return None
    config = ctx.server.config
    if not config.registration.before_connect:
        return "COMPLETE_CONNECTION_REQUIRED", "Finish connecting first"
    if config.password is not None and not hmac.compare_digest(
        (ctx.session.password or "").encode(), config.password.encode()
    ):  # REGISTER before connecting must not get around the server password
        return "PASSWORD_REQUIRED", "Send the server password (PASS) first"
    return None


def held_by_other(ctx: Context, name: str) -> bool:
    """Whether someone else's registration of `name` is waiting for its code."""
    pending = ctx.server.pending.get(name, ctx.state.clock.monotonic())
    return pending is not None and pending.session != ctx.session.id


def email_problem(ctx: Context, email: str) -> Problem | None:
    """Why `email` cannot confirm a new account now, or None."""
    if email in ("", "*"):
        return "INVALID_EMAIL", "This server needs an e-mail address to confirm the account"
    if not valid_address(email):
        return "INVALID_EMAIL", "That is not an e-mail address this server can send to"
    return _no_room(ctx, email)


def _no_room(ctx: Context, email: str) -> Problem | None:
    now = ctx.state.clock.monotonic()
    if ctx.server.pending.room(ctx.server.config.limits, party(ctx.session.conn.host), email, now):
        return None
    return (
        "TEMPORARILY_UNAVAILABLE",
        "Too many registrations are waiting for their codes; try later",
    )


def hold(ctx: Context, name: str, email: str, keys: tuple[str, str], answer: Answer) -> None:
    """The password is hashed: hold the registration and mail its code."""
    server = ctx.server
    if server.accounts.get(name) is not None or held_by_other(ctx, name):
        answer(ctx, "ACCOUNT_EXISTS", "That name is taken")
        return
    server.pending.remove(name)  # this session's earlier try (a mistyped address, say)
    problem = _no_room(ctx, email)
    if problem is not None:
        answer(ctx, *problem)
        return
    now = ctx.state.clock.monotonic()
    config = server.config
    lifetime = config.registration.code_lifetime
    source = party(ctx.session.conn.host)
    pending = Pending(name, email, keys, new_code(), source, ctx.session.id, now + lifetime)
    server.pending.add(pending)
    server.logins.know(f"{verify_key(name)} from {source}", now)
    sender = config.mail.sender or f"parley@{config.server_name}"
    minutes = max(1, round(lifetime / 60))
    message = verification_message(sender, email, name, pending.code, config.network_name, minutes)
    ctx.defer(
        partial(deliver, config.mail, message, pending.code),
        partial(_mailed, pending, answer),
        partial(_settle, server.pending, pending),
        mail=True,
    )


def _settle(registry: PendingRegistrations, pending: Pending, error: str | None) -> None:
    """Whether or not the session is still there: a mail that failed frees the name."""
    if error is None:
        log.info("account %s waits for its e-mail code", pending.name)
        return
    registry.remove(pending.name, only=pending)
    log.warning("the code for account %s could not be mailed: %s", pending.name, error)


def _mailed(pending: Pending, answer: Answer, ctx: Context, error: str | None) -> None:
    if error is not None:
        answer(ctx, "TEMPORARILY_UNAVAILABLE", "The code could not be mailed; try again later")
        return
    minutes = max(1, round(ctx.server.config.registration.code_lifetime / 60))
    text = (
        f"A code was sent to {pending.email}; send VERIFY {pending.name} <code> "
        f"within {minutes} minutes"
    )
    answer(ctx, "VERIFICATION_REQUIRED", text)


def handle_verify(ctx: Context, msg: Message) -> None:
    """VERIFY <account> <code>: finish a registration that waits for its e-mail code."""
    verify(ctx, msg.params[0], msg.params[1], partial(_answer_verify, msg.params[0]))


def _answer_verify(name: str, ctx: Context, code: str, text: str) -> None:
    if code == "SUCCESS":
        ctx.send(Message("VERIFY", ("SUCCESS", ctx.session.account or name, text), ctx.server.name))
    else:
        ctx.fail("VERIFY", code, name, text)


def verify(ctx: Context, name: str, code: str, answer: Answer) -> None:
    """Check `code` for the registration of `name`; make the account and log in."""
    session = ctx.session
    if session.account is not None:
        answer(ctx, "ALREADY_AUTHENTICATED", "You are already logged in")
        return
    problem = early_problem(ctx)
    if problem is not None:
        answer(ctx, *problem)
        return
    server = ctx.server
    now = ctx.state.clock.monotonic()
    source = party(session.conn.host)
    pending = server.pending.get(name, now)
    shown = f"the code of account {pending.name}" if pending is not None else None
    attempt = server.logins.begin(server.config.limits, verify_key(name), source, now, shown)
    if attempt is None:
        log.debug("throttled code check for %s from %s", shown or "an unknown name", source)
        answer(ctx, "TEMPORARILY_UNAVAILABLE", "Too many tries; wait a minute")
        return
    taken = server.pending.take(name, code, now)
    if taken is None:
        log.info("wrong or expired code for %s from %s", shown or "an unknown name", source)
        answer(ctx, "INVALID_CODE", "That code is wrong or has expired")
        return
    server.logins.succeeded(attempt)
    try:
        account = server.accounts.create(taken.name, *taken.keys)
    except AccountExists:
        answer(ctx, "ACCOUNT_EXISTS", "That name was taken meanwhile")
        return
    except StoreError as exc:  # a full disk: the registration waits on, and the user is told
        log.error("%s", exc)
        server.pending.add(taken)
        answer(ctx, "TEMPORARILY_UNAVAILABLE", "The account could not be saved; try again later")
        return
    log.info("account %s registered (e-mail confirmed) from %s", account.name, session.conn.host)
    log_in(ctx, account.name)
    answer(ctx, "SUCCESS", f"Account {account.name} created; you are logged in")
