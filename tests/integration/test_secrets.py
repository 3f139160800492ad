"""Secrets on the machine: passwords given by file or environment stay out of the
process's command line, flags that show them warn, and the log never holds one."""

from __future__ import annotations

import signal
import subprocess
import sys
from pathlib import Path

from support.client import IrcClient
from support.servers import ProcessServer

SERVER_PASSWORD = "s3rver-pass-in-file"
OPER_PASSWORD = "oper-pass-in-env"


def command_line(server: ProcessServer) -> str:
    """What every local user can read of the process (`ps`)."""
    return Path(f"/proc/{server.proc.pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()


def registers(port: int, password: str, nick: str) -> bool:
    client = IrcClient(port)
    try:
        client.send(f"PASS {password}")
        client.send(f"NICK {nick}")
        client.send(f"USER {nick} 0 * :{nick}")
        reply = client.expect(lambda m: m.command in ("001", "464", "ERROR"))
        return reply.command == "001"
    finally:
        client.close()


def test_passwords_from_a_file_and_the_environment_stay_out_of_the_command_line(
    tmp_path: Path,
) -> None:
    secret_file = tmp_path / "server-password"
    secret_file.write_text(SERVER_PASSWORD + "\n")
    secret_file.chmod(0o600)
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path / "data"),
         "--password-file", str(secret_file)],
        env={"PARLEY_OPERS": f"boss:{OPER_PASSWORD}"},
    )  # fmt: skip
    try:
        shown = command_line(server)
        assert "--password-file" in shown
        assert SERVER_PASSWORD not in shown and OPER_PASSWORD not in shown
        assert not registers(server.port(), "wrong", "eve")
        assert registers(server.port(), SERVER_PASSWORD, "alice")
        boss = IrcClient(server.port())
        boss.send(f"PASS {SERVER_PASSWORD}")
        boss.register("boss")
        boss.send(f"OPER boss {OPER_PASSWORD}")
        boss.expect("381")
        boss.close()
    finally:
        server.stop()
    output = "".join(server.output)
    assert "warning" not in output  # nothing on the command line to warn of
    assert SERVER_PASSWORD not in output and OPER_PASSWORD not in output


def test_the_server_password_from_the_environment(tmp_path: Path) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path)],
        env={"PARLEY_PASSWORD": SERVER_PASSWORD},
    )
    try:
        assert SERVER_PASSWORD not in command_line(server)
        assert not registers(server.port(), "wrong", "eve")
        assert registers(server.port(), SERVER_PASSWORD, "alice")
    finally:
        server.stop()


def test_secrets_on_the_command_line_still_work_with_a_warning(tmp_path: Path) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path),
         "--password", SERVER_PASSWORD, "--oper", f"boss:{OPER_PASSWORD}"]
    )  # fmt: skip
    try:
        assert registers(server.port(), SERVER_PASSWORD, "alice")
    finally:
        server.stop()
    output = "".join(server.output)
    assert "warning: --password is visible to every local user" in output
    assert "warning: --oper is visible to every local user" in output


def test_swapped_identify_arguments_never_reach_the_log(tmp_path: Path) -> None:
    password = "my-long-nickserv-password"
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path), "--log-level", "debug"]
    )
    try:
        alice = IrcClient(server.port())
        alice.register("alice")
        alice.send(f"PRIVMSG NickServ :REGISTER {password}")
        alice.expect(lambda m: m.command == "NOTICE" and "registered" in m.params[-1])
        alice.close()
        bob = IrcClient(server.port())
        bob.register("bob")
        for _ in range(8):  # failures, then throttled refusals: both are logged
            bob.send(f"PRIVMSG NickServ :IDENTIFY {password} alice")
            bob.expect(lambda m: m.command == "NOTICE" and "Invalid" in m.params[-1])
        bob.send("QUIT")
        bob.wait_closed()
        server.signal(signal.SIGTERM)
        assert server.wait() == 0
    finally:
        server.stop()
    output = "".join(server.output)
    assert "failed password check" in output
    assert password not in output


def test_account_passwords_can_be_piped_instead_of_put_in_the_command_line(
    tmp_path: Path,
) -> None:
    def cli(*words: str, stdin: str = "") -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [sys.executable, "-m", "parley.server", "--data-dir", str(tmp_path), *words],
            input=stdin, capture_output=True, text=True, timeout=60,
        )  # fmt: skip

    made = cli("create-account", "alice", stdin="piped-password\n")
    assert made.returncode == 0 and "warning" not in made.stderr
    assert cli("create-account", "bob", stdin="").returncode == 2  # nothing on stdin
    assert cli("reset-password", "alice", stdin="newer-password\n").returncode == 0
    shown = cli("create-account", "carol", "in-argv-password")
    assert shown.returncode == 0 and "visible to every local user" in shown.stderr
    server = ProcessServer(["--listen", "127.0.0.1:0", "--data-dir", str(tmp_path)])
    try:
        client = IrcClient(server.port())
        client.register("alice")
        client.send("PRIVMSG NickServ :IDENTIFY newer-password")
        notice = client.expect(lambda m: m.command == "NOTICE" and "logged" in m.params[-1])
        assert "You are now logged in as alice" in notice.params[-1]
    finally:
        server.stop()
