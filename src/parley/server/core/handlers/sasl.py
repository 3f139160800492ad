"""SASL login with AUTHENTICATE (IRCv3 sasl-3.1): PLAIN and SCRAM-SHA-256.

How this works: `AUTHENTICATE PLAIN` starts an exchange and the server answers
`AUTHENTICATE +`; the client sends base64 in chunks of 400 bytes (a shorter
chunk, or `+`, ends it); the decoded `authzid NUL authcid NUL password` is
checked against the account store. `AUTHENTICATE *` aborts.
"""

from __future__ import annotations

import base64
import binascii
import logging

from parley.irc.casemap import fold
from parley.irc.message import Message
from parley.irc.numerics import (
    ERR_SASLABORTED,
    ERR_SASLFAIL,
    ERR_SASLTOOLONG,
    RPL_LOGGEDIN,
    RPL_SASLMECHS,
    RPL_SASLSUCCESS,
)
from parley.server.core import events as ev
from parley.server.core import metadata_ops
from parley.server.core.context import Context
from parley.server.core.handlers.chanserv import grant_all
from parley.server.core.handlers.presence import restore
from parley.server.core.handlers.vhost import host_of_account
from parley.server.core.login import Attempt, account_key, verify_login
from parley.server.scram import (
    MECHANISM,
    ScramCredentials,
    ScramError,
    ScramServer,
    fake_credentials,
)

log = logging.getLogger("parley.core")

MECHANISMS = ("PLAIN", MECHANISM)
CHUNK = 400
MAX_RESPONSE = 8192  # bytes of base64 a client may send in one exchange


def handle_authenticate(ctx: Context, msg: Message) -> None:
    session = ctx.session
    arg = msg.params[0]
    if arg == "*":
        if session.sasl_mechanism is not None:
            _reset(ctx)
            ctx.reply(ERR_SASLABORTED)
        else:
            ctx.reply(ERR_SASLFAIL)
        return
    if session.sasl_mechanism is None:  # logged in or not (sasl-3.2 reauthentication)
        if arg.upper() not in MECHANISMS:
            ctx.reply(RPL_SASLMECHS, ",".join(MECHANISMS))
            ctx.reply(ERR_SASLFAIL)
            return
        session.sasl_mechanism = arg.upper()
        session.sasl_buffer = ""
        ctx.send(Message("AUTHENTICATE", ("+",)))
        return
    if len(arg) > CHUNK:
        _reset(ctx)
        ctx.reply(ERR_SASLTOOLONG)
        return
    if arg != "+":
        session.sasl_buffer += arg
    if len(session.sasl_buffer) > MAX_RESPONSE:
        _reset(ctx)
        ctx.reply(ERR_SASLFAIL)  # a response no mechanism needs: refused, not stored
        return
    if len(arg) == CHUNK:
        return  # more to come
    response = session.sasl_buffer
    session.sasl_buffer = ""
    if session.sasl_mechanism == "PLAIN":
        _reset(ctx)
        _plain(ctx, response)
    else:
        _scram_step(ctx, response)


def _reset(ctx: Context) -> None:
    ctx.session.sasl_mechanism = None
    ctx.session.sasl_buffer = ""
    ctx.session.sasl_state = None


def _send_chunks(ctx: Context, payload: str) -> None:
    """A server challenge, base64, in AUTHENTICATE lines of at most 400 bytes."""
    data = base64.b64encode(payload.encode()).decode()
    for i in range(0, len(data), CHUNK):
        ctx.send(Message("AUTHENTICATE", (data[i : i + CHUNK],)))
    if len(data) % CHUNK == 0:
        ctx.send(Message("AUTHENTICATE", ("+",)))


