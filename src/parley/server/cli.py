"""`parley-server`: flags and subcommands -> a Config -> the running server.

Errors in flags or the config file are one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import getpass
import sys
import time
from collections.abc import Sequence
from pathlib import Path

import parley
from parley.irc.casemap import valid_nick
from parley.server.config import Config
from parley.server.configfile import ConfigError, build_config
from parley.server.files_cli import FILE_COMMANDS, files_command
from parley.server.secretinput import exposure_warnings

EXIT_USAGE = 2


def parser() -> argparse.ArgumentParser:
    """The flags; each one, when given, wins over the --config file."""
    p = argparse.ArgumentParser(
        prog="parley-server",
        description="Parley: a chat server that speaks IRC. With no command, it runs.",
        epilog="Commands: run (the default); hash-password (print an argon2id hash for the "
        "config file); create-account NAME PASSWORD, delete-account NAME, "
        "reset-password NAME PASSWORD, list-accounts, list-always-on, list-files [ACCOUNT], "
        "delete-file ID (work while the server runs).",
    )
    p.add_argument("command", nargs="?", choices=sorted(COMMANDS), default="run")
    p.add_argument("words", nargs="*", help="the command's arguments", metavar="ARG")
    p.add_argument(
        "--listen",
        action="append",
        metavar="HOST:PORT",
        help="plain listener, repeatable; HOST may be * or empty for every interface, [::1] "
        "for IPv6, PORT 0 for any free port (default *:6667). Given without --tls-listen "
        "(here or in the config file), no TLS listener is started, so only what is named is bound",
    )
    p.add_argument(
        "--tls-listen",
        action="append",
        metavar="HOST:PORT",
        help="TLS listener, repeatable (default *:6697, with a self-signed certificate)",
    )
    p.add_argument("--no-tls", action="store_true", help="no IRC TLS listener at all")
    p.add_argument(
        "--web-listen",
        action="append",
        metavar="HOST:PORT",
        help="the web listener (HTTPS and IRC over WebSocket, with the TLS certificate), "
        "repeatable (default *:8097; off when --listen is given without it)",
    )
    p.add_argument(
        "--websocket",
        action="append",
        metavar="HOST:PORT",
        help="the web listener without TLS (ws:// and http://: for a local TLS proxy or tests)",
    )
    p.add_argument("--no-web", action="store_true", help="no web listener")
    p.add_argument(
        "--web-url",
        metavar="URL",
        help="where clients reach the web listener (https://chat.example.org:8097), for the "
        "upload endpoint in ISUPPORT (default: its address, or the server name)",
    )
    p.add_argument("--data-dir", metavar="DIR", help="certificate and data (default: per user)")
    p.add_argument("--config", metavar="FILE", help="TOML config (see config.example.toml)")
    p.add_argument("--server-name", metavar="NAME", help="the server's name on IRC (parley.local)")
    p.add_argument("--server-description", metavar="TEXT", help="one line WHOIS shows")
    p.add_argument(
        "--password",
        metavar="PASS",
        help="server password clients must send (visible to other users: prefer "
        "--password-file or PARLEY_PASSWORD)",
    )
    p.add_argument("--password-file", metavar="FILE", help="the server password, from a file")
    p.add_argument(
        "--oper",
        action="append",
        metavar="NAME:PASSWORD",
        help="an IRC operator, repeatable; hashed at load (visible to other users: prefer "
        "--oper-file or PARLEY_OPERS)",
    )
    p.add_argument(
        "--oper-file", metavar="FILE", help="IRC operators from a file, one NAME:PASSWORD a line"
    )
    p.add_argument("--motd-file", metavar="FILE", help="message of the day, reread on REHASH")
    p.add_argument("--lobby", metavar="NAME", help="channel joined on connect (default #lobby)")
    p.add_argument("--no-lobby", action="store_true", help="do not join anyone anywhere")
    p.add_argument(
        "--no-announce",
        action="store_true",
        help="do not announce the server on the local network (mDNS/DNS-SD, needs the lan "
        "extra; only listeners on every interface are announced)",
    )
    p.add_argument(
        "--cluster",
        metavar="URLS",
        help="cluster mode: nats://HOST:PORT[,nats://...] of the NATS servers (docs/cluster.md)",
    )
    p.add_argument("--node-name", metavar="NAME", help="this node's name in the cluster")
    p.add_argument("--no-flood-limit", action="store_true", help="turn flood control off")
    p.add_argument("--log-format", choices=["text", "json"], help="log lines as text or JSON")
    p.add_argument(
        "--metrics",
        metavar="HOST:PORT",
        help="serve Prometheus metrics there (needs the metrics extra)",
    )
    p.add_argument(
        "--history-replay",
        type=int,
        metavar="N",
        help="lines of a channel's history shown on JOIN to clients without chathistory "
        "(default 20; 0: none)",
    )
    p.add_argument("--log-level", choices=["debug", "info", "warning", "error"])
    p.add_argument(
        "--no-register-before-connect",
        action="store_true",
        help="accept REGISTER only once a client has finished connecting",
    )
    p.add_argument(
        "--register-email-required",
        action="store_true",
        help="new accounts need an e-mail address, confirmed with a code sent there "
        "(needs --mail-command or --smtp)",
    )
    p.add_argument(
        "--mail-command",
        metavar="COMMAND",
        help="send verification mail by running COMMAND (split into words, no shell) with "
        "the message on its stdin, e.g. 'sendmail -t -i'",
    )
    p.add_argument(
        "--smtp",
        metavar="HOST:PORT",
        help="send verification mail through this SMTP server (login and STARTTLS: in the "
        "config file)",
    )
    p.add_argument("--mail-from", metavar="ADDRESS", help="the From address of that mail")
    p.add_argument(
        "--gui",
        action="store_true",
        help="open the server console: a window showing users, channels, events and load, "
        "with kick, disconnect, ban and more (needs a display and tkinter)",
    )
    p.add_argument("--version", action="version", version=f"parley-server {parley.__version__}")
    return p


def _error(message: str) -> int:
    """One line on stderr, never a traceback: the user fixes a flag or the file."""
    print(f"parley-server: error: {message}", file=sys.stderr)
    return EXIT_USAGE


def _read_password() -> str | None:
    """A password typed (not echoed) or piped on stdin; None if there is none."""
    try:
        if sys.stdin.isatty():
            return getpass.getpass("Password: ") or None
        return sys.stdin.readline().rstrip("\r\n") or None
    except (EOFError, KeyboardInterrupt):
        return None


def _hash_password(words: list[str]) -> int:
    """Print a hash for `[[oper]] password`; the password never goes on the command line."""
    from parley.server.passwords import hash_password

    if words:
        return _error("hash-password reads the password from stdin, not from arguments")
    password = _read_password()
    if password is None:
        return _error("no password given")
    print(hash_password(password))
    return 0


def _password_argument(command: str, words: list[str]) -> list[str] | None:
    """create-account and reset-password take NAME and read the password from stdin;
    a PASSWORD argument still works, with a warning (others can read it in `ps`)."""
    if command not in ("create-account", "reset-password"):
        return words
    if len(words) == 2:
        _warn(f"the password of {command} is visible to every local user in the process "
              "list; leave it out to type it or pipe it on stdin")  # fmt: skip
        return words
    if len(words) != 1:
        return words  # the arity check names the mistake
    password = _read_password()
    return None if password is None else [*words, password]


def _warn(message: str) -> None:
    print(f"parley-server: warning: {message}", file=sys.stderr)


def load(args: argparse.Namespace) -> Config:
    """The config for these arguments, with its data dir created."""
    from parley.server.store.files import private_dir

    config = build_config(args, warn=_warn)
    try:
        private_dir(Path(config.data_dir))
    except OSError as exc:
        raise ConfigError(f"data_dir: cannot create {config.data_dir}: {exc.strerror}") from None
    return config


def _accounts(config: Config, command: str, words: list[str]) -> int:
    """The account commands: they write the data dir's database directly."""
    from parley.server.passwords import credentials
    from parley.server.store.accounts import DB_NAME, AccountExists, SqliteAccountStore

    arity = {"create-account": 2, "delete-account": 1, "reset-password": 2, "list-accounts": 0,
             "list-always-on": 0}  # fmt: skip
    if len(words) != arity[command]:
        return _error(f"{command} takes {arity[command]} argument(s)")
    if words and not valid_nick(words[0], config.limits.nick_length):
        return _error(f"{words[0]!r} is not a valid account name (the same rules as nicks)")
    store = SqliteAccountStore(Path(config.data_dir) / DB_NAME)
    try:
        if command == "list-accounts":
            for name in store.names():
                print(name)
        elif command == "list-always-on":  # online with or without a device (core/always_on.py)
            default = config.registration.always_on
            for row in sorted(store.always_on_accounts(), key=lambda r: r.name.casefold()):
                if row.last_used is not None and (default if row.enabled is None else row.enabled):
                    used = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(row.last_used))
                    print(f"{row.name} (last used by a device {used})")
        elif command == "create-account":
            store.create(words[0], *credentials(words[1]))
            print(f"created account {words[0]}")
        elif command == "delete-account":
            if not store.delete(words[0]):
                return _error(f"no account {words[0]}")
            print(f"deleted account {words[0]}")
        elif not store.set_password(words[0], *credentials(words[1])):
            return _error(f"no account {words[0]}")
        else:
            print(f"password of {words[0]} changed")
    except AccountExists:
        return _error(f"account {words[0]} exists already")
    finally:
        store.close()
    return 0


