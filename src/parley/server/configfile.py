"""Building a Config: defaults, then a TOML file, then command-line flags.

Every mistake is a ConfigError with one line that names the key, so the CLI
can print it and exit 2 instead of showing a traceback. Relative paths in the
file are relative to the file's folder; relative paths in flags, to the current one.
"""

from __future__ import annotations

import argparse
import dataclasses
import ipaddress
import os
import re
import shlex
import tomllib
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from parley.irc.casemap import valid_channel
from parley.server.config import (
    Address,
    Cluster,
    Config,
    HistoryPolicy,
    Limits,
    Mail,
    Oper,
    Push,
    Registration,
    Web,
)
from parley.server.passwords import hash_password, is_hash, well_formed_hash
from parley.server.secretinput import (
    OPERS_ENV,
    PASSWORD_ENV,
    SecretInputError,
    oper_entries,
    password_text,
    read_secret_file,
)

Warn = Callable[[str], None]

_TOP_KEYS = {
    "server_name", "network_name", "server_description", "listen", "tls_listen", "data_dir",
    "password", "motd", "motd_file", "lobby", "lobby_topic", "log_level", "log_format", "tls",
    "oper", "limits",
    "history", "metrics",
    "password_file", "oper_file",
    "registration", "mail", "web", "push", "announce", "cluster",
}  # fmt: skip
_DESCRIPTION_LENGTH = 200
_LOG_LEVELS = ("debug", "info", "warning", "error")
# A DNS name: dot-separated labels of letters, digits and inner hyphens.
_HOSTNAME = re.compile(r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)(\.(?!-)[A-Za-z0-9-]{1,63}(?<!-))*")
_SERVER_NAME_LENGTH = 63  # RFC 2812 1.1: server names are at most 63 characters
_TOML_TYPES = {str: "a string", int: "an integer", float: "a number", bool: "true or false",
               list: "a list", dict: "a table"}  # fmt: skip
# The most a multi-line message's line (and its BATCH lines) can take on the way out.
MULTILINE_LINE_BYTES = 600  # 512, its batch reference and the concat tag
MULTILINE_HEAD_BYTES = 8192  # the BATCH lines: the sender's client-only tags and ours

_ZERO_ALLOWED = {
    "connections_per_ip", "whowas_entries", "list_modes_per_channel", "max_connections",
    "max_unregistered", "pending_registrations_per_address", "pending_registrations",
    "channel_rename_interval", "always_on_clients", "always_on_expiry_days",
    "channels_per_account", "channel_access_entries",
    "upload_max_bytes", "upload_disk_floor_bytes",
}  # fmt: skip


class ConfigError(Exception):
    """A setting that cannot be used, described in one line."""


