"""The server's own secret: made once, kept in the data dir, readable by its user only.

It keys what must look the same on every try and after every restart yet tell
nothing, such as the SCRAM salt of a name that has no account.
"""

from __future__ import annotations

import contextlib
import logging
import os
import secrets
from pathlib import Path

from parley.server.store.schema import StoreError

log = logging.getLogger("parley")

SECRET_FILE = "server.secret"
SECRET_BYTES = 32


def load_secret(data_dir: Path) -> bytes:
    """The data dir's secret, made (mode 0600) on first use."""
    path = Path(data_dir) / SECRET_FILE
    try:
        if not path.exists():
            _create(path)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)  # a copy restored with looser rights: readable by us alone
            log.warning("%s was readable by other users; now 0600", path)
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read or make {path}: {exc.strerror or exc}") from None
    if len(data) != SECRET_BYTES:
        raise StoreError(
            f"{path} is damaged ({len(data)} bytes, not {SECRET_BYTES}); remove it to make "
            "a new one (names without accounts then get other SCRAM salts)"
        )
    return data


def _create(path: Path) -> None:
    """Write a new secret whole, then link it in place: a second process making one at
    the same moment keeps the first, and no half-written file is ever seen."""
    temporary = path.with_name(f".{SECRET_FILE}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(secrets.token_bytes(SECRET_BYTES))
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):  # another process's came first: it stays
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
