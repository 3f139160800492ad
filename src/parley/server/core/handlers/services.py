"""Account services: IRCv3 REGISTER (draft/account-registration) and NickServ.

Both ways that clients register and log in end in the same place: the account
store, the login throttle and `log_in`. NickServ is a pseudo-user that IRC
clients already know how to talk to: `/msg NickServ REGISTER <password>`.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from functools import partial

from parley.irc.casemap import fold, valid_nick
from parley.irc.message import Message
from parley.server.core import events as ev
from parley.server.core.cluster import Claim, Cluster
from parley.server.core.context import Context
from parley.server.core.deletion import account_gone
from parley.server.core.handlers import account_settings, verification
from parley.server.core.handlers.device_logins import identify_attach
from parley.server.core.handlers.sasl import log_in
from parley.server.core.login import verify_login
from parley.server.core.reservation import NICKSERV, NICKSERV_PREFIX, SERVICE_NICKS
from parley.server.core.sources import party
from parley.server.passwords import credentials
from parley.server.store.accounts import AccountExists, StoreError

Keys = tuple[str, str]  # a password's argon2id hash and SCRAM keys (passwords.py)

log = logging.getLogger("parley.core")

MIN_PASSWORD = 8

# Told how a registration ended: SUCCESS, VERIFICATION_REQUIRED or a FAIL code, and a text.
Created = verification.Answer


def _register_problem(ctx: Context, name: str) -> tuple[str, str] | None:
    """Why `name` cannot be registered now (a FAIL code and text), or None."""
    if ctx.session.account is not None:
        return "ALREADY_AUTHENTICATED", "You are already logged in"
    early = verification.early_problem(ctx)
    if early is not None:
        return early
    service = fold(name) in SERVICE_NICKS  # the pseudo-users' names
    if not valid_nick(name, ctx.server.config.limits.nick_length) or service:
        return "BAD_ACCOUNT_NAME", "Account names follow the rules of nicks"
    if fold(name) not in (fold(ctx.nick), fold(ctx.session.asked_nick or "")):
        return "ACCOUNT_NAME_MUST_BE_NICK", "Register the nick you are using"
    holder = ctx.state.client(name)
    if (
        ctx.server.accounts.get(name) is not None
        or (holder is not None and holder is not ctx.session.client)
        or verification.held_by_other(ctx, name)
    ):
        return "ACCOUNT_EXISTS", "That name is taken"
    now = ctx.state.clock.monotonic()
    if ctx.server.register_throttle.blocked(party(ctx.session.conn.host), now):
        return "TEMPORARILY_UNAVAILABLE", "Too many registrations from your address; try later"
    return None


def _create(ctx: Context, name: str, password: str, email: str | None, then: Created) -> None:
    """Hash the password off the loop, then create and log into the account (or, with an
    e-mail address to confirm, hold it and mail the code); `then` is told how it ended."""
    host = party(ctx.session.conn.host)
    ctx.server.register_throttle.fail(host, ctx.state.clock.monotonic())  # counted as it begins
    job: Callable[[], Keys | Claim] = partial(credentials, password)
    cluster = ctx.server.cluster
    if cluster is not None:  # the name is claimed across the cluster first (docs/cluster.md)
        job = partial(_claimed_credentials, cluster, name, password)
    if email is None:
        ctx.defer(job, partial(_store_account, name, then))
    else:
        ctx.defer(job, partial(_hold, name, email, then))


def _claimed_credentials(cluster: Cluster, name: str, password: str) -> Keys | Claim:
    """(The worker.) The account's name claimed across the cluster, then its keys."""
    claim = cluster.claim_account(name)
    return credentials(password) if claim is Claim.OURS else claim


def _refused(then: Created, ctx: Context, claim: Claim) -> None:
    if claim is Claim.TAKEN:
        then(ctx, "ACCOUNT_EXISTS", "That name is taken")
    else:
        then(ctx, "TEMPORARILY_UNAVAILABLE", "The network could not be asked; try again later")


def _hold(name: str, email: str, then: Created, ctx: Context, keys: Keys | Claim) -> None:
    if isinstance(keys, Claim):
        _refused(then, ctx, keys)
        return
    verification.hold(ctx, name, email, keys, then)


