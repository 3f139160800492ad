"""Secrets handed to the server from a file or the environment, not the command line.

A process's arguments are readable by every local user (`ps`, /proc/PID/cmdline);
its environment and a 0600 file are not. `--password` and `--oper` still work,
with a warning on stderr.
"""

from __future__ import annotations

import stat
from collections.abc import Iterable
from pathlib import Path

PASSWORD_ENV = "PARLEY_PASSWORD"  # the server password (PASS)
OPERS_ENV = "PARLEY_OPERS"  # operators, one NAME:PASSWORD a line
MAX_SECRET_FILE = 64 * 1024  # bytes: a secrets file is small; more is a wrong path


class SecretInputError(Exception):
    """A secrets file that cannot be used, in one line."""


def read_secret_file(path: Path, key: str) -> tuple[str, list[str]]:
    """The text of a secrets file, and warnings (a file others may read)."""
    warnings = []
    try:
        mode = path.stat().st_mode
        if mode & (stat.S_IRGRP | stat.S_IROTH):
            warnings.append(f"{key}: {path} is readable by other users; chmod 600 it")
        with path.open("rb") as handle:
            data = handle.read(MAX_SECRET_FILE + 1)
    except OSError as exc:
        raise SecretInputError(f"{key}: cannot read {path}: {exc.strerror or exc}") from None
    if len(data) > MAX_SECRET_FILE:
        raise SecretInputError(f"{key}: {path} is over {MAX_SECRET_FILE} bytes")
    try:
        return data.decode("utf-8"), warnings
    except UnicodeDecodeError:
        raise SecretInputError(f"{key}: {path} is not UTF-8 text") from None


def password_text(text: str, key: str) -> str:
    """A password from a file or variable: its first line, without the line end."""
    lines = text.splitlines()
    password = lines[0] if lines else ""
    if not password:
        raise SecretInputError(f"{key}: the password is empty")
    return password


def oper_entries(text: str) -> Iterable[str]:
    """`NAME:PASSWORD` entries, one a line; blank lines and `#` comments skipped."""
    for line in text.splitlines():
        if line.strip() and not line.lstrip().startswith("#"):
            yield line.strip()


def exposure_warnings(password_flag: str | None, oper_flags: list[str] | None) -> list[str]:
    """What to tell the user who put secrets on the command line."""
    warnings = []
    if password_flag:
        warnings.append(
            "--password is visible to every local user in the process list; "
            f"use --password-file FILE or {PASSWORD_ENV} instead"
        )
    if oper_flags:
        warnings.append(
            "--oper is visible to every local user in the process list; "
            f"use --oper-file FILE, {OPERS_ENV} or [[oper]] with a hash in the config file instead"
        )
    return warnings
