"""WHOIS says a user is on a secure connection (671) only when every device is on TLS."""

from __future__ import annotations

from collections.abc import Callable

from support.accounts import logged_in
from support.client import IrcClient
from support.privacy import register_account
from support.servers import ThreadServer

PASSWORD = "looking-glass"


def secure(asker: IrcClient, nick: str) -> list[tuple[str, ...]]:
    asker.send(f"WHOIS {nick}")
    return [m.params for m in asker.collect_until("318") if m.command == "671"]


def test_671_for_a_user_whose_every_device_is_on_tls(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(tls=True, lobby=None)
    alice = IrcClient(server.tls_port, tls=True)
    alice.register("alice", lobby=False)
    register_account(alice, PASSWORD)
    bob = IrcClient(server.port)
    bob.register("bob", lobby=False)
    assert secure(bob, "alice") == [("bob", "alice", "is using a secure connection")]
    assert secure(alice, "bob") == []
    phone = logged_in(server.port, "alice", "alice", PASSWORD)  # a second device, in clear
    phone.sync()
    assert secure(bob, "alice") == []
    phone.send("QUIT")
    phone.wait_closed()
    bob.sync()
    assert secure(bob, "alice") == [("bob", "alice", "is using a secure connection")]