def parse_address(text: str, key: str) -> Address:
    """`HOST:PORT`, `[v6]:PORT`, `*:PORT` or `:PORT` (every interface); port 0 picks one."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not (port_text.isascii() and port_text.isdigit()):
        raise ConfigError(f"{key}: {text!r} is not HOST:PORT")
    if int(port_text) > 65535:
        raise ConfigError(f"{key}: {text!r}: the port must be 0 to 65535")
    if host in ("", "*"):
        return Address(None, int(port_text))
    if host.startswith("[") and host.endswith("]"):
        if not _is_ip(host[1:-1], version=6):
            raise ConfigError(f"{key}: {text!r}: {host} is not an IPv6 address")
        return Address(host[1:-1], int(port_text))
    if ":" in host:
        raise ConfigError(f"{key}: {text!r}: put an IPv6 address in brackets, like [::1]:6667")
    if not (_is_ip(host, version=4) or _HOSTNAME.fullmatch(host)):
        raise ConfigError(f"{key}: {text!r}: {host!r} is not a host name or address")
    return Address(host, int(port_text))


def _is_ip(text: str, version: int) -> bool:
    try:
        return ipaddress.ip_address(text).version == version
    except ValueError:
        return False


def _expect(value: Any, kind: type | tuple[type, ...], key: str) -> Any:
    """`value` if it has the type the key needs (TOML booleans are not numbers)."""
    kinds = kind if isinstance(kind, tuple) else (kind,)
    if not isinstance(value, kinds) or (isinstance(value, bool) and bool not in kinds):
        names = " or ".join(_TOML_TYPES[k] for k in kinds)
        raise ConfigError(f"{key}: expected {names}, got {value!r}")
    return value


def _oper(name: str, password: str, key: str) -> Oper:
    """An operator, its clear password hashed now so a Config only ever holds hashes."""
    if not name or any(c.isspace() or c == ":" for c in name):
        raise ConfigError(f"{key}: {name!r} is not an operator name (no spaces or colons)")
    if not password:
        raise ConfigError(f"{key}: the password of {name!r} is empty")
    if not is_hash(password):
        return Oper(name, hash_password(password))
    if not well_formed_hash(password):
        raise ConfigError(f"{key}: the password hash of {name!r} is malformed")
    return Oper(name, password)


def oper_flag(text: str, key: str = "--oper") -> Oper:
    """`--oper NAME:PASSWORD` (the password may itself contain colons)."""
    name, sep, password = text.partition(":")
    if not sep:
        raise ConfigError(f"{key}: expected NAME:PASSWORD")
    return _oper(name, password, key)


def _with_opers(fields: dict[str, Any], opers: list[Oper]) -> None:
    """Add operators to `fields`; one of the same name as an earlier one replaces it."""
    merged = {oper.name: oper for oper in fields.get("opers", ())}
    merged.update((oper.name, oper) for oper in opers)
    fields["opers"] = tuple(merged.values())


def _secret_file(path: Path, key: str, warn: Warn | None) -> str:
    try:
        text, warnings = read_secret_file(path, key)
    except SecretInputError as exc:
        raise ConfigError(str(exc)) from None
    for warning in warnings:
        if warn is not None:
            warn(warning)
    return text


def _password_from(text: str, key: str) -> str:
    try:
        return password_text(text, key)
    except SecretInputError as exc:
        raise ConfigError(str(exc)) from None


def _opers_from(text: str, key: str) -> list[Oper]:
    return [oper_flag(entry, key) for entry in oper_entries(text)]


def _secret_sources(
    args: argparse.Namespace, fields: dict[str, Any], env: Mapping[str, str], warn: Warn | None
) -> None:
    """Passwords from the environment, then from files named by flags, over the file's."""
    if env.get(PASSWORD_ENV):
        fields["password"] = _password_from(env[PASSWORD_ENV], PASSWORD_ENV)
    if env.get(OPERS_ENV):
        _with_opers(fields, _opers_from(env[OPERS_ENV], OPERS_ENV))
    password_file = getattr(args, "password_file", None)
    if password_file is not None:
        if args.password is not None:
            raise ConfigError("--password-file: give it or --password, not both")
        path = Path(password_file).expanduser()
        text = _secret_file(path, "--password-file", warn)
        fields["password"] = _password_from(text, "--password-file")
    oper_file = getattr(args, "oper_file", None)
    if oper_file is not None:
        text = _secret_file(Path(oper_file).expanduser(), "--oper-file", warn)
        _with_opers(fields, _opers_from(text, "--oper-file"))


def _opers(value: Any) -> tuple[Oper, ...]:
    """The `[[oper]]` blocks: each exactly a name and a password, names distinct."""
    opers: dict[str, Oper] = {}
    for block in _expect(value, list, "oper"):
        _expect(block, dict, "oper")
        for sub in block:
            if sub not in ("name", "password"):
                raise ConfigError(f"oper.{sub}: unknown key")
        name = _expect(block.get("name"), str, "oper.name")
        if name in opers:
            raise ConfigError(f"oper.name: {name!r} is given twice")
        opers[name] = _oper(name, _expect(block.get("password"), str, "oper.password"), "oper")
    return tuple(opers.values())


