"""Persistent sessions: come back (even after a restart) to your nick, channels and mail."""

from __future__ import annotations

import base64
import signal
import subprocess
import sys
from pathlib import Path

from parley.server.store.accounts import DB_NAME, SqliteAccountStore
from support.client import IrcClient
from support.servers import ProcessServer
from support.waiting import wait_until


def create_account(data_dir: Path, name: str, password: str) -> None:
    subprocess.run(
        [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir),
         "create-account", name, password],
        check=True, capture_output=True, timeout=60,
    )  # fmt: skip


def log_in_at_connect(port: int, nick: str, account: str, password: str) -> IrcClient:
    """SASL PLAIN during registration, with server-time, as modern clients do."""
    client = IrcClient(port)
    client.send("CAP LS 302")
    client.send("CAP REQ :sasl server-time")
    client.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
    client.send("AUTHENTICATE PLAIN")
    client.expect("AUTHENTICATE")
    client.send("AUTHENTICATE " + base64.b64encode(f"\0{account}\0{password}".encode()).decode())
    client.expect("903")
    client.send(f"NICK {nick}")
    client.send(f"USER {nick} 0 * :{nick}")
    client.send("CAP END")
    client.expect("001")
    return client


def start(data_dir: Path) -> ProcessServer:
    return ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(data_dir), "--no-flood-limit"]
    )


def test_login_brings_back_channels_and_missed_messages_across_a_restart(
    tmp_path: Path,
) -> None:
    create_account(tmp_path, "alice", "rabbit-hole")
    server = start(tmp_path)
    try:
        alice = log_in_at_connect(server.port(), "alice", "alice", "rabbit-hole")
        alice.send("JOIN #tea,#croquet")
        alice.expect(lambda m: m.command == "366" and m.params[1] == "#croquet")
        alice.send("PRIVMSG #tea :the history of tea")
        alice.send("QUIT :off through the looking glass")
        alice.wait_closed()
        bob = IrcClient(server.port())
        bob.register("bob")
        bob.send("PRIVMSG alice :where did you go?")
        away = bob.expect("301")
        assert away.params[1] == "alice" and "Offline" in away.params[-1]
        bob.send("QUIT")
        bob.wait_closed()
        server.signal()
        assert server.wait() == 0
    finally:
        server.stop()

    server = start(tmp_path)  # a restart: everything comes from the data dir
    try:
        back = log_in_at_connect(server.port(), "alice", "alice", "rabbit-hole")
        joined = {back.expect("JOIN").params[0] for _ in range(3)}
        assert {"#tea", "#croquet"} <= joined
        missed = back.expect(lambda m: m.command == "PRIVMSG" and m.source.startswith("bob!"))
        assert missed.params == ("alice", "where did you go?")
        assert "time" in missed.tags
    finally:
        server.stop()


def test_channels_survive_a_crash_of_the_server(tmp_path: Path) -> None:
    """kill -9 while a logged-in user sits in channels: their channels are still saved."""
    create_account(tmp_path, "carol", "queen-of-hearts")
    server = start(tmp_path)
    try:
        carol = log_in_at_connect(server.port(), "carol", "carol", "queen-of-hearts")
        carol.send("JOIN #garden")
        carol.expect(lambda m: m.command == "366" and m.params[1] == "#garden")
        store = SqliteAccountStore(tmp_path / DB_NAME)
        try:
            wait_until(
                lambda: "#garden" in _channels(store, "carol"), what="carol's saved channels"
            )
        finally:
            store.close()
        server.signal(signal.SIGKILL)
        server.wait()
    finally:
        server.stop()

    server = start(tmp_path)
    try:
        back = log_in_at_connect(server.port(), "carol", "carol", "queen-of-hearts")
        assert back.expect(lambda m: m.command == "JOIN" and m.params[0] == "#garden")
    finally:
        server.stop()


def _channels(store: SqliteAccountStore, account: str) -> tuple[str, ...]:
    presence = store.presence(account)
    return () if presence is None else tuple(presence.channels)


def test_a_missed_message_comes_with_the_msgid_chathistory_gives_it(tmp_path: Path) -> None:
    """A client that asked for message-tags can tell the replayed line from the same one
    fetched by CHATHISTORY, and not show it twice."""
    create_account(tmp_path, "dora", "explorer-map")
    server = start(tmp_path)
    try:
        bob = IrcClient(server.port())
        bob.register("bob")
        bob.send("PRIVMSG dora :are you there?")
        bob.expect("301")
        dora = IrcClient(server.port())
        dora.send("CAP LS 302")
        dora.send("CAP REQ :sasl server-time message-tags batch draft/chathistory")
        dora.expect(lambda m: m.command == "CAP" and m.params[1] == "ACK")
        dora.send("AUTHENTICATE PLAIN")
        dora.expect("AUTHENTICATE")
        dora.send("AUTHENTICATE " + base64.b64encode(b"\0dora\0explorer-map").decode())
        dora.expect("903")
        dora.send("NICK dora")
        dora.send("USER dora 0 * :dora")
        dora.send("CAP END")
        missed = dora.expect(lambda m: m.command == "PRIVMSG" and m.source.startswith("bob!"))
        assert missed.params == ("dora", "are you there?")
        dora.send("CHATHISTORY LATEST bob * 10")
        fetched = dora.expect(lambda m: m.command == "PRIVMSG" and m.source.startswith("bob!"))
        assert fetched.tags["msgid"] == missed.tags["msgid"]
    finally:
        server.stop()
