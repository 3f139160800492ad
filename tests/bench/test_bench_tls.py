"""The benchmark's TLS: the run's certificate, the client's TLS 1.3, and the report's tables."""

from __future__ import annotations

import socket
import ssl
import threading
from pathlib import Path

import pytest
from bench.report import table, targets
from bench.tls import client_context, make_certificate
from bench.tlshandshake import measure as measure_handshakes
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec


def test_the_certificate_is_ecdsa_p256_for_loopback(tmp_path: Path) -> None:
    made = make_certificate(tmp_path / "tls")
    cert = x509.load_pem_x509_certificate(made.cert.read_bytes())
    key = cert.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey) and key.curve.name == "secp256r1"
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert "127.0.0.1" in {str(ip) for ip in names.get_values_for_type(x509.IPAddress)}


def serve_once(context: ssl.SSLContext, listener: socket.socket) -> None:
    conn, _ = listener.accept()
    try:
        with context.wrap_socket(conn, server_side=True) as tls:
            tls.sendall(tls.version().encode())
    except (ssl.SSLError, OSError):
        conn.close()


def handshake(server: ssl.SSLContext) -> str:
    """What a bench client agrees on with a server of `server`'s context (over 127.0.0.1)."""
    with socket.create_server(("127.0.0.1", 0)) as listener:
        thread = threading.Thread(target=serve_once, args=(server, listener))
        thread.start()
        try:
            raw = socket.create_connection(listener.getsockname(), timeout=10)
            with client_context().wrap_socket(raw) as tls:
                return tls.recv(64).decode()
        finally:
            thread.join(10)


def test_the_client_speaks_tls_13_and_nothing_older(tmp_path: Path) -> None:
    made = make_certificate(tmp_path)
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    server.load_cert_chain(made.cert, made.key)
    assert handshake(server) == "TLSv1.3"
    server.maximum_version = ssl.TLSVersion.TLSv1_2  # a server stuck on 1.2 is refused
    with pytest.raises(ssl.SSLError):
        handshake(server)


SUMMARY = {
    "parley": {
        "fanout": {"deliveries_per_s": 6e6, "lost": 0},
        "fanout/tls": {"deliveries_per_s": 5e6, "lost": 0},
        "churn/tls": {"sessions_per_s": 900, "server_cpu_us_per_session": 1100.0},
        "idle/tls": {"kb_per_registered": 26.6, "kb_per_joined": 41.4},
    },
    "ngircd": {
        "fanout": {"deliveries_per_s": 2e6, "lost": 0},
        "fanout/tls": {"deliveries_per_s": 2e6, "lost": 7},
        "churn/tls": {"sessions_per_s": 800, "server_cpu_us_per_session": 1000.0},
        "idle/tls": {"kb_per_registered": 12.9, "kb_per_joined": 17.1},
    },
}


def test_plain_and_tls_figures_go_to_their_own_tables() -> None:
    rows = {line.split(" | ")[0]: line for line in table(SUMMARY, "tls").splitlines()}
    assert rows["| fanout deliveries/s"].endswith("| 5,000,000 | 2,000,000 |")
    assert rows["| churn: server CPU µs/session"].endswith("| 1,100 | 1,000 |")
    assert "| latency p99 ms" not in rows  # not run: no row of n/a
    plain = {line.split(" | ")[0]: line for line in table(SUMMARY, "plain").splitlines()}
    assert plain["| fanout deliveries/s"].endswith("| 6,000,000 | 2,000,000 |")
    assert "| churn sessions/s" not in plain


def test_the_targets_weigh_tls_against_tls() -> None:
    found = {label: met for label, _, met in targets(SUMMARY)}
    assert found["fanout over Plain TCP >= 2.5x the faster C server (ngircd), nothing lost"]
    assert found["fanout over TLS 1.3 >= 2x the faster C server (ngircd), nothing lost"]
    assert found["kB per connection, idle over TLS <= ngircd's"] is False
    assert found["churn CPU/session over TLS <= ngircd's"] is False


def test_the_handshake_floor_times_every_variant() -> None:
    found = measure_handshakes(handshakes=8, rounds=2)
    assert set(found) == {"default", "one-ticket", "no-tickets", "p256"}
    assert all(micros > 0 for micros in found.values())
