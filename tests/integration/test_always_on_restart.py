"""Always-on across a restart: the kept users are online again, away, in their channels."""

from __future__ import annotations

import signal
from pathlib import Path

from support.accounts import logged_in
from support.client import IrcClient
from support.servers import ProcessServer, run_cli

PASSWORD = "rabbit-hole"


def start(data_dir: Path) -> ProcessServer:
    return ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--no-flood-limit", "--no-lobby"]
    )


def stop(server: ProcessServer) -> None:
    server.signal(signal.SIGTERM)
    assert server.wait() == 0


def always_on(port: int, nick: str, *channels: str) -> IrcClient:
    client = logged_in(port, nick, nick, PASSWORD)
    for channel in channels:
        client.send(f"JOIN {channel}")
        client.expect("366")
    client.send("PRIVMSG NickServ :SET ALWAYS-ON ON")
    client.expect(lambda m: m.command == "NOTICE" and "stay online" in m.params[1])
    return client


def test_kept_and_connected_always_on_users_are_online_again_after_a_restart(
    tmp_path: Path,
) -> None:
    for name in ("alice", "carol"):
        assert run_cli(tmp_path, "create-account", name, PASSWORD).returncode == 0
    server = start(tmp_path)
    try:
        alice = always_on(server.port(), "alice", "#tea", "#croquet")
        alice.send("QUIT")
        alice.wait_closed()
        always_on(server.port(), "carol", "#tea")  # still connected when the server stops
        stop(server)
        listed = run_cli(tmp_path, "list-always-on").stdout.splitlines()
        assert [line.split()[0] for line in listed] == ["alice", "carol"]
        server = start(tmp_path)
        bob = IrcClient(server.port())
        bob.register("bob", lobby=False)
        bob.send("NAMES #tea")
        names = bob.collect_until("366")
        members = next(m for m in names if m.command == "353").params[-1].split()
        assert sorted(members) == ["@carol", "alice"]  # the last used first; it gets op
        bob.send("WHOIS carol")
        assert [m.params[-1] for m in bob.collect_until("318") if m.command == "301"] == [
            "Not connected"
        ]
        bob.send("JOIN #croquet")
        bob.expect("366")
        bob.send("PRIVMSG alice :welcome back")
        bob.sync()
        phone = logged_in(server.port(), "alice", "alice", PASSWORD)
        joined = {phone.expect("JOIN").params[0], phone.expect("JOIN").params[0]}
        assert joined == {"#tea", "#croquet"}
        kept = phone.expect(lambda m: m.command == "PRIVMSG")
        assert kept.params[0] == "alice" and kept.params[1].endswith("] welcome back")
    finally:
        server.stop()


def test_one_expired_while_the_server_was_down_stays_offline_and_gets_its_mail_at_login(
    tmp_path: Path,
) -> None:
    assert run_cli(tmp_path, "create-account", "alice", PASSWORD).returncode == 0
    server = start(tmp_path)
    try:
        alice = always_on(server.port(), "alice", "#tea")
        alice.send("QUIT")
        alice.wait_closed()
        bob = IrcClient(server.port())
        bob.register("bob", lobby=False)
        bob.send("PRIVMSG alice :while you were kept")
        bob.expect("301")
        stop(server)
        config = tmp_path / "parley.toml"
        config.write_text("[limits]\nalways_on_expiry_days = 0.000001\n")  # (a tenth of a second)
        server = ProcessServer(
            ["--config", str(config), "--listen", "127.0.0.1:0", "--data-dir", str(tmp_path),
             "--no-flood-limit", "--no-lobby"]
        )  # fmt: skip
        bob = IrcClient(server.port())
        bob.register("bob", lobby=False)
        bob.send("WHOIS alice")
        assert bob.expect(lambda m: m.command in ("311", "401")).command == "401"
        alice = logged_in(server.port(), "alice", "alice", PASSWORD)
        assert alice.expect("JOIN").params[0] == "#tea"
        kept = alice.expect(lambda m: m.command == "PRIVMSG")
        assert kept.params[1].endswith("] while you were kept")
    finally:
        server.stop()