def _limits(table: dict[str, Any]) -> Limits:
    """The `[limits]` table over the defaults, each value of its field's type."""
    defaults = Limits()
    names = {f.name for f in dataclasses.fields(Limits)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in names:
            raise ConfigError(f"limits.{key}: unknown key")
        default = getattr(defaults, key)
        if isinstance(default, tuple):
            changes[key] = _networks(value, f"limits.{key}")
            continue
        kind: type | tuple[type, ...] = (
            (int, float) if isinstance(default, float) else type(default)
        )
        _expect(value, kind, f"limits.{key}")
        if not isinstance(value, bool):
            if value < 0 or (value == 0 and key not in _ZERO_ALLOWED):
                least = "0 or more" if key in _ZERO_ALLOWED else "above 0"
                raise ConfigError(f"limits.{key}: must be {least}, got {value!r}")
            value = float(value) if isinstance(default, float) else value
        changes[key] = value
    return dataclasses.replace(defaults, **changes)


def _networks(value: Any, key: str) -> tuple[str, ...]:
    """A list of IP addresses or networks (`192.0.2.7`, `2001:db8::/48`)."""
    masks = []
    for item in _expect(value, list, key):
        try:
            network = ipaddress.ip_network(_expect(item, str, key), strict=False)
        except ValueError:
            raise ConfigError(f"{key}: {item!r} is not an IP address or network") from None
        one = network.num_addresses == 1
        masks.append(str(network.network_address) if one else str(network))
    return tuple(masks)


def _path(value: Any, key: str, base: Path) -> Path:
    """A path from the file: `~` expanded, relative ones taken from the file's folder."""
    path = Path(_expect(value, str, key)).expanduser()
    return path if path.is_absolute() else base / path


def _tls(value: Any, base: Path) -> dict[str, Path]:
    fields = {}
    for sub, path_text in _expect(value, dict, "tls").items():
        if sub not in ("cert", "key"):
            raise ConfigError(f"tls.{sub}: unknown key")
        fields[f"tls_{sub}"] = _path(path_text, f"tls.{sub}", base)
    return fields


def _load_toml(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except UnicodeDecodeError:
        raise ConfigError(f"{path}: not a UTF-8 text file") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None


def _history(table: dict[str, Any]) -> HistoryPolicy:
    """The [history] table: numbers that are 0 or more."""
    defaults = HistoryPolicy()
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if not hasattr(defaults, key):
            raise ConfigError(f"history.{key}: unknown key")
        is_float = isinstance(getattr(defaults, key), float)
        kind: tuple[type, ...] = (int, float) if is_float else (int,)
        _expect(value, kind, f"history.{key}")
        if value < 0:
            raise ConfigError(f"history.{key}: must be 0 or more")
        changes[key] = value
    policy = dataclasses.replace(defaults, **changes)
    if not 0 < policy.queue_low < policy.queue_high <= policy.queue_max:
        raise ConfigError("history: needs 0 < queue_low < queue_high <= queue_max")
    return policy


def _registration(table: dict[str, Any]) -> Registration:
    """The [registration] table: two switches and the codes' lifetime."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key in ("before_connect", "email_required", "always_on"):
            changes[key] = _expect(value, bool, f"registration.{key}")
        elif key == "code_lifetime":
            if _expect(value, (int, float), f"registration.{key}") <= 0:
                raise ConfigError(f"registration.{key}: must be above 0, got {value!r}")
            changes[key] = float(value)
        else:
            raise ConfigError(f"registration.{key}: unknown key")
    return Registration(**changes)


def mail_command(text: str, key: str) -> tuple[str, ...]:
    """`--mail-command "sendmail -t -i"`: split as a shell would, but never run by one."""
    try:
        argv = tuple(shlex.split(text))
    except ValueError as exc:
        raise ConfigError(f"{key}: {exc}") from None
    if not argv:
        raise ConfigError(f"{key}: empty command")
    return argv


def _mail(table: dict[str, Any], base: Path, warn: Warn | None) -> Mail:
    """The [mail] table: a command or an SMTP server, and the From address."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"mail.{key}"
        if key == "command":
            argv = tuple(_expect(item, str, name) for item in _expect(value, list, name))
            changes[key] = argv
        elif key == "smtp_host":
            changes[key] = _expect(value, str, name) or None
        elif key == "smtp_port":
            if not 0 < _expect(value, int, name) <= 65535:
                raise ConfigError(f"{name}: must be 1 to 65535, got {value!r}")
            changes[key] = value
        elif key == "smtp_starttls":
            changes[key] = _expect(value, bool, name)
        elif key == "smtp_username":
            changes[key] = _expect(value, str, name) or None
        elif key == "smtp_password_file":
            text = _secret_file(_path(value, name, base), name, warn)
            changes["smtp_password"] = text.splitlines()[0] if text else ""
        elif key == "from":
            changes["sender"] = _expect(value, str, name)
        elif key == "timeout":
            if _expect(value, (int, float), name) <= 0:
                raise ConfigError(f"{name}: must be above 0, got {value!r}")
            changes[key] = float(value)
        else:
            raise ConfigError(f"{name}: unknown key")
    return Mail(**changes)


_ORIGIN = re.compile(r"https?://[^/\s]+")
_PUBLIC_URL = re.compile(
    r"https?://[A-Za-z0-9.\-]+(:\d{1,5})?|https?://\[[0-9A-Fa-f:.]+\](:\d{1,5})?"
)


def _web(table: dict[str, Any]) -> Web:
    """The [web] table: where the web listener listens, TLS or not, allowed origins."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"web.{key}"
        if key == "listen":
            addresses = _expect(value, list, name)
            changes[key] = tuple(parse_address(_expect(v, str, name), name) for v in addresses)
        elif key == "tls":
            changes[key] = _expect(value, bool, name)
        elif key == "allowed_origins":
            origins = tuple(_expect(v, str, name) for v in _expect(value, list, name))
            for origin in origins:
                if origin != "*" and not _ORIGIN.fullmatch(origin):
                    raise ConfigError(
                        f"{name}: {origin!r} is not an origin (like https://chat.example.org)"
                    )
            changes[key] = origins
        elif key == "public_url":
            url = _expect(value, str, name).rstrip("/")
            if not _PUBLIC_URL.fullmatch(url):
                raise ConfigError(f"{name}: {url!r} is not a URL like https://chat.example.org")
            changes[key] = url
        else:
            raise ConfigError(f"{name}: unknown key")
    return Web(**changes)


def _push(table: dict[str, Any]) -> Push:
    """The [push] table: Web Push on or off, where endpoints may be, what pushes carry."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"push.{key}"
        if key in ("enabled", "allow_private_endpoints"):
            changes[key] = _expect(value, bool, name)
        elif key == "ports":
            ports = tuple(_expect(v, int, name) for v in _expect(value, list, name))
            if not ports or any(not 0 < port < 65536 for port in ports):
                raise ConfigError(f"{name}: a list of ports from 1 to 65535, like [443]")
            changes[key] = ports
        elif key == "ttl":
            if _expect(value, int, name) < 0:
                raise ConfigError(f"{name}: must be 0 or more, got {value!r}")
            changes[key] = value
        elif key == "contact":
            contact = _expect(value, str, name)
            if contact and not contact.startswith(("mailto:", "https://")):
                raise ConfigError(f"{name}: a mailto: or https: address, got {contact!r}")
            changes[key] = contact
        else:
            raise ConfigError(f"{name}: unknown key")
    return Push(**changes)


NODE_NAME = re.compile(r"[A-Za-z0-9_-]{1,32}")


def cluster_servers(text: str, name: str) -> tuple[str, ...]:
    """`nats://a:4222,nats://b:4222` as a tuple of URLs."""
    urls = tuple(u.strip() for u in text.split(",") if u.strip())
    for url in urls:
        if not url.startswith(("nats://", "tls://")) or "@" in url:
            raise ConfigError(f"{name}: nats://HOST:PORT URLs (no password in them), got {url!r}")
    if not urls:
        raise ConfigError(f"{name}: at least one nats://HOST:PORT")
    return urls


def _cluster(table: dict[str, Any]) -> Cluster:
    """The [cluster] table: the NATS servers, this node's name, failure timings."""
    changes: dict[str, Any] = {}
    for key, value in table.items():
        name = f"cluster.{key}"
        if key == "servers":
            texts = value if isinstance(value, list) else [value]
            changes[key] = cluster_servers(",".join(_expect(v, str, name) for v in texts), name)
        elif key == "node_name":
            changes[key] = node_name(_expect(value, str, name), name)
        elif key == "replicas":
            if _expect(value, int, name) not in (0, 1, 3, 5):
                raise ConfigError(f"{name}: 1, 3 or 5 (0: from the servers given), got {value!r}")
            changes[key] = value
        elif key in ("heartbeat", "dead_after", "grace"):
            number = _expect(value, (int, float), name)
            if not 0 < number <= 3600:
                raise ConfigError(f"{name}: seconds, more than 0, got {value!r}")
            changes[key] = float(number)
        elif key in ("snapshot_every", "keep_days"):
            number = _expect(value, (int, float), name)
            if not 0 < number <= (86400 if key == "snapshot_every" else 3650):
                raise ConfigError(f"{name}: more than 0, at most a day (days: ten years)")
            changes[key] = float(number)
        else:
            raise ConfigError(f"{name}: unknown key")
    cluster = Cluster(**changes)
    if cluster.snapshot_every * 2 > cluster.keep_days * 86400:  # a snapshot within keep_days
        raise ConfigError("cluster.snapshot_every: at most half of keep_days")
    return cluster


def node_name(text: str, name: str) -> str:
    """A node's name: letters, digits, '-' and '_' (it goes into NATS subjects)."""
    if not NODE_NAME.fullmatch(text):
        raise ConfigError(f"{name}: 1 to 32 letters, digits, '-' or '_', got {text!r}")
    return text


def _cluster_flags(args: argparse.Namespace, fields: dict[str, Any]) -> None:
    """--cluster URLS and --node-name NAME."""
    cluster = fields.get("cluster", Cluster())
    if getattr(args, "cluster", None):
        cluster = dataclasses.replace(cluster, servers=cluster_servers(args.cluster, "--cluster"))
    if getattr(args, "node_name", None):
        cluster = dataclasses.replace(cluster, node_name=node_name(args.node_name, "--node-name"))
    fields["cluster"] = cluster


def _web_flags(args: argparse.Namespace, fields: dict[str, Any]) -> None:
    """--web-listen (TLS), --websocket (plain: a local proxy, irctest) and --no-web.
    --listen alone binds only what it names, so no web listener either."""
    web = fields.get("web", Web())
    web_listen = getattr(args, "web_listen", None)
    plain = getattr(args, "websocket", None)
    if web_listen and plain:
        raise ConfigError("--websocket: give it or --web-listen, not both")
    if web_listen:
        listen = tuple(parse_address(a, "--web-listen") for a in web_listen)
        web = dataclasses.replace(web, listen=listen)
    elif plain:
        listen = tuple(parse_address(a, "--websocket") for a in plain)
        web = dataclasses.replace(web, listen=listen, tls=False)
    elif args.listen and "web" not in fields:
        web = dataclasses.replace(web, listen=())
    if getattr(args, "no_web", False):
        web = dataclasses.replace(web, listen=())
    if getattr(args, "web_url", None):
        web = dataclasses.replace(web, public_url=_web({"public_url": args.web_url}).public_url)
    fields["web"] = web


def read_toml(path: Path, warn: Warn | None = None) -> dict[str, Any]:
    """The Config fields a TOML file sets (see config.example.toml)."""
    path = Path(path)
    base = path.resolve().parent
    fields: dict[str, Any] = {}
    table = _load_toml(path)
    if "password" in table and "password_file" in table:
        raise ConfigError("password_file: give it or password, not both")
    for key, value in table.items():
        if key not in _TOP_KEYS:
            raise ConfigError(f"{key}: unknown key")
        if key in ("listen", "tls_listen"):
            fields[key] = tuple(
                parse_address(_expect(v, str, key), key) for v in _expect(value, list, key)
            )
        elif key == "tls":
            fields.update(_tls(value, base))
        elif key == "oper":
            fields["opers"] = _opers(value)
        elif key == "limits":
            fields["limits"] = _limits(_expect(value, dict, key))
        elif key == "metrics":
            fields[key] = parse_address(_expect(value, str, key), key) if value else None
        elif key == "history":
            fields["history"] = _history(_expect(value, dict, key))
        elif key == "registration":
            fields["registration"] = _registration(_expect(value, dict, key))
        elif key == "mail":
            fields["mail"] = _mail(_expect(value, dict, key), base, warn)
        elif key == "web":
            fields["web"] = _web(_expect(value, dict, key))
        elif key == "push":
            fields["push"] = _push(_expect(value, dict, key))
        elif key == "announce":
            fields[key] = _expect(value, bool, key)
        elif key == "cluster":
            fields["cluster"] = _cluster(_expect(value, dict, key))
        elif key in ("data_dir", "motd_file"):
            fields[key] = _path(value, key, base)
        elif key in ("lobby", "motd", "password"):
            fields[key] = _expect(value, str, key) or None  # "" turns it off
        elif key == "log_level":
            fields[key] = _expect(value, str, key).lower()
        elif key == "password_file":
            text = _secret_file(_path(value, key, base), key, warn)
            fields["password"] = _password_from(text, key)
        elif key != "oper_file":
            fields[key] = _expect(value, str, key)
    if "oper_file" in table:  # after [[oper]]: a name in both takes the file's password
        text = _secret_file(_path(table["oper_file"], "oper_file", base), "oper_file", warn)
        _with_opers(fields, _opers_from(text, "oper_file"))
    return fields


def _flag_fields(args: argparse.Namespace, fields: dict[str, Any]) -> None:
    """Apply the command-line flags over the file's fields, in place."""
    if args.listen:
        fields["listen"] = tuple(parse_address(a, "--listen") for a in args.listen)
        if not args.tls_listen and "tls_listen" not in fields:
            fields["tls_listen"] = ()  # --listen alone binds only what it names
    if args.tls_listen:
        fields["tls_listen"] = tuple(parse_address(a, "--tls-listen") for a in args.tls_listen)
    if args.no_tls:
        fields["tls_listen"] = ()
    for flag in ("server_name", "server_description", "log_level", "log_format"):
        if getattr(args, flag) is not None:
            fields[flag] = getattr(args, flag)
    for flag in ("password", "lobby"):
        if getattr(args, flag) is not None:
            fields[flag] = getattr(args, flag) or None  # "" turns it off, as in the file
    for flag in ("data_dir", "motd_file"):
        if getattr(args, flag) is not None:
            fields[flag] = Path(getattr(args, flag)).expanduser()
    if args.oper:  # a flag replaces the file's oper of that name
        _with_opers(fields, [oper_flag(text) for text in args.oper])
    if args.no_lobby:
        fields["lobby"] = None
    if args.metrics is not None:
        fields["metrics"] = parse_address(args.metrics, "--metrics")
    if args.history_replay is not None:
        if args.history_replay < 0:
            raise ConfigError("--history-replay: must be 0 or more")
        policy = fields.get("history", HistoryPolicy())
        fields["history"] = dataclasses.replace(policy, replay_lines=args.history_replay)
    if getattr(args, "no_announce", False):
        fields["announce"] = False
    if args.no_flood_limit:
        fields["limits"] = dataclasses.replace(fields.get("limits", Limits()), flood_enabled=False)
    _registration_flags(args, fields)
    _web_flags(args, fields)
    _cluster_flags(args, fields)


def _registration_flags(args: argparse.Namespace, fields: dict[str, Any]) -> None:
    """--no-register-before-connect, --register-email-required and the mail flags."""
    registration = fields.get("registration", Registration())
    if getattr(args, "no_register_before_connect", False):
        registration = dataclasses.replace(registration, before_connect=False)
    if getattr(args, "register_email_required", False):
        registration = dataclasses.replace(registration, email_required=True)
    fields["registration"] = registration
    mail = fields.get("mail", Mail())
    if getattr(args, "mail_command", None) is not None:
        mail = dataclasses.replace(mail, command=mail_command(args.mail_command, "--mail-command"))
    if getattr(args, "smtp", None) is not None:
        address = parse_address(args.smtp, "--smtp")
        if address.host is None or address.port == 0:
            raise ConfigError("--smtp: name the host and port, like mail.example.org:587")
        mail = dataclasses.replace(mail, smtp_host=address.host, smtp_port=address.port)
    if getattr(args, "mail_from", None) is not None:
        mail = dataclasses.replace(mail, sender=args.mail_from)
    fields["mail"] = mail


def build_config(
    args: argparse.Namespace, env: Mapping[str, str] | None = None, warn: Warn | None = None
) -> Config:
    """Defaults, overridden by the --config file, then by secrets from the environment
    and files, then by flags (see cli.parser); `warn` hears of secrets others may read."""
    fields: dict[str, Any] = {}
    if args.config is not None:
        fields.update(read_toml(Path(args.config), warn))
        fields["config_file"] = Path(args.config).resolve()
    _secret_sources(args, fields, os.environ if env is None else env, warn)
    _flag_fields(args, fields)
    fields.setdefault("data_dir", Path(user_data_dir("parley", appauthor=False)))
    return validate(Config(**fields))


def _check_name(name: str, key: str, example: str, hostname: bool) -> None:
    """Names that go on the wire as one word (server names as `prefix`, NETWORK= in 005)."""
    shaped = _HOSTNAME.fullmatch(name) and "." in name if hostname else name.isprintable()
    if not name or " " in name or not shaped or len(name) > _SERVER_NAME_LENGTH:
        raise ConfigError(f"{key}: {name!r} is not a valid name (like {example})")


def _metrics_available() -> bool:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return False
    return True


def uses_tls(config: Config) -> bool:
    """Whether a listener needs the certificate: a TLS one, or the web listener over TLS."""
    return bool(config.tls_listen) or (bool(config.web.listen) and config.web.tls)


def validate(config: Config) -> Config:
    """Checks across fields that the types alone do not make."""
    if config.metrics is not None and not _metrics_available():
        raise ConfigError("metrics: needs prometheus-client (pip install 'parley[metrics]')")
    _check_name(config.server_name, "server_name", "irc.example.org", hostname=True)
    _check_name(config.network_name, "network_name", "Parley", hostname=False)
    description = config.server_description
    if not description.isprintable() or len(description) > _DESCRIPTION_LENGTH:
        most = _DESCRIPTION_LENGTH
        raise ConfigError(f"server_description: printable text of at most {most} characters")
    if config.lobby is not None and not valid_channel(config.lobby, config.limits.channel_length):
        raise ConfigError(f"lobby: {config.lobby!r} is not a channel name (like #lobby)")
    if len(config.lobby_topic) > config.limits.topic_length:
        length, most = len(config.lobby_topic), config.limits.topic_length
        raise ConfigError(f"lobby_topic: {length} characters, over limits.topic_length ({most})")
    if config.log_format not in ("text", "json"):
        raise ConfigError(f"log_format: {config.log_format!r} is not text or json")
    if config.log_level not in _LOG_LEVELS:
        raise ConfigError(f"log_level: {config.log_level!r} is not one of {', '.join(_LOG_LEVELS)}")
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError("tls: give both cert and key, or neither")
    for key, path in (("tls.cert", config.tls_cert), ("tls.key", config.tls_key)):
        if path is not None and uses_tls(config) and not Path(path).is_file():
            raise ConfigError(f"{key}: {path} is not a readable file")
    if config.motd_file is not None and not Path(config.motd_file).is_file():
        raise ConfigError(f"motd_file: {config.motd_file} is not a readable file")
    if not config.listen and not config.tls_listen:
        raise ConfigError("listen: no listener at all")
    limits = config.limits
    batch = limits.multiline_max_lines * MULTILINE_LINE_BYTES + MULTILINE_HEAD_BYTES
    if batch > limits.sendq_bytes:  # a recipient would be dropped for one message
        raise ConfigError(
            f"limits.multiline_max_lines: a batch of {limits.multiline_max_lines} lines may take"
            f" {batch} bytes to each recipient, over limits.sendq_bytes"
        )
    _check_mail(config)
    return config


def _check_mail(config: Config) -> None:
    """E-mail verification needs a way to send mail, and one only."""
    from parley.server.mail import valid_address

    mail = config.mail
    if mail.command and mail.smtp_host is not None:
        raise ConfigError("mail: give command or smtp_host, not both")
    if config.registration.email_required and not mail.configured:
        raise ConfigError(
            "registration.email_required: needs mail.command or mail.smtp_host to send the codes"
        )
    if mail.sender and not valid_address(mail.sender):
        raise ConfigError(f"mail.from: {mail.sender!r} is not an e-mail address")
    if mail.smtp_password is not None and mail.smtp_username is None:
        raise ConfigError("mail.smtp_password_file: give smtp_username too")
