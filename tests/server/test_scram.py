"""SCRAM-SHA-256, the server's side, against a client written from RFC 5802 here."""

from __future__ import annotations

import base64

import pytest

from parley.server.scram import ScramCredentials, ScramError, ScramServer, derive
from support.scram_client import client_proof


def exchange(password: str, credentials: ScramCredentials) -> tuple[str, bytes]:
    server = ScramServer()
    bare = "n=alice,r=clientnonce123"
    assert server.start("n,," + bare) == "alice"
    server_first = server.challenge(credentials)
    nonce = dict(p.split("=", 1) for p in server_first.split(","))["r"]
    assert nonce.startswith("clientnonce123")
    final, expected = client_proof(password, bare, server_first, nonce)
    return server.final(final, credentials), expected


def test_right_password_is_accepted_and_the_server_proves_itself() -> None:
    credentials = derive("correct horse")
    server_final, expected = exchange("correct horse", credentials)
    assert server_final == "v=" + base64.b64encode(expected).decode()


def test_wrong_password_is_refused() -> None:
    with pytest.raises(ScramError):
        exchange("wrong horse", derive("correct horse"))


def test_credentials_round_trip_and_hold_no_password() -> None:
    credentials = derive("secret-password")
    text = credentials.encode()
    assert ScramCredentials.decode(text) == credentials
    assert "secret-password" not in text


@pytest.mark.parametrize("first", ["p=tls-unique,,n=a,r=x", "n,,r=nonly", "n,,n=a", "garbage"])
def test_malformed_client_first_is_refused(first: str) -> None:
    with pytest.raises(ScramError):
        ScramServer().start(first)
