"""SCRAM-SHA-256 (RFC 5802, RFC 7677), the server's side, sans-IO.

The password never crosses the wire and the server keeps no password-
equivalent: only the salt, the iteration count, StoredKey and ServerKey.

How this works: `ScramServer.start(client_first)` reads the user name, the
caller looks up that user's credentials, `challenge(credentials)` gives the
server-first message, and `final(client_final, credentials)` checks the
client's proof and returns the server-final message (a signature proving the
server knew the credentials too), or raises ScramError.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass

ITERATIONS = 4096  # RFC 7677's minimum; argon2 remains the main hash of the password
MECHANISM = "SCRAM-SHA-256"


class ScramError(Exception):
    """The exchange failed (malformed message, wrong proof, unknown user)."""


@dataclass(frozen=True, slots=True)
class ScramCredentials:
    """What the server stores for SCRAM: never the password itself."""

    salt: bytes
    iterations: int
    stored_key: bytes
    server_key: bytes

    def encode(self) -> str:
        parts = (self.salt, self.stored_key, self.server_key)
        b64 = [base64.b64encode(p).decode() for p in parts]
        return f"{self.iterations}:{b64[0]}:{b64[1]}:{b64[2]}"

    @classmethod
    def decode(cls, text: str) -> ScramCredentials:
        iterations, salt, stored, server = text.split(":")
        return cls(
            base64.b64decode(salt), int(iterations), base64.b64decode(stored),
            base64.b64decode(server),
        )  # fmt: skip


def _hmac(key: bytes, data: bytes) -> bytes:
    return hmac.new(key, data, hashlib.sha256).digest()


def derive(
    password: str, salt: bytes | None = None, iterations: int = ITERATIONS
) -> ScramCredentials:
    """The stored credentials for a password (at registration or password change)."""
    salt = salt or secrets.token_bytes(16)
    salted = hashlib.pbkdf2_hmac("sha256", password.encode(), salt, iterations)
    client_key = _hmac(salted, b"Client Key")
    return ScramCredentials(
        salt, iterations, hashlib.sha256(client_key).digest(), _hmac(salted, b"Server Key")
    )


def _attributes(message: str) -> dict[str, str]:
    out = {}
    for part in message.split(","):
        key, sep, value = part.partition("=")
        if not sep or len(key) != 1:
            raise ScramError(f"malformed attribute {part!r}")
        out[key] = value
    return out


class ScramServer:
    """One SCRAM exchange, for one login attempt."""

    def __init__(self) -> None:
        self.username: str | None = None
        self._client_first_bare = ""
        self._server_first = ""
        self._nonce = ""
        self._gs2_header = ""

    def start(self, client_first: str) -> str:
        """Read `n,,n=user,r=nonce`; returns the user name."""
        if not client_first.startswith(("n,", "y,")):
            raise ScramError("channel binding is not offered")
        flag, _, rest = client_first.partition(",")
        authzid, _, bare = rest.partition(",")
        self._gs2_header = f"{flag},{authzid},"
        attrs = _attributes(bare)
        if "n" not in attrs or "r" not in attrs or "m" in attrs:
            raise ScramError("client-first without a user or a nonce")
        self.username = attrs["n"].replace("=2C", ",").replace("=3D", "=")
        self._client_first_bare = bare
        self._nonce = attrs["r"] + base64.b64encode(secrets.token_bytes(18)).decode()
        return self.username

    def challenge(self, credentials: ScramCredentials) -> str:
        """The server-first message for this user's credentials."""
        salt = base64.b64encode(credentials.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={credentials.iterations}"
        return self._server_first

    def final(self, client_final: str, credentials: ScramCredentials) -> str:
        """Check the proof; the server-final message if it holds."""
        attrs = _attributes(client_final)
        if attrs.get("r") != self._nonce:
            raise ScramError("nonce mismatch")
        expected_binding = base64.b64encode(self._gs2_header.encode()).decode()
        if attrs.get("c") != expected_binding or "p" not in attrs:
            raise ScramError("bad channel binding or no proof")
        without_proof = client_final[: client_final.rindex(",p=")]
        auth_message = f"{self._client_first_bare},{self._server_first},{without_proof}".encode()
        signature = _hmac(credentials.stored_key, auth_message)
        try:
            proof = base64.b64decode(attrs["p"], validate=True)
        except ValueError:
            raise ScramError("proof is not base64") from None
        if len(proof) != len(signature):
            raise ScramError("proof of the wrong length")
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), credentials.stored_key):
            raise ScramError("wrong password")
        server_signature = _hmac(credentials.server_key, auth_message)
        return "v=" + base64.b64encode(server_signature).decode()
