"""The self-signed certificate, its fingerprint, and the server's TLS context."""

from __future__ import annotations

import datetime
import ipaddress
import re
import socket
import ssl
import sys
import threading
from pathlib import Path

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

from parley.server.tls import (
    TLSError,
    certificate_fingerprint,
    ensure_certificate,
    load_certificate,
    server_context,
)

TIMEOUT = 10.0


def _peer_certificate(context: ssl.SSLContext, cafile: Path) -> bytes:
    """Handshake with `context` over loopback, verifying against `cafile`; the server's DER."""
    client_context = ssl.create_default_context(cafile=str(cafile))
    with socket.create_server(("127.0.0.1", 0)) as listener:
        listener.settimeout(TIMEOUT)
        errors: list[BaseException] = []

        def serve() -> None:
            try:
                conn, _ = listener.accept()
                with context.wrap_socket(conn, server_side=True) as tls:
                    tls.sendall(b"hello")
            except BaseException as exc:
                errors.append(exc)

        thread = threading.Thread(target=serve, daemon=True)
        thread.start()
        port = listener.getsockname()[1]
        with (
            socket.create_connection(("127.0.0.1", port), timeout=TIMEOUT) as raw,
            client_context.wrap_socket(raw, server_hostname="localhost") as tls,
        ):
            assert tls.recv(5) == b"hello"
            der = tls.getpeercert(binary_form=True)
            assert tls.version() in ("TLSv1.2", "TLSv1.3")
        thread.join(TIMEOUT)
        assert not thread.is_alive() and not errors, errors
    assert der is not None
    return der


def test_certificate_is_made_once_and_reused(tmp_path: Path) -> None:
    cert, key = ensure_certificate(tmp_path, "irc.example.org")
    assert (cert, key) == (tmp_path / "tls" / "cert.pem", tmp_path / "tls" / "key.pem")
    first = (cert.read_bytes(), key.read_bytes())
    assert ensure_certificate(tmp_path, "irc.example.org") == (cert, key)
    assert (cert.read_bytes(), key.read_bytes()) == first


def test_certificate_is_made_anew_when_its_key_is_lost(tmp_path: Path) -> None:
    cert, key = ensure_certificate(tmp_path, "irc.example.org")
    before = certificate_fingerprint(cert)
    key.unlink()
    ensure_certificate(tmp_path, "irc.example.org")
    assert key.exists() and certificate_fingerprint(cert) != before
    server_context(cert, key)  # the pair matches


@pytest.mark.skipif(sys.platform == "win32", reason="POSIX file modes")
def test_key_file_is_private(tmp_path: Path) -> None:
    _, key = ensure_certificate(tmp_path, "irc.example.org")
    assert key.stat().st_mode & 0o777 == 0o600


def test_certificate_names_the_server_and_loopback_for_ten_years(tmp_path: Path) -> None:
    cert_path, _ = ensure_certificate(tmp_path, "irc.example.org")
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    public_key = cert.public_key()
    assert isinstance(public_key, ec.EllipticCurvePublicKey)
    assert isinstance(public_key.curve, ec.SECP256R1)
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert names.get_values_for_type(x509.DNSName) == ["irc.example.org", "localhost"]
    assert names.get_values_for_type(x509.IPAddress) == [
        ipaddress.ip_address("127.0.0.1"),
        ipaddress.ip_address("::1"),
    ]
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime >= datetime.timedelta(days=3650)


def test_fingerprint_is_sha256_in_openssl_form(tmp_path: Path) -> None:
    cert_path, _ = ensure_certificate(tmp_path, "irc.example.org")
    fingerprint = certificate_fingerprint(cert_path)
    assert re.fullmatch(r"([0-9A-F]{2}:){31}[0-9A-F]{2}", fingerprint)
    cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
    assert fingerprint.replace(":", "") == cert.fingerprint(hashes.SHA256()).hex().upper()


def test_context_refuses_anything_below_tls_1_2(tmp_path: Path) -> None:
    context = server_context(*ensure_certificate(tmp_path, "irc.example.org"))
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.options & ssl.OP_NO_COMPRESSION


def test_handshake_over_loopback_shows_the_fingerprinted_certificate(tmp_path: Path) -> None:
    cert, key = ensure_certificate(tmp_path, "irc.example.org")
    der = _peer_certificate(server_context(cert, key), cafile=cert)
    on_disk = x509.load_pem_x509_certificate(cert.read_bytes())
    assert der == on_disk.public_bytes(serialization.Encoding.DER)
    fingerprint = x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256())
    assert fingerprint.hex(":").upper() == certificate_fingerprint(cert)


def test_reloading_a_live_context_serves_the_new_certificate(tmp_path: Path) -> None:
    old_cert, old_key = ensure_certificate(tmp_path / "old", "irc.example.org")
    new_cert, new_key = ensure_certificate(tmp_path / "new", "irc.example.org")
    context = server_context(old_cert, old_key)
    load_certificate(context, new_cert, new_key)  # what REHASH does
    der = _peer_certificate(context, cafile=new_cert)
    fingerprint = x509.load_der_x509_certificate(der).fingerprint(hashes.SHA256())
    assert fingerprint.hex(":").upper() == certificate_fingerprint(new_cert)


def test_mismatched_missing_or_garbled_files_are_tls_errors(tmp_path: Path) -> None:
    cert, key = ensure_certificate(tmp_path / "a", "irc.example.org")
    _, other_key = ensure_certificate(tmp_path / "b", "irc.example.org")
    with pytest.raises(TLSError, match="does not belong"):
        server_context(cert, other_key)
    with pytest.raises(TLSError, match="No such file"):
        server_context(tmp_path / "missing.pem", key)
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate\n")
    with pytest.raises(TLSError, match=r"garbage\.pem"):
        server_context(garbage, key)
    with pytest.raises(TLSError, match="not a PEM certificate"):
        certificate_fingerprint(garbage)
    with pytest.raises(TLSError, match="cannot read"):
        certificate_fingerprint(tmp_path / "missing.pem")
