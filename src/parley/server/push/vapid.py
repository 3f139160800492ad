"""The server's VAPID key (RFC 8292): made on first start, kept in the data dir.

Browsers subscribe with its public half (ISUPPORT VAPID) and push services accept
only pushes signed by it, so it must outlive restarts: a new key would orphan every
subscription. The private key is a PEM file readable by the server's user only,
like the TLS key.
"""

from __future__ import annotations

import base64
import contextlib
import logging
import os
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from parley.server.store.schema import StoreError

log = logging.getLogger("parley")

KEY_FILE = Path("push") / "vapid-key.pem"


def b64url(data: bytes) -> str:
    """URL-safe base64 without padding (RFC 4648 section 5), as Web Push writes keys."""
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def public_key_text(key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as browsers take it (applicationServerKey): the uncompressed point."""
    point = key.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return b64url(point)


def load_vapid_key(data_dir: Path) -> ec.EllipticCurvePrivateKey:
    """The data dir's VAPID key (ECDSA P-256), made on first use."""
    path = Path(data_dir) / KEY_FILE
    try:
        if not path.exists():
            _create(path)
        if path.stat().st_mode & 0o077:
            path.chmod(0o600)
            log.warning("%s was readable by other users; now 0600", path)
        data = path.read_bytes()
    except OSError as exc:
        raise StoreError(f"cannot read or make {path}: {exc.strerror or exc}") from None
    try:
        key = serialization.load_pem_private_key(data, password=None)
    except ValueError:
        key = None
    if not isinstance(key, ec.EllipticCurvePrivateKey) or key.curve.name != "secp256r1":
        raise StoreError(
            f"{path} is not a P-256 private key; remove it to make a new one (browsers "
            "then subscribe again)"
        )
    return key


def _create(path: Path) -> None:
    """Write a new key whole, then link it in place (a second process's, first, stays)."""
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    key = ec.generate_private_key(ec.SECP256R1())
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    temporary.unlink(missing_ok=True)
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(pem)
            handle.flush()
            os.fsync(handle.fileno())
        with contextlib.suppress(FileExistsError):
            os.link(temporary, path)
    finally:
        temporary.unlink(missing_ok=True)
    log.info("made a VAPID key for Web Push in %s", path)
