"""TLS for the benchmark: one certificate for every server of a run, and the client side.

Every server is handed the same ECDSA P-256 certificate, made once per run in
a temporary directory, and every client insists on TLS 1.3, so the servers
differ only in how they do the same work. The clients do not verify the
certificate (it is the run's own): what the server pays for a handshake is
the same either way, and the generator spends its CPU on load instead.
"""

from __future__ import annotations

import datetime
import ipaddress
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

VALID = datetime.timedelta(days=2)


@dataclass(frozen=True)
class Certificate:
    """The run's certificate and key, as PEM files."""

    cert: Path
    key: Path


def make_certificate(folder: Path, name: str = "bench.localhost") -> Certificate:
    """A self-signed ECDSA P-256 certificate for `name` and 127.0.0.1, written to `folder`."""
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + VALID)
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName(name), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .sign(key, hashes.SHA256())
    )
    folder.mkdir(parents=True, exist_ok=True)
    paths = Certificate(folder / "cert.pem", folder / "key.pem")
    paths.cert.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    paths.key.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    # Readable by a server that drops to another user (ngircd): a throwaway key for loopback.
    paths.cert.chmod(0o644)
    paths.key.chmod(0o644)
    return paths


_CLIENT: ssl.SSLContext | None = None


def client_context() -> ssl.SSLContext:
    """The generator's context, shared by all its links: TLS 1.3 only, no verification."""
    global _CLIENT
    if _CLIENT is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_3
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
        _CLIENT = context
    return _CLIENT