def _store_account(name: str, then: Created, ctx: Context, keys: Keys | Claim) -> None:
    if isinstance(keys, Claim):
        _refused(then, ctx, keys)
        return
    try:
        account = ctx.server.accounts.create(name, *keys)
    except AccountExists:
        then(ctx, "ACCOUNT_EXISTS", "That name is taken")
        return
    except StoreError as exc:  # a full disk: nothing was created, and the user is told
        log.error("%s", exc)
        then(ctx, "TEMPORARILY_UNAVAILABLE", "The account could not be saved; try again later")
        return
    log.info("account %s registered from %s", account.name, ctx.session.conn.host)
    log_in(ctx, account.name)
    then(ctx, "SUCCESS", "Account created")


def handle_register(ctx: Context, msg: Message) -> None:
    """REGISTER <account> <email> <password>; account `*` means the current nick."""
    name, email, password = msg.params[0], msg.params[1], msg.params[2]
    if name == "*":
        name = ctx.nick if ctx.nick != "*" else ctx.session.asked_nick or "*"
    if name == "*":
        _fail(ctx, "NEED_NICK", name, "Choose a nick first")
        return
    problem = _register_problem(ctx, name)
    if problem is None and len(password) < MIN_PASSWORD:
        problem = ("WEAK_PASSWORD", f"Use at least {MIN_PASSWORD} characters")
    required = ctx.server.config.registration.email_required
    if problem is None and required:
        problem = verification.email_problem(ctx, email)
    if problem is not None:
        _fail(ctx, problem[0], name, problem[1])
        return
    _create(ctx, name, password, email if required else None, partial(_registered, name))


def _registered(name: str, ctx: Context, code: str, text: str) -> None:
    if code in ("SUCCESS", "VERIFICATION_REQUIRED"):
        ctx.send(Message("REGISTER", (code, name, text), ctx.server.name))
    else:
        _fail(ctx, code, name, text)


def _fail(ctx: Context, code: str, name: str, text: str) -> None:
    ctx.fail("REGISTER", code, name, text)


def handle_ns(ctx: Context, msg: Message) -> None:
    """NS / NICKSERV <command...>: a line to NickServ as a command, as ergo takes it."""
    nickserv(ctx, " ".join(msg.params))


def nickserv(ctx: Context, text: str) -> None:
    """A line sent to NickServ: REGISTER, IDENTIFY, GHOST, DROP or HELP."""
    words = text.split()
    command = words[0].upper() if words else "HELP"
    handler = _NICKSERV.get(command)
    if handler is None:
        _say(ctx, f"Unknown command {command}. Try: /msg {NICKSERV} HELP")
        return
    if ctx.deferred is not None:  # NickServ named twice in one PRIVMSG: one check a line
        _say(ctx, "One NickServ command at a time.")
        return
    handler(ctx, words[1:])


def _say(ctx: Context, text: str) -> None:
    ctx.send(Message("NOTICE", (ctx.nick, text), NICKSERV_PREFIX))


def _ns_register(ctx: Context, args: list[str]) -> None:
    required = ctx.server.config.registration.email_required
    if not args or (required and len(args) < 2):
        _say(ctx, "Usage: REGISTER <password> <email>" if required else
             "Usage: REGISTER <password> [email]")  # fmt: skip
        return
    problem = _register_problem(ctx, ctx.nick)
    if problem is None and len(args[0]) < MIN_PASSWORD:
        problem = ("WEAK_PASSWORD", f"Use a password of at least {MIN_PASSWORD} characters")
    if problem is None and required:
        problem = verification.email_problem(ctx, args[1])
    if problem is not None:
        _say(ctx, f"Cannot register {ctx.nick}: {problem[1]}.")
        return
    _create(ctx, ctx.nick, args[0], args[1] if required else None, _ns_registered)


