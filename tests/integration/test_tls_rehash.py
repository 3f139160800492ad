"""REHASH and SIGHUP never replace a self-signed certificate whose files went missing:
clients pin its fingerprint, so the one in use stays and the log says why."""

from __future__ import annotations

import hashlib
import signal
from collections.abc import Callable
from pathlib import Path

import pytest

from parley.server.config import Oper
from parley.server.passwords import hash_password
from support.client import IrcClient
from support.servers import ProcessServer, ThreadServer
from support.waiting import wait_until


def seen_fingerprint(port: int) -> str:
    """The SHA-256 of the certificate a TLS client is shown now."""
    client = IrcClient(port, tls=True)
    try:
        der = client.sock.getpeercert(binary_form=True)  # type: ignore[attr-defined]
        assert der is not None
        return hashlib.sha256(der).hexdigest()
    finally:
        client.close()


@pytest.mark.parametrize("lost", [("cert.pem", "key.pem"), ("cert.pem",), ("key.pem",)])
def test_sighup_keeps_the_certificate_when_its_files_are_gone(
    tmp_path: Path, lost: tuple[str, ...]
) -> None:
    server = ProcessServer(
        ["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--data-dir", str(tmp_path)]
    )
    try:
        port = server.port(tls=True)
        before = seen_fingerprint(port)
        for name in lost:
            (tmp_path / "tls" / name).unlink()
        server.signal(signal.SIGHUP)
        wait_until(lambda: "rehash failed" in "".join(server.output), what="the rehash error")
        assert seen_fingerprint(port) == before
        log = "".join(server.output)
        failure = next(line for line in log.splitlines() if "rehash failed" in line)
        assert " ERROR " in failure and "missing" in failure
        for name in lost:
            assert not (tmp_path / "tls" / name).exists()  # nothing made behind the user's back
        assert server.proc.poll() is None
    finally:
        server.stop()


def test_rehash_answers_why_the_certificate_stays(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(tls=True, opers=(Oper("boss", hash_password("hunter2")),))
    before = seen_fingerprint(server.tls_port)
    (server.config.data_dir / "tls" / "cert.pem").unlink()
    boss = IrcClient(server.port)
    boss.register("boss", lobby=False)
    boss.send("OPER boss hunter2")
    boss.expect("381")
    boss.send("REHASH")
    boss.expect("382")
    notice = boss.expect(lambda m: m.command == "NOTICE" and "REHASH" in m.params[-1])
    assert "REHASH failed" in notice.params[-1] and "cert.pem" in notice.params[-1]
    assert seen_fingerprint(server.tls_port) == before
