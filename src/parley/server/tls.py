"""TLS for the listeners: a self-signed certificate on first start, and the context.

The certificate lives in the data dir so it survives restarts (clients pin it);
its SHA-256 fingerprint is printed at start so users can check what they see.
REHASH calls `load_certificate` on the live context: connections made after
it get the new certificate, open ones keep theirs. Only the first start makes a
certificate; a REHASH that finds the files gone keeps the one in use.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

VALID_DAYS = 3650
# Forward secrecy and AEAD only for TLS 1.2 (Mozilla "intermediate"); TLS 1.3 has its own.
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20:!aNULL:!eNULL"

_SSL_REASONS = {"KEY_VALUES_MISMATCH": "the key does not belong to the certificate"}


class TLSError(Exception):
    """The certificate or key cannot be made, read or used; one line for the user."""


def certificate_paths(data_dir: Path) -> tuple[Path, Path]:
    """Where the self-signed certificate and its key live in the data dir."""
    folder = Path(data_dir) / "tls"
    return folder / "cert.pem", folder / "key.pem"


def existing_certificate(data_dir: Path) -> tuple[Path, Path]:
    """The data dir's certificate and key, which must be there: a reload never makes a
    new key behind the users' backs (their clients pin the certificate)."""
    paths = certificate_paths(data_dir)
    missing = [str(path) for path in paths if not path.is_file()]
    if missing:
        raise TLSError(
            f"{' and '.join(missing)} missing; the certificate in use stays (restore the "
            "files, or remove both and restart to make a new certificate)"
        )
    return paths


def ensure_certificate(data_dir: Path, server_name: str) -> tuple[Path, Path]:
    """The data dir's certificate and key, made (ECDSA P-256, 10 years) if missing."""
    cert_path, key_path = certificate_paths(data_dir)
    folder = cert_path.parent
    if cert_path.exists() and key_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    cert = _self_signed(key, server_name)
    key_bytes = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    try:
        folder.mkdir(mode=0o700, parents=True, exist_ok=True)
        # The key first: a cert.pem without its key.pem is made anew on the next start.
        _write_new(key_path, key_bytes, 0o600)
        _write_new(cert_path, cert.public_bytes(serialization.Encoding.PEM), 0o600)
    except OSError as exc:
        raise TLSError(f"cannot write a certificate in {folder}: {exc.strerror or exc}") from None
    return cert_path, key_path


def _self_signed(key: ec.EllipticCurvePrivateKey, server_name: str) -> x509.Certificate:
    """A server certificate for `server_name` and this machine's loopback names."""
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, server_name)])
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectAlternativeName(_alt_names(server_name)), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .sign(key, hashes.SHA256())
    )


def _alt_names(server_name: str) -> list[x509.GeneralName]:
    """SAN: the server name (a DNS name or an IP), localhost, 127.0.0.1 and ::1."""
    names: list[x509.GeneralName] = []
    for text in (server_name, "localhost", "127.0.0.1", "::1"):
        try:
            entry: x509.GeneralName = x509.IPAddress(ipaddress.ip_address(text))
        except ValueError:
            entry = x509.DNSName(text)
        if entry not in names:
            names.append(entry)
    return names


def _write_new(path: Path, data: bytes, mode: int) -> None:
    """Write through a temporary file and rename, so no half-written file is ever left."""
    temporary = path.with_name(path.name + ".tmp")
    temporary.unlink(missing_ok=True)  # O_CREAT keeps an old file's mode; start afresh
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    os.replace(temporary, path)


def certificate_fingerprint(cert_path: Path) -> str:
    """SHA-256 of the DER certificate, as `AB:CD:...` (what openssl and clients show)."""
    try:
        cert = x509.load_pem_x509_certificate(Path(cert_path).read_bytes())
    except OSError as exc:
        raise TLSError(f"cannot read certificate {cert_path}: {exc.strerror or exc}") from None
    except ValueError:
        raise TLSError(f"certificate {cert_path} is not a PEM certificate") from None
    return cert.fingerprint(hashes.SHA256()).hex(":").upper()


def server_context(cert_path: Path, key_path: Path) -> ssl.SSLContext:
    """A server context: TLS 1.2 or newer, forward-secret ciphers, the certificate loaded."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_ciphers(CIPHERS)
    context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE
    load_certificate(context, cert_path, key_path)
    return context


def load_certificate(context: ssl.SSLContext, cert_path: Path, key_path: Path) -> None:
    """(Re)load a certificate into a live context; new connections use it (REHASH)."""
    try:
        context.load_cert_chain(str(cert_path), str(key_path))
    except ssl.SSLError as exc:  # before OSError, its base class
        reason = _SSL_REASONS.get(exc.reason or "", exc.reason or "not PEM files")
        raise TLSError(f"certificate {cert_path} / key {key_path} unusable: {reason}") from None
    except OSError as exc:
        reason = exc.strerror or str(exc)
        raise TLSError(f"cannot load certificate {cert_path} / key {key_path}: {reason}") from None
