"""SCRAM-SHA-256 through AUTHENTICATE, against the core: what an unknown name and a
malformed message get."""

from __future__ import annotations

import base64

from core.fake import FakeConnection, Harness, commands_of
from core.test_slow_work import HeldWorker
from parley.server.core.session import Session
from parley.server.passwords import credentials
from support.scram_client import client_proof


def b64(text: str) -> str:
    return base64.b64encode(text.encode()).decode()


def server_first(harness: Harness, session: Session, conn: FakeConnection, name: str) -> str:
    """Start a SCRAM exchange for `name`; the server-first message."""
    harness.say(session, "CAP REQ sasl", "AUTHENTICATE SCRAM-SHA-256")
    conn.take()
    harness.say(session, f"AUTHENTICATE {b64(f'n,,n={name},r=clientnonce')}")
    (challenge,) = conn.take()
    assert challenge.command == "AUTHENTICATE"
    return base64.b64decode(challenge.params[0]).decode()


def salt_of(harness: Harness, name: str, host: str = "192.0.2.1") -> str:
    session, conn = harness.connect(host)
    first = server_first(harness, session, conn, name)
    harness.server.disconnect(session, "done")
    return dict(part.split("=", 1) for part in first.split(","))["s"]


def test_an_unknown_name_gets_the_same_salt_every_time() -> None:
    harness = Harness()
    assert salt_of(harness, "nobody") == salt_of(harness, "nobody", host="198.51.100.9")
    assert salt_of(harness, "NoBody") == salt_of(harness, "nobody")  # names fold
    assert salt_of(harness, "nobody") != salt_of(harness, "someone")


def test_the_fake_salt_follows_the_server_secret() -> None:
    one, two = Harness(), Harness()
    two.server.secret = one.server.secret
    assert salt_of(one, "nobody") == salt_of(two, "nobody")
    assert salt_of(Harness(), "nobody") != salt_of(one, "nobody")  # another secret


def test_an_unknown_name_looks_like_a_real_account() -> None:
    harness = Harness()
    harness.server.accounts.create("alice", *credentials("correct horse"))
    real = salt_of(harness, "alice")
    fake = salt_of(harness, "nobody")
    assert len(base64.b64decode(real)) == len(base64.b64decode(fake))
    session, conn = harness.connect()
    first = server_first(harness, session, conn, "nobody")
    assert dict(part.split("=", 1) for part in first.split(","))["i"] == "4096"


def proof_for(first: str, password: str) -> str:
    nonce = dict(part.split("=", 1) for part in first.split(","))["r"]
    final, _ = client_proof(password, "n=alice,r=clientnonce", first, nonce)
    return final


def test_a_client_final_with_the_proof_first_is_refused_with_904() -> None:
    harness = Harness()
    harness.server.accounts.create("alice", *credentials("correct horse"))
    session, conn = harness.connect()
    first = server_first(harness, session, conn, "alice")
    final = proof_for(first, "correct horse")
    binding, nonce, proof = final.split(",")
    harness.say(session, f"AUTHENTICATE {b64(f'{proof},{binding},{nonce}')}")
    assert commands_of(conn.take()) == ["904"]
    assert harness.server.stats.handler_errors == 0


def test_malformed_scram_messages_get_904_never_400() -> None:
    harness = Harness()
    harness.server.accounts.create("alice", *credentials("correct horse"))
    finals = ["p=", "p=x", "c=biws", "c=biws,p=abc", "r=x,c=biws,p=abc", ",,,", "=", "c=biws,r=,p="]
    for text in finals:
        harness.clock.advance(3600)  # each try afresh, not throttled by the last
        session, conn = harness.connect()
        server_first(harness, session, conn, "alice")
        harness.say(session, f"AUTHENTICATE {b64(text)}")
        assert commands_of(conn.take()) == ["904"], text
    firsts = [
        "n,,r=x,n=alice", "n,,n=alice,r=x,n=bob", "n,,n=al=ice,r=x", "n,,n=,r=x",
        "n,a=bob,n=alice,r=x", "n,,n=alice,r=", "y,,n=alice", "n,,m=x,n=alice,r=x",
    ]  # fmt: skip
    for text in firsts:
        harness.clock.advance(3600)
        session, conn = harness.connect()
        harness.say(session, "CAP REQ sasl", "AUTHENTICATE SCRAM-SHA-256")
        conn.take()
        harness.say(session, f"AUTHENTICATE {b64(text)}")
        assert commands_of(conn.take()) == ["904"], text
    assert harness.server.stats.handler_errors == 0


def test_a_right_scram_login_still_works() -> None:
    harness = Harness(worker=HeldWorker())
    harness.server.accounts.create("alice", *credentials("correct horse"))
    session, conn = harness.connect()
    first = server_first(harness, session, conn, "alice")
    harness.say(session, f"AUTHENTICATE {b64(proof_for(first, 'correct horse'))}")
    (verifier,) = conn.take()
    assert base64.b64decode(verifier.params[0]).startswith(b"v=")
    harness.say(session, "AUTHENTICATE +")
    assert commands_of(conn.take()) == ["900", "903"]
