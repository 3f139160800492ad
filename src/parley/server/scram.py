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
import re
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


_STANDARD = frozenset("acimnprsv")  # RFC 5802's own attributes, each once in its place
_SASLNAME = re.compile(r"(?:[^=,]|=2C|=3D)+")  # alternatives never overlap: linear


def fake_credentials(secret: bytes, folded_name: str) -> ScramCredentials:
    """Keys for a name with no SCRAM keys: the same on every try and after restarts (they
    come from the server's secret and the name), like a real account's, yet match no
    password, so the exchange fails at the proof as a wrong password does."""
    name = folded_name.encode()
    salt, stored, server = (_hmac(secret, label + b"\0" + name) for label in (b"s", b"k", b"v"))
    return ScramCredentials(salt[:16], ITERATIONS, stored, server)


def _attribute(part: str, key: str) -> str:
    """The value of `key=value`, or ScramError if `part` is another attribute."""
    name, sep, value = part.partition("=")
    if name != key or not sep:
        raise ScramError(f"expected the {key!r} attribute")
    return value


def _extensions(parts: list[str]) -> None:
    """Optional extensions (`x=...`) are allowed and ignored; a repeated standard
    attribute, or anything else, is not."""
    for part in parts:
        name, sep, _ = part.partition("=")
        if not sep or len(name) != 1 or not ("a" <= name.lower() <= "z") or name in _STANDARD:
            raise ScramError("malformed or repeated attribute")


def _saslname(text: str) -> str:
    """RFC 5802 saslname: `=2C` is a comma, `=3D` an equals sign, no other `=`."""
    if not _SASLNAME.fullmatch(text):
        raise ScramError("empty or malformed user name")
    return text.replace("=2C", ",").replace("=3D", "=")


def _nonce(text: str) -> str:
    """A nonce: printable ASCII other than a comma, at least one character."""
    if not text or not all("!" <= c <= "~" for c in text):
        raise ScramError("malformed nonce")
    return text


class ScramServer:
    """One SCRAM exchange, for one login attempt."""

    def __init__(self) -> None:
        self.username: str | None = None
        self._client_first_bare = ""
        self._server_first = ""
        self._nonce = ""
        self._gs2_header = ""

    def start(self, client_first: str) -> str:
        """Read `n,,n=user,r=nonce` (RFC 5802 7, strictly); returns the user name."""
        parts = client_first.split(",")
        if len(parts) < 4 or parts[0] not in ("n", "y"):
            raise ScramError("channel binding is not offered, or a malformed client-first")
        authzid = _attribute(parts[1], "a") if parts[1] else ""
        if parts[2].startswith("m="):
            raise ScramError("mandatory extensions are not supported")
        username = _saslname(_attribute(parts[2], "n"))
        nonce = _nonce(_attribute(parts[3], "r"))
        _extensions(parts[4:])
        if authzid and _saslname(authzid) != username:
            raise ScramError("acting as another account is not offered")
        self.username = username
        self._gs2_header = f"{parts[0]},{parts[1]},"
        self._client_first_bare = ",".join(parts[2:])
        self._nonce = nonce + base64.b64encode(secrets.token_bytes(18)).decode()
        return self.username

    def challenge(self, credentials: ScramCredentials) -> str:
        """The server-first message for this user's credentials."""
        salt = base64.b64encode(credentials.salt).decode()
        self._server_first = f"r={self._nonce},s={salt},i={credentials.iterations}"
        return self._server_first

    def final(self, client_final: str, credentials: ScramCredentials) -> str:
        """Check the proof (`c=...,r=...[,ext],p=...`, in that order); the server-final."""
        if self.username is None:
            raise ScramError("client-final before client-first")
        parts = client_final.split(",")
        if len(parts) < 3:
            raise ScramError("malformed client-final")
        binding = _attribute(parts[0], "c")
        nonce = _attribute(parts[1], "r")
        proof_text = _attribute(parts[-1], "p")
        _extensions(parts[2:-1])
        if not hmac.compare_digest(nonce.encode(), self._nonce.encode()):
            raise ScramError("nonce mismatch")
        if binding != base64.b64encode(self._gs2_header.encode()).decode():
            raise ScramError("bad channel binding")
        without_proof = ",".join(parts[:-1])
        auth_message = f"{self._client_first_bare},{self._server_first},{without_proof}".encode()
        signature = _hmac(credentials.stored_key, auth_message)
        try:
            proof = base64.b64decode(proof_text, validate=True)
        except ValueError:
            raise ScramError("proof is not base64") from None
        if len(proof) != len(signature):
            raise ScramError("proof of the wrong length")
        client_key = bytes(a ^ b for a, b in zip(proof, signature, strict=True))
        if not hmac.compare_digest(hashlib.sha256(client_key).digest(), credentials.stored_key):
            raise ScramError("wrong password")
        server_signature = _hmac(credentials.server_key, auth_message)
        return "v=" + base64.b64encode(server_signature).decode()
