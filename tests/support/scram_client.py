"""The client's side of SCRAM-SHA-256 (RFC 5802), for tests: written from the RFC."""

from __future__ import annotations

import base64
import hashlib
import hmac


def client_proof(
    password: str, client_first_bare: str, server_first: str, nonce: str
) -> tuple[str, bytes]:
    """The client-final message and the server signature the client should then expect."""
    attrs = dict(part.split("=", 1) for part in server_first.split(","))
    salted = hashlib.pbkdf2_hmac(
        "sha256", password.encode(), base64.b64decode(attrs["s"]), int(attrs["i"])
    )
    client_key = hmac.new(salted, b"Client Key", hashlib.sha256).digest()
    stored_key = hashlib.sha256(client_key).digest()
    without_proof = f"c={base64.b64encode(b'n,,').decode()},r={nonce}"
    auth = f"{client_first_bare},{server_first},{without_proof}".encode()
    signature = hmac.new(stored_key, auth, hashlib.sha256).digest()
    proof = bytes(a ^ b for a, b in zip(client_key, signature, strict=True))
    server_key = hmac.new(salted, b"Server Key", hashlib.sha256).digest()
    expected = hmac.new(server_key, auth, hashlib.sha256).digest()
    return f"{without_proof},p={base64.b64encode(proof).decode()}", expected
