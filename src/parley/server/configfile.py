"""Building a Config: defaults, then a TOML file, then command-line flags.

Every mistake is a ConfigError with one line that names the key, so the CLI
can print it and exit 2 instead of showing a traceback.
"""

from __future__ import annotations

import argparse
import dataclasses
import tomllib
from pathlib import Path
from typing import Any

from platformdirs import user_data_dir

from parley.irc.casemap import valid_channel
from parley.server.config import Address, Config, Limits, Oper
from parley.server.passwords import hash_password, is_hash

_TOP_KEYS = {
    "server_name", "network_name", "listen", "tls_listen", "data_dir", "password",
    "motd", "motd_file", "lobby", "lobby_topic", "log_level", "tls", "oper", "limits",
}  # fmt: skip
_LOG_LEVELS = {"debug", "info", "warning", "error"}


class ConfigError(Exception):
    """A setting that cannot be used, described in one line."""


def parse_address(text: str, key: str) -> Address:
    """`HOST:PORT`, `[v6]:PORT`, `*:PORT` or `:PORT` (every interface)."""
    host, sep, port_text = text.rpartition(":")
    if not sep or not port_text.isdigit() or int(port_text) > 65535:
        raise ConfigError(f"{key}: {text!r} is not HOST:PORT")
    if host.startswith("[") and host.endswith("]"):
        host = host[1:-1]
    return Address(None if host in ("", "*") else host, int(port_text))


def _server_name(name: str, key: str) -> str:
    if not name or " " in name or "." not in name or name.startswith((":", "@", "#")):
        raise ConfigError(f"{key}: {name!r} is not a server name (like irc.example.org)")
    return name


def _expect(value: Any, kind: type | tuple[type, ...], key: str) -> Any:
    if not isinstance(value, kind) or (kind is int and isinstance(value, bool)):
        names = kind.__name__ if isinstance(kind, type) else " or ".join(k.__name__ for k in kind)
        raise ConfigError(f"{key}: expected {names}, got {value!r}")
    return value


def _oper(text: str, key: str) -> Oper:
    name, sep, password = text.partition(":")
    if not sep or not name or not password:
        raise ConfigError(f"{key}: expected NAME:PASSWORD")
    return Oper(name, password if is_hash(password) else hash_password(password))


def _limits(table: dict[str, Any]) -> Limits:
    fields = {f.name: f for f in dataclasses.fields(Limits)}
    changes: dict[str, Any] = {}
    for key, value in table.items():
        if key not in fields:
            raise ConfigError(f"limits.{key}: unknown key")
        default = getattr(Limits(), key)
        kind: type | tuple[type, ...] = (
            (int, float) if isinstance(default, float) else type(default)
        )
        _expect(value, kind, f"limits.{key}")
        if not isinstance(value, bool) and value < 0:
            raise ConfigError(f"limits.{key}: must not be negative")
        changes[key] = value
    return dataclasses.replace(Limits(), **changes)


def read_toml(path: Path) -> dict[str, Any]:
    """The Config fields a TOML file sets (see config.example.toml)."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except OSError as exc:
        raise ConfigError(f"{path}: {exc.strerror or exc}") from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"{path}: {exc}") from None
    fields: dict[str, Any] = {}
    for key, value in raw.items():
        if key not in _TOP_KEYS:
            raise ConfigError(f"{key}: unknown key")
        if key in ("listen", "tls_listen"):
            _expect(value, list, key)
            fields[key] = tuple(parse_address(_expect(v, str, key), key) for v in value)
        elif key == "tls":
            _expect(value, dict, key)
            for sub, path_text in value.items():
                if sub not in ("cert", "key"):
                    raise ConfigError(f"tls.{sub}: unknown key")
                fields[f"tls_{sub}"] = Path(_expect(path_text, str, f"tls.{sub}"))
        elif key == "oper":
            _expect(value, list, key)
            opers = []
            for block in value:
                name = _expect(block.get("name"), str, "oper.name")
                password = _expect(block.get("password"), str, "oper.password")
                opers.append(_oper(f"{name}:{password}", "oper"))
            fields["opers"] = tuple(opers)
        elif key == "limits":
            fields["limits"] = _limits(_expect(value, dict, key))
        elif key in ("data_dir", "motd_file"):
            fields[key] = Path(_expect(value, str, key))
        elif key == "lobby":
            fields[key] = _expect(value, str, key) or None
        else:
            fields[key] = _expect(value, str, key)
    return fields


def build_config(args: argparse.Namespace) -> Config:
    """Defaults, overridden by the --config file, overridden by flags."""
    fields: dict[str, Any] = {}
    if args.config is not None:
        fields.update(read_toml(Path(args.config)))
        fields["config_file"] = Path(args.config).resolve()
    if args.listen:
        fields["listen"] = tuple(parse_address(a, "--listen") for a in args.listen)
        if not args.tls_listen and "tls_listen" not in fields:
            fields["tls_listen"] = ()  # --listen alone binds only what it names
    if args.tls_listen:
        fields["tls_listen"] = tuple(parse_address(a, "--tls-listen") for a in args.tls_listen)
    if args.no_tls:
        fields["tls_listen"] = ()
    for flag in ("server_name", "password", "log_level"):
        if getattr(args, flag) is not None:
            fields[flag] = getattr(args, flag)
    if args.data_dir is not None:
        fields["data_dir"] = Path(args.data_dir)
    if args.motd_file is not None:
        fields["motd_file"] = Path(args.motd_file)
    if args.oper:
        fields["opers"] = tuple(fields.get("opers", ())) + tuple(
            _oper(text, "--oper") for text in args.oper
        )
    if args.lobby is not None:
        fields["lobby"] = args.lobby
    if args.no_lobby:
        fields["lobby"] = None
    if args.no_flood_limit:
        limits = fields.get("limits", Limits())
        fields["limits"] = dataclasses.replace(limits, flood_enabled=False)
    fields.setdefault("data_dir", Path(user_data_dir("parley", appauthor=False)))
    return validate(Config(**fields))


def validate(config: Config) -> Config:
    """Checks across fields that the types alone do not make."""
    _server_name(config.server_name, "server_name")
    if config.lobby is not None and not valid_channel(config.lobby, config.limits.channel_length):
        raise ConfigError(f"lobby: {config.lobby!r} is not a channel name (like #lobby)")
    if config.log_level.lower() not in _LOG_LEVELS:
        raise ConfigError(f"log_level: {config.log_level!r} is not one of {sorted(_LOG_LEVELS)}")
    if (config.tls_cert is None) != (config.tls_key is None):
        raise ConfigError("tls: give both cert and key, or neither")
    if config.motd_file is not None and not Path(config.motd_file).is_file():
        raise ConfigError(f"motd_file: {config.motd_file} is not a readable file")
    if not config.listen and not config.tls_listen:
        raise ConfigError("listen: no listener at all")
    if config.limits.flood_enabled and config.limits.flood_rate <= 0:
        raise ConfigError("limits.flood_rate: must be above 0 while flood control is on")
    return config
