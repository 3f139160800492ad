"""A local Web Push service for tests, on 127.0.0.1 port 0, playing the browser's part too.

`subscribe` makes what a browser makes (a P-256 key pair and a 16-byte auth secret)
and an endpoint URL here. Each POST is checked as a real push service would (RFC 8292:
a VAPID JWT signed by the server's advertised key, for this origin, not expired),
then decrypted with the subscription's private key (RFC 8291, aes128gcm) as the
browser would; what it held is recorded. An endpoint can be told to answer 410.
Given a TLS context, it speaks https.
"""

from __future__ import annotations

import base64
import json
import os
import ssl
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import http_ece
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class Subscriber:
    """A browser's side of a subscription."""

    name: str
    endpoint: str
    key: ec.EllipticCurvePrivateKey
    auth: bytes

    @property
    def keys(self) -> str:
        """The <keys> of WEBPUSH REGISTER, in message-tags form."""
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        return f"p256dh={b64url(point)};auth={b64url(self.auth)}"


@dataclass
class Received:
    """One push that arrived: to whom, what it said, and its headers."""

    name: str
    text: str
    headers: dict[str, str] = field(default_factory=dict)


class PushService:
    """The service; `vapid_key` is the key the IRC server advertises (ISUPPORT VAPID)."""

    def __init__(self, vapid_key: str, tls: ssl.SSLContext | None = None) -> None:
        self.vapid_key = vapid_key
        self.subscribers: dict[str, Subscriber] = {}
        self.received: list[Received] = []
        self.refused: list[str] = []  # why requests were refused (a bad token, ...)
        self.answers: dict[str, int] = {}  # subscriber name -> status to answer
        self.requests = 0
        self._lock = threading.Lock()
        service = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                length = int(self.headers.get("Content-Length", "0"))
                body = self.rfile.read(length)
                status = service.take(self.path, dict(self.headers.items()), body)
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, format: str, *args: object) -> None:
                return

        self.http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        if tls is not None:  # https, as real push services are
            self.http.socket = tls.wrap_socket(self.http.socket, server_side=True)
        self.port = int(self.http.server_address[1])
        self.origin = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        self._thread = threading.Thread(target=self.http.serve_forever, daemon=True)
        self._thread.start()

    def subscribe(self, name: str) -> Subscriber:
        """A new browser subscription, its endpoint on this service."""
        subscriber = Subscriber(
            name,
            f"{self.origin}/push/{name}",
            ec.generate_private_key(ec.SECP256R1()),
            os.urandom(16),
        )
        self.subscribers[name] = subscriber
        return subscriber

    def texts(self, name: str) -> list[str]:
        with self._lock:
            return [r.text for r in self.received if r.name == name]

    def take(self, path: str, headers: dict[str, str], body: bytes) -> int:
        """Check and decrypt one push; the status to answer."""
        with self._lock:
            self.requests += 1
        name = path.removeprefix("/push/")
        subscriber = self.subscribers.get(name)
        if subscriber is None:
            return 404
        why = self._token_problem(headers.get("Authorization", ""))
        if why is None and headers.get("Content-Encoding") != "aes128gcm":
            why = "not aes128gcm"
        if why is None and not headers.get("TTL", "").isdigit():
            why = "no TTL"
        if why is not None:
            with self._lock:
                self.refused.append(why)
            return 401
        answer = self.answers.get(name)
        if answer is not None:
            return answer
        text = http_ece.decrypt(
            body, private_key=subscriber.key, auth_secret=subscriber.auth, version="aes128gcm"
        ).decode()
        with self._lock:
            self.received.append(Received(name, text, headers))
        return 201

    def _token_problem(self, authorization: str) -> str | None:
        """What is wrong with a `vapid t=<jwt>,k=<key>` header, or None."""
        scheme, _, rest = authorization.partition(" ")
        if scheme.lower() != "vapid":
            return "not vapid"
        params = dict(p.strip().partition("=")[::2] for p in rest.split(","))
        if params.get("k") != self.vapid_key:
            return "another key"
        try:
            head, claims, signature = params.get("t", "").split(".")
        except ValueError:
            return "not a JWT"
        raw = unb64url(signature)
        der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
        public = ec.EllipticCurvePublicKey.from_encoded_point(
            ec.SECP256R1(), unb64url(self.vapid_key)
        )
        try:
            public.verify(der, f"{head}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
        except InvalidSignature:
            return "bad signature"
        if json.loads(unb64url(head)).get("alg") != "ES256":
            return "not ES256"
        body = json.loads(unb64url(claims))
        if body.get("aud") != self.origin:
            return f"audience {body.get('aud')!r}"
        if not isinstance(body.get("exp"), int) or body["exp"] <= time.time():
            return "expired"
        if not str(body.get("sub", "")).startswith(("mailto:", "https:")):
            return "no contact"
        return None

    def close(self) -> None:
        self.http.shutdown()
        self.http.server_close()
