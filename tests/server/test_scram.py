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


@pytest.mark.parametrize(
    "first",
    ["n,,n=al=ice,r=x", "n,,n=a=3=2CD,r=x", "n,,n=a,r=", "n,,n=a,r=x,n=b", "n,a=b,n=a,r=x",
     "n,,m=ext,n=a,r=x", "n,,n=a,r=x\u00e9", "n,,r=x,n=a", "n,,n=a,r=x,1=2"],
)  # fmt: skip
def test_client_first_is_parsed_strictly(first: str) -> None:
    with pytest.raises(ScramError):
        ScramServer().start(first)


def test_escaped_names_and_extensions_are_read() -> None:
    assert ScramServer().start("n,,n=a=2Cb=3Dc,r=x,x=ext") == "a,b=c"
    assert ScramServer().start("n,a=a,n=a,r=x") == "a"


def final_parts(password: str) -> tuple[ScramServer, ScramCredentials, list[str]]:
    credentials = derive(password)
    server = ScramServer()
    bare = "n=alice,r=clientnonce123"
    server.start("n,," + bare)
    server_first = server.challenge(credentials)
    nonce = dict(p.split("=", 1) for p in server_first.split(","))["r"]
    final, _ = client_proof(password, bare, server_first, nonce)
    return server, credentials, final.split(",")


@pytest.mark.parametrize("order", [(2, 0, 1), (0, 2, 1), (1, 0, 2), (2,), (0, 1), (0, 1, 1, 2)])
def test_client_final_out_of_order_is_a_scram_error(order: tuple[int, ...]) -> None:
    server, credentials, parts = final_parts("pw")
    with pytest.raises(ScramError):
        server.final(",".join(parts[i] for i in order), credentials)


def test_client_final_before_client_first_is_a_scram_error() -> None:
    with pytest.raises(ScramError):
        ScramServer().final("c=biws,r=x,p=AAAA", derive("pw"))
