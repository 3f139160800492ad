"""ChanServ's registrations as accounts go, channels are renamed and the disk fills."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from support import servers
from support.accounts import logged_in
from support.client import IrcClient
from support.disk import fill_disk, mounted_tmpfs
from support.servers import ThreadServer, run_cli
from support.waiting import wait_until

PASSWORD = "rabbit-hole"


def start(data: Path) -> ThreadServer:
    config = servers.test_config(data, lobby=None, limits={"flood_enabled": False})
    return ThreadServer(config).start()


def chanserv(client: IrcClient, line: str) -> list[str]:
    client.send(f"PRIVMSG ChanServ :{line}")
    return [
        m.params[1]
        for m in client.sync()
        if m.command == "NOTICE" and (m.source or "").startswith("ChanServ!")
    ]


def join(client: IrcClient, channel: str) -> list[str]:
    """Join; the names in the answer."""
    client.send(f"JOIN {channel}")
    burst = client.collect_until("366")
    return [n for m in burst if m.command == "353" for n in m.params[-1].split()]


def test_deleting_accounts_ends_their_registrations_and_access(tmp_path: Path) -> None:
    data = tmp_path / "data"
    for name in ("alice", "bob"):
        assert run_cli(data, "create-account", name, PASSWORD).returncode == 0
    server = start(data)
    try:
        alice = logged_in(server.port, "alice", "alice", PASSWORD)
        join(alice, "#tea")
        chanserv(alice, "REGISTER #tea")
        bob = logged_in(server.port, "bob", "bob", PASSWORD)
        join(bob, "#pie")
        chanserv(bob, "REGISTER #pie")
        chanserv(bob, "ACCESS #pie ADD alice op")
        chanserv(alice, "ACCESS #tea ADD bob op")
        # alice drops her account: #tea is nobody's; her access to #pie goes
        alice.send(f"PRIVMSG NickServ :DROP {PASSWORD}")
        alice.expect(lambda m: m.command == "NOTICE" and "deleted" in m.params[-1])
        assert "not registered" in chanserv(bob, "INFO #tea")[0]
        listed = chanserv(bob, "ACCESS #pie LIST")
        assert listed[1] == "bob founder" and listed[2].startswith("End of the access list (0")
        # bob's account is deleted from the shell while he is online
        assert run_cli(data, "delete-account", "bob").returncode == 0
        bob.expect(lambda m: m.command == "NOTICE" and "was deleted" in m.params[-1])
        wait_until(lambda: "not registered" in chanserv(bob, "INFO #pie")[0], what="#pie dropped")
        server.stop()
        # After a restart, a new owner of the names inherits nothing.
        assert run_cli(data, "create-account", "alice", PASSWORD).returncode == 0
        server = start(data)
        alice = logged_in(server.port, "alice", "alice", PASSWORD)
        assert "not registered" in chanserv(alice, "INFO #tea")[0]
        assert "not registered" in chanserv(alice, "INFO #pie")[0]
    finally:
        server.stop()


def test_a_rename_carries_the_registration(tmp_path: Path) -> None:
    data = tmp_path / "data"
    assert run_cli(data, "create-account", "alice", PASSWORD).returncode == 0
    server = start(data)
    try:
        alice = logged_in(server.port, "alice", "alice", PASSWORD)
        join(alice, "#tea")
        alice.send("TOPIC #tea :Leaves")
        chanserv(alice, "REGISTER #tea")
        alice.send("RENAME #tea #Coffee :beans now")
        alice.sync()
        assert "not registered" in chanserv(alice, "INFO #tea")[0]
        assert chanserv(alice, "INFO #coffee")[0] == "Information on #Coffee:"
        join(alice, "#other")
        # No channel takes a registered one's name, even while it is empty.
        alice.send("PART #Coffee")
        alice.send("RENAME #other #coffee")
        fail = alice.expect("FAIL")
        assert fail.params[1] == "CHANNEL_NAME_IN_USE"
        server.stop()
        server = start(data)
        bob = IrcClient(server.port)
        bob.register("bob", lobby=False)
        assert join(bob, "#coffee") == ["bob"]
        alice = logged_in(server.port, "alice", "alice", PASSWORD)
        assert "@alice" in join(alice, "#COFFEE")
        alice.send("TOPIC #coffee")
        assert alice.expect("332").params[-1] == "Leaves"
    finally:
        server.stop()


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    with mounted_tmpfs(tmp_path / "disk") as mount:
        yield mount


def test_a_full_disk_refuses_a_registration_and_keeps_later_changes_until_saved(
    small_disk: Path,
) -> None:
    data = small_disk / "data"
    assert run_cli(data, "create-account", "alice", PASSWORD).returncode == 0
    server = start(data)
    try:
        alice = logged_in(server.port, "alice", "alice", PASSWORD)
        join(alice, "#tea")
        filler = fill_disk(small_disk)
        said = chanserv(alice, "REGISTER #tea")
        assert said == ["#tea could not be registered now (it cannot be saved); try later."]
        assert "not registered" in chanserv(alice, "INFO #tea")[0]
        filler.unlink()
        assert "registered to your account" in chanserv(alice, "REGISTER #tea")[0]
        filler = fill_disk(small_disk)
        alice.send("TOPIC #tea :Written when the disk has room")
        notice = alice.expect(lambda m: m.command == "NOTICE")
        assert "in force but could not be saved yet" in notice.params[-1]
        alice.send("TOPIC #tea")
        assert alice.expect("332").params[-1] == "Written when the disk has room"
        said = chanserv(alice, "ACCESS #tea ADD alice op")  # the founder: nothing to write
        filler.unlink()
        core = server.process.core if server.process is not None else None
        assert core is not None
        wait_until(lambda: not server.call(lambda: core.registry.unsaved), what="saved again")
        assert server.call(lambda: core.stats.handler_errors) == 0
        server.stop()
        server = start(data)
        bob = IrcClient(server.port)
        bob.register("bob", lobby=False)
        bob.send("TOPIC #tea")
        assert bob.expect("332").params[-1] == "Written when the disk has room"
    finally:
        server.stop()