def _ns_registered(ctx: Context, code: str, text: str) -> None:
    if code == "SUCCESS":
        _say(ctx, f"Account {ctx.nick} registered; you are logged in.")
    elif code == "VERIFICATION_REQUIRED":
        _say(ctx, f"{text} (or /msg {NICKSERV} VERIFY <account> <code>).")
    else:
        _say(ctx, f"{text}.")


def _ns_verify(ctx: Context, args: list[str]) -> None:
    if len(args) != 2:
        _say(ctx, "Usage: VERIFY <account> <code>")
        return
    verification.verify(ctx, args[0], args[1], _ns_verified)


def _ns_verified(ctx: Context, code: str, text: str) -> None:
    _say(ctx, f"{text}.")


def _ns_identify(ctx: Context, args: list[str]) -> None:
    if not args or len(args) > 2:
        _say(ctx, "Usage: IDENTIFY [account] <password>")
        return
    name, password = (args[0], args[1]) if len(args) == 2 else (ctx.nick, args[0])
    if ctx.session.account is not None:
        _say(ctx, f"You are already logged in as {ctx.session.account}.")
        return
    verify_login(ctx, name, password, _ns_identified)


def _ns_identified(ctx: Context, account: str | None) -> None:
    if account is None:
        _say(ctx, "Invalid account or password (or too many tries: wait a minute).")
        return
    if identify_attach(ctx, account):  # joined the account's nick (device_logins.py)
        return
    log_in(ctx, account)
    _say(ctx, f"You are now logged in as {account}.")


def _ns_ghost(ctx: Context, args: list[str]) -> None:
    if len(args) != 1:
        _say(ctx, "Usage: GHOST <nick>")
        return
    target = ctx.state.client(args[0])
    mine = target is not None and target is ctx.session.client
    if target is None or (mine and len(target.sessions) == 1):
        _say(ctx, f"{args[0]} is not online.")
        return
    if ctx.session.account is None or fold(ctx.session.account) != target.folded:
        _say(ctx, f"Log into the account {args[0]} first.")
        return
    ctx.flush()
    reason = f"GHOST command used by {ctx.nick}"
    if mine:  # on one's own nick: the other devices
        for session in list(target.sessions):
            if session is not ctx.session:
                ctx.server.end_session(session, reason, reason)
    else:  # (an always-on nick too, kept or not)
        ctx.server.always_on.end(target, reason, reason)
    _say(ctx, f"{args[0]} has been disconnected.")


def _ns_drop(ctx: Context, args: list[str]) -> None:
    account = ctx.session.account
    if account is None or len(args) != 1:
        _say(ctx, "Usage, while logged in: DROP <password>")
        return
    verify_login(ctx, account, args[0], _ns_dropping)


def _ns_dropping(ctx: Context, account: str | None) -> None:
    if account is None or ctx.session.account != account:
        _say(ctx, "Wrong password.")
        return
    try:
        ctx.server.accounts.delete(account)  # with its presence, stays and side of lines
    except StoreError as exc:
        log.error("%s", exc)
        _say(ctx, "Your account could not be deleted now; try again later.")
        return
    ctx.session.account = None
    if ctx.session.client is not None:
        ctx.state.apply(ev.AccountChanged(ctx.session.client.nick, None), ctx.session)
    account_gone(ctx.server, account)  # its other sessions too, and what memory holds
    log.info("account %s dropped", account)
    _say(ctx, f"Account {account} deleted; you are logged out.")


def _ns_help(ctx: Context, args: list[str]) -> None:
    for line in (
        f"{NICKSERV} keeps your nick for you. Commands:",
        "REGISTER <password> [email]   register the nick you are using",
        "VERIFY <account> <code>       finish a registration with the code mailed to you",
        "IDENTIFY [account] <password> log in",
        "GHOST <nick>                  disconnect an old session using your nick",
        "DROP <password>               delete your account",
        *account_settings.usage(),
    ):
        _say(ctx, line)


_NICKSERV = {
    "REGISTER": _ns_register,
    "VERIFY": _ns_verify,
    "IDENTIFY": _ns_identify,
    "LOGIN": _ns_identify,
    "GHOST": _ns_ghost,
    "DROP": _ns_drop,
    "SET": account_settings.ns_set,
    "HELP": _ns_help,
}