COMMANDS = {"run", "hash-password", "create-account", "delete-account", "reset-password",
            "list-accounts", "list-always-on", *FILE_COMMANDS}  # fmt: skip


def _check_tls(config: Config) -> None:
    """Make or load the certificate now, so a bad one is a one-line error, not a traceback."""
    from parley.server.configfile import uses_tls
    from parley.server.tls import TLSError, ensure_certificate, server_context

    if not uses_tls(config):
        return
    try:
        if config.tls_cert is not None and config.tls_key is not None:
            server_context(config.tls_cert, config.tls_key)
        else:
            server_context(*ensure_certificate(config.data_dir, config.server_name))
    except TLSError as exc:
        raise ConfigError(f"tls: {exc}") from None


def main(argv: Sequence[str] | None = None) -> int:
    """Run the server (or a command) with these arguments; returns the exit code."""
    args = parser().parse_args(argv)
    if args.command == "hash-password":
        return _hash_password(args.words)
    for warning in exposure_warnings(args.password, args.oper):
        _warn(warning)
    try:
        config = load(args)
    except ConfigError as exc:
        return _error(str(exc))
    if args.command != "run":
        from parley.server.store.accounts import StoreError

        if args.command in FILE_COMMANDS:
            try:
                return files_command(config, args.command, args.words)
            except StoreError as exc:
                return _error(str(exc))
        words = _password_argument(args.command, args.words)
        if words is None:
            return _error(f"{args.command}: no password given (on stdin, or typed)")
        try:
            return _accounts(config, args.command, words)
        except StoreError as exc:
            return _error(str(exc))
    if args.words:
        return _error(f"unexpected argument {args.words[0]!r}")
    try:
        _check_tls(config)
    except ConfigError as exc:
        return _error(str(exc))
    if args.gui:
        from parley.server.console.app import run_console

        return run_console(config, reload=lambda: load(args))
    from parley.server.app import run

    return run(config, reload=lambda: load(args))


def console_main(argv: Sequence[str] | None = None) -> int:
    """`parley-console`: `parley-server --gui`, with the same flags."""
    return main(["--gui", *(sys.argv[1:] if argv is None else argv)])
