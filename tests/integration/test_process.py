"""The server as a user runs it: `python -m parley.server`, TLS, signals, operators."""

from __future__ import annotations

import hashlib
import json
import signal
import ssl
import subprocess
import sys
import warnings
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.server.tls import certificate_fingerprint
from support.client import IrcClient
from support.servers import ProcessServer, ThreadServer


def _tls_client(port: int, version: ssl.TLSVersion) -> IrcClient:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    with warnings.catch_warnings():  # TLS 1.1 is deprecated: that is the point
        warnings.simplefilter("ignore", DeprecationWarning)
        context.minimum_version = context.maximum_version = version
    return IrcClient(port, tls=True, context=context)


def test_tls_and_plain_clients_chat(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(tls=True)
    secure = IrcClient(server.tls_port, tls=True)
    secure.register("secure")
    plain = IrcClient(server.port)
    plain.register("plain")
    secure.send("PRIVMSG #lobby :over TLS")
    assert plain.expect("PRIVMSG").params == ("#lobby", "over TLS")


def test_tls_below_1_2_is_refused(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(tls=True)
    for good in (ssl.TLSVersion.TLSv1_2, ssl.TLSVersion.TLSv1_3):
        client = _tls_client(server.tls_port, good)
        client.register(f"v{good.value}")
        client.close()
    with pytest.raises(ssl.SSLError):
        _tls_client(server.tls_port, ssl.TLSVersion.TLSv1_1)


def test_process_prints_fingerprint_and_stops_cleanly_on_sigterm(tmp_path: Path) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir", str(tmp_path)]
    )
    try:
        assert server.fingerprint == certificate_fingerprint(tmp_path / "tls" / "cert.pem")
        client = IrcClient(server.port(tls=True), tls=True)
        client.register("alice")
        der = client.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
        assert hashlib.sha256(der).hexdigest().upper() == server.fingerprint.replace(":", "")
        server.signal(signal.SIGTERM)
        messages = client.wait_closed()
        assert messages[-1].command == "ERROR"
        assert server.wait() == 0
    finally:
        server.stop()


def test_bad_flag_is_one_line_and_exit_2() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "parley.server", "--listen", "nonsense"],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert result.stderr.strip().splitlines() == [
        "parley-server: error: --listen: 'nonsense' is not HOST:PORT"
    ]


def test_bad_config_key_names_the_key(tmp_path: Path) -> None:
    config = tmp_path / "bad.toml"
    config.write_text('server_name = "x.y"\n[limits]\nflood_brust = 3\n')
    result = subprocess.run(
        [sys.executable, "-m", "parley.server", "--config", str(config)],
        capture_output=True,
        text=True,
        timeout=30,
    )
    assert result.returncode == 2
    assert "limits.flood_brust" in result.stderr and "Traceback" not in result.stderr


def test_oper_rehash_and_die(tmp_path: Path) -> None:
    config = tmp_path / "parley.toml"
    config.write_text('motd = "first words"\n')
    server = ProcessServer(
        [
            "--listen",
            "127.0.0.1:0",
            "--data-dir",
            str(tmp_path),
            "--config",
            str(config),
            "--oper",
            "boss:hunter2",
        ]
    )
    try:
        boss = IrcClient(server.port())
        boss.register("boss")
        assert "first words" in next(m.params[-1] for m in boss.received if m.command == "372")
        boss.send("REHASH")
        assert boss.expect("481")  # not an operator yet
        boss.send("OPER boss wrong")
        assert boss.expect("464")
        boss.send("OPER boss hunter2")
        assert boss.expect("381")
        config.write_text('motd = "second words"\n')
        boss.send("REHASH")
        boss.expect("382")
        boss.send("MOTD")
        assert "second words" in boss.expect("372").params[-1]
        boss.send("DIE")
        assert boss.wait_closed()[-1].command == "ERROR"
        assert server.wait() == 0
    finally:
        server.stop()


def test_json_logs_are_one_object_a_line_without_secrets(tmp_path: Path) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--log-format", "json",
         "--oper", "boss:hunter2"]
    )  # fmt: skip
    try:
        client = IrcClient(server.port())
        client.register("boss")
        client.send("OPER boss wrong-secret")
        assert client.expect("464")
        client.send("PRIVMSG #lobby :a private thought")
        client.send("QUIT")
        client.wait_closed()
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    finally:
        server.stop()
    output = "".join(server.output)
    records = [json.loads(line) for line in output.splitlines() if line.startswith("{")]
    assert any("failed OPER" in r["message"] for r in records)
    assert all({"time", "level", "logger", "message"} <= r.keys() for r in records)
    assert "wrong-secret" not in output and "hunter2" not in output
    assert "a private thought" not in output


def test_server_ban_drops_the_user_refuses_them_and_survives_a_restart(tmp_path: Path) -> None:
    args = ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--oper", "boss:hunter2"]
    server = ProcessServer(args)
    try:
        boss = IrcClient(server.port())
        boss.register("boss")
        boss.send("OPER boss hunter2")
        boss.expect("381")
        troll = IrcClient(server.port())
        troll.register("troll")
        boss.send("KLINE troll :no trolling")
        assert "no trolling" in troll.wait_closed()[-1].params[0]
        boss.send("STATS k")
        assert boss.expect("216").params[2] == "troll!*@*"
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    finally:
        server.stop()
    server = ProcessServer(args)  # the ban is kept in the data dir
    try:
        again = IrcClient(server.port())
        again.send("NICK troll")
        again.send("USER t 0 * :back again")
        assert again.expect("465")
        other = IrcClient(server.port())
        other.register("visitor")  # anyone else is welcome
    finally:
        server.stop()
