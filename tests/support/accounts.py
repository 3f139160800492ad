"""Logging in as the tests' users do: SASL PLAIN before registering, over a real socket."""

from __future__ import annotations

import base64

from support.client import IrcClient


def sasl_started(port: int, account: str, password: str, caps: tuple[str, ...] = ()) -> IrcClient:
    """A connection that has sent SASL PLAIN for `account` (the answer not yet read)."""
    client = IrcClient(port)
    client.send("CAP LS 302")
    client.send(f"CAP REQ :{' '.join(('sasl', *caps))}")
    client.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{password}".encode()).decode())
    return client


def logged_in(
    port: int, nick: str, account: str, password: str, caps: tuple[str, ...] = ()
) -> IrcClient:
    """A client logged into `account` with SASL PLAIN, then registered as `nick`."""
    client = sasl_started(port, account, password, caps)
    client.expect("903")
    client.send(f"NICK {nick}")
    client.send(f"USER {nick} 0 * :{nick}")
    client.send("CAP END")
    client.expect("001")
    client.expect(lambda m: m.command in ("376", "422"))
    client.nick = nick
    return client