def _scram_step(ctx: Context, response: str) -> None:
    """SCRAM-SHA-256: client-first, then client-final, then the empty acknowledgement."""
    session = ctx.session
    try:
        text = base64.b64decode(response, validate=True).decode("utf-8") if response else ""
    except (binascii.Error, UnicodeDecodeError):
        _reset(ctx)
        ctx.reply(ERR_SASLFAIL)
        return
    state = session.sasl_state
    try:
        if not isinstance(state, _ScramExchange):
            state = session.sasl_state = _scram_start(ctx, text)
            _send_chunks(ctx, state.scram.challenge(state.credentials))
        elif state.account is None:
            server_final = state.scram.final(text, state.credentials)  # fails for a fake
            account = ctx.server.accounts.get(state.scram.username or "")
            if account is None or account.scram is None:
                raise ScramError("no such account")  # deleted during the exchange
            ctx.server.logins.succeeded(state.attempt)
            state.account = account.name
            _send_chunks(ctx, server_final)
        else:  # the client acknowledged the server's signature
            _reset(ctx)
            log_in(ctx, state.account)
            ctx.reply(RPL_SASLSUCCESS)
    except ScramError as exc:  # the try was counted as it began (_scram_start)
        exchange = session.sasl_state
        shown = exchange.attempt.shown if isinstance(exchange, _ScramExchange) else "a name"
        level = logging.DEBUG if isinstance(exc, _Throttled) else logging.INFO  # no flood
        log.log(level, "failed SCRAM login for %s from %s: %s", shown, session.conn.host, exc)
        _reset(ctx)
        ctx.reply(ERR_SASLFAIL)


class _Throttled(ScramError):
    """Too many tries: refused before any exchange, logged quietly."""


class _ScramExchange:
    """A SCRAM login under way: the exchange, its counted try, and the account once the
    proof held."""

    __slots__ = ("account", "attempt", "credentials", "scram")

    def __init__(self, scram: ScramServer, credentials: ScramCredentials, attempt: Attempt):
        self.scram = scram
        self.credentials = credentials
        self.attempt = attempt
        self.account: str | None = None


def _scram_start(ctx: Context, client_first: str) -> _ScramExchange:
    """Read the client-first message and count the try, as a password check counts.

    An unknown account gets made-up keys, so that the exchange fails at the proof
    and does not tell which accounts exist.
    """
    scram = ScramServer()
    name = scram.start(client_first)
    now = ctx.state.clock.monotonic()
    limits = ctx.server.config.limits
    account = ctx.server.accounts.get(name)
    shown = f"account {account.name}" if account is not None else None
    host = ctx.session.conn.host
    attempt = ctx.server.logins.begin(limits, account_key(name), host, now, shown)
    if attempt is None:
        raise _Throttled("throttled")
    if account is None or account.scram is None:
        credentials = fake_credentials(ctx.server.secret, fold(name))
    else:
        credentials = ScramCredentials.decode(account.scram)
    return _ScramExchange(scram, credentials, attempt)


def _plain(ctx: Context, response: str) -> None:
    """RFC 4616 PLAIN: authzid, authcid and password separated by NUL."""
    try:
        fields = base64.b64decode(response, validate=True).decode("utf-8").split("\0")
    except (binascii.Error, UnicodeDecodeError):
        ctx.reply(ERR_SASLFAIL)
        return
    if len(fields) != 3:
        ctx.reply(ERR_SASLFAIL)
        return
    authzid, authcid, password = fields
    if authzid and authzid != authcid:
        ctx.reply(ERR_SASLFAIL)  # acting as another account is not offered
        return
    verify_login(ctx, authcid, password, _plain_checked)


def _plain_checked(ctx: Context, account: str | None) -> None:
    if account is None:
        ctx.reply(ERR_SASLFAIL)
        return
    log_in(ctx, account)
    ctx.reply(RPL_SASLSUCCESS)


def log_in(ctx: Context, account: str) -> None:
    """Mark the session (and its client, if registered) as logged in (900).

    Logged in already, it changes accounts (SASL reauthentication): those who
    share a channel with it hear of it (account-notify), and the nick it holds,
    if another account's, is asked for as after any login (reservation.py).
    """
    session = ctx.session
    session.account = account
    client = session.client
    if client is None:
        prefix = f"{ctx.nick}!{session.user or '*'}@{session.conn.host}"
        ctx.reply(RPL_LOGGEDIN, prefix, account, text=f"You are now logged in as {account}")
        return
    changed = client.account != account
    if changed:
        ctx.state.apply(ev.AccountChanged(client.nick, account), session)
        host_of_account(ctx, client)
    stored = ctx.server.accounts.get(account)
    opt_out = stored is not None and stored.history_opt_out
    if client.no_history != opt_out:
        ctx.state.apply(ev.HistoryOptOut(client.nick, opt_out), session)
    text = f"You are now logged in as {account}"
    ctx.reply(RPL_LOGGEDIN, client.prefix, account, text=text)
    notice = ctx.server.reservations.check(ctx.server, client)
    if notice is not None:
        ctx.send(notice)
    metadata_ops.logged_in(ctx)
    if changed:
        grant_all(ctx.server, client)  # op or voice in the registered channels it is in
        restore(ctx)
