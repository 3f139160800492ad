"""Accounts made from the command line while the server runs, and SASL PLAIN logins."""

from __future__ import annotations

import base64
from collections.abc import Callable
from pathlib import Path

from parley.server.core.reservation import NICKSERV_PREFIX
from support.client import IrcClient
from support.scram_client import client_proof
from support.servers import ThreadServer, run_cli


def sasl_plain(client: IrcClient, account: str, password: str) -> str:
    """Run an AUTHENTICATE PLAIN exchange; returns the final numeric."""
    client.send("CAP LS 302")
    offered: list[str] = []
    while True:  # (CAP LS 302 goes on over several lines: `CAP * LS * :...`)
        ls = client.expect("CAP")
        offered += ls.params[-1].split()
        if ls.params[2] != "*":
            break
    assert "sasl=PLAIN,SCRAM-SHA-256" in offered
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE PLAIN")
    assert client.expect("AUTHENTICATE").params == ("+",)
    blob = base64.b64encode(f"\0{account}\0{password}".encode()).decode()
    client.send(f"AUTHENTICATE {blob}")
    return client.expect(lambda m: m.command in ("903", "904")).command


def test_account_created_while_running_logs_in_at_once(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server()
    result = run_cli(server.config.data_dir, "create-account", "Alice", "correct horse")
    assert result.returncode == 0, result.stderr
    client = IrcClient(server.port)
    assert sasl_plain(client, "alice", "correct horse") == "903"
    client.send("CAP END")
    client.send("NICK alice")
    client.send("USER alice 0 * :Alice")
    client.expect("001")
    watcher = IrcClient(server.port)
    watcher.register("watcher")
    watcher.send("WHOIS alice")
    account = watcher.expect("330")
    assert account.params[1:3] == ("alice", "Alice")


def test_account_created_while_running_reserves_its_nick_at_once(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server()
    IrcClient(server.port).register("early")  # the server has looked a nick up already
    result = run_cli(server.config.data_dir, "create-account", "Grace", "grace's passphrase")
    assert result.returncode == 0, result.stderr
    squatter = IrcClient(server.port)
    squatter.send("NICK grace")
    squatter.send("USER grace 0 * :Not Grace")
    notice = squatter.expect(lambda m: m.command == "NOTICE" and m.source == NICKSERV_PREFIX)
    assert "belongs to a registered account" in notice.params[1]
    assert sasl_plain(IrcClient(server.port), "grace", "grace's passphrase") == "903"
    assert run_cli(server.config.data_dir, "delete-account", "grace").returncode == 0
    assert sasl_plain(IrcClient(server.port), "grace", "grace's passphrase") == "904"


def test_wrong_password_or_unknown_account_fails(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server()
    assert run_cli(server.config.data_dir, "create-account", "bob", "sesame").returncode == 0
    assert sasl_plain(IrcClient(server.port), "bob", "open") == "904"
    assert sasl_plain(IrcClient(server.port), "nobody", "sesame") == "904"


def test_account_commands_report_mistakes(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "create-account", "carol", "pw").returncode == 0
    again = run_cli(tmp_path, "create-account", "CAROL", "pw")
    assert again.returncode == 2 and "exists already" in again.stderr
    assert run_cli(tmp_path, "list-accounts").stdout.split() == ["carol"]
    bad = run_cli(tmp_path, "create-account", "9 lives", "pw")
    assert bad.returncode == 2 and "not a valid account name" in bad.stderr
    assert run_cli(tmp_path, "delete-account", "carol").returncode == 0
    missing = run_cli(tmp_path, "delete-account", "carol")
    assert missing.returncode == 2 and "Traceback" not in missing.stderr


def test_accounts_are_hashed_on_disk(tmp_path: Path) -> None:
    assert run_cli(tmp_path, "create-account", "dave", "plain-secret").returncode == 0
    data = (tmp_path / "parley.db").read_bytes()
    wal = tmp_path / "parley.db-wal"
    if wal.exists():
        data += wal.read_bytes()
    assert b"plain-secret" not in data
    assert b"$argon2id$" in data


def test_scram_sha_256_login(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server()
    assert (
        run_cli(server.config.data_dir, "create-account", "erin", "salted secret").returncode == 0
    )
    client = IrcClient(server.port)
    client.send("CAP REQ sasl")
    client.expect("CAP")
    client.send("AUTHENTICATE SCRAM-SHA-256")
    assert client.expect("AUTHENTICATE").params == ("+",)
    bare = "n=erin,r=testnonce42"
    client.send("AUTHENTICATE " + base64.b64encode(f"n,,{bare}".encode()).decode())
    server_first = base64.b64decode(client.expect("AUTHENTICATE").params[0]).decode()
    nonce = dict(p.split("=", 1) for p in server_first.split(","))["r"]
    final, expected = client_proof("salted secret", bare, server_first, nonce)
    client.send("AUTHENTICATE " + base64.b64encode(final.encode()).decode())
    server_final = base64.b64decode(client.expect("AUTHENTICATE").params[0]).decode()
    assert server_final == "v=" + base64.b64encode(expected).decode()
    client.send("AUTHENTICATE +")
    assert client.expect(lambda m: m.command in ("903", "904")).command == "903"


def test_clients_logging_in_together_each_register_after_their_login(
    make_server: Callable[..., ThreadServer],
) -> None:
    """Password checks run on worker threads; each client's later lines wait for its answer."""
    server = make_server(limits={"login_tries_per_account_address": 6})  # tries at once count
    assert run_cli(server.config.data_dir, "create-account", "frank", "rosebud-42").returncode == 0
    blob = base64.b64encode(b"\0frank\0rosebud-42").decode()
    clients = [IrcClient(server.port) for _ in range(6)]
    for number, client in enumerate(clients):
        client.send(
            f"CAP REQ sasl\r\nAUTHENTICATE PLAIN\r\nAUTHENTICATE {blob}\r\n"
            f"CAP END\r\nNICK frank{number}\r\nUSER f 0 * :Frank"
        )
    for client in clients:
        answers = [client.expect(lambda m: m.command in ("903", "904", "001")).command]
        answers.append(client.expect(lambda m: m.command in ("903", "904", "001")).command)
        assert answers == ["903", "001"]
    watcher = IrcClient(server.port)
    watcher.register("watcher")
    watcher.send("WHOIS frank5")
    assert watcher.expect("330").params[1:3] == ("frank5", "frank")
