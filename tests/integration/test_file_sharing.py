"""Shared files on the web listener (soju.im/FILEHOST), on real sockets: uploads with
an account's password, downloads with safe headers, and every limit on the way."""

from __future__ import annotations

import socket
import ssl
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from parley.server.config import Oper
from parley.server.passwords import credentials, hash_password
from support import servers
from support.client import IrcClient
from support.disk import fill_disk, mounted_tmpfs
from support.privacy import identify
from support.servers import ThreadServer, run_cli, web_config
from support.uploads import (
    PASSWORD,
    PNG,
    basic,
    exchange,
    file_path,
    get,
    parse,
    read_all,
    upload,
    upload_head,
)
from support.waiting import wait_until

CONTINUE = "Expect: 100-continue\r\n"
SMALL = {"upload_max_bytes": 64 * 1024, "upload_disk_floor_bytes": 0}


def make_account(server: ThreadServer, name: str, password: str = PASSWORD) -> None:
    hashed, scram = credentials(password)
    assert server.process is not None
    server.call(server.process.accounts.create, name, hashed, scram)


@pytest.fixture
def web(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    server = make_server(web=web_config(), limits=SMALL)
    make_account(server, "alice")
    make_account(server, "bob")
    return server


def files_on_disk(server: ThreadServer) -> list[str]:
    return sorted(p.name for p in (Path(server.config.data_dir) / "files").iterdir() if p.is_file())


def temp_files(server: ThreadServer) -> list[Path]:
    return list((Path(server.config.data_dir) / "files" / "tmp").iterdir())


def test_upload_then_download_gives_the_same_bytes_with_safe_headers(web: ThreadServer) -> None:
    answer = upload(web.web_port, PNG)
    assert answer.status == 201
    location = answer.headers["location"]
    assert location.startswith(f"http://127.0.0.1:{web.web_port}/uploads/")
    file_id = location.rsplit("/", 1)[1]
    assert len(file_id) >= 24 and file_id in files_on_disk(web)
    assert (Path(web.config.data_dir) / "files" / file_id).stat().st_mode & 0o777 == 0o600
    assert (Path(web.config.data_dir) / "files").stat().st_mode & 0o777 == 0o700
    got = get(web.web_port, file_path(location))
    assert got.status == 200 and got.body == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-disposition"].startswith('inline; filename="cat.png"')
    assert got.headers["content-length"] == str(len(PNG))
    etag = got.headers["etag"]
    head = get(web.web_port, file_path(location), "HEAD")
    assert head.status == 200 and head.body == b"" and head.headers["etag"] == etag
    again = get(web.web_port, file_path(location), extra=f"If-None-Match: {etag}\r\n")
    assert again.status == 304 and again.body == b""
    assert temp_files(web) == []


def test_wrong_password_and_no_password_are_401(web: ThreadServer) -> None:
    wrong = upload(web.web_port, PNG, password="not-it")
    assert wrong.status == 401 and wrong.headers["www-authenticate"].startswith("Basic")
    nobody = upload(web.web_port, PNG, account="nobody")
    assert nobody.status == 401
    none = exchange(web.web_port, upload_head(len(PNG)) + PNG)
    assert none.status == 401 and "www-authenticate" in none.headers
    garbled = exchange(web.web_port, upload_head(3, "Authorization: Basic !!!\r\n") + b"abc")
    assert garbled.status == 401
    assert files_on_disk(web) == [] and temp_files(web) == []


def test_too_large_is_413_before_the_body_is_sent(web: ThreadServer) -> None:
    # Only the head goes: the answer comes without a byte of the 10 MB body.
    answer = exchange(web.web_port, upload_head(10_000_000, basic("alice", PASSWORD)))
    assert answer.status == 413
    huge = exchange(web.web_port, upload_head(10**40, basic("alice", PASSWORD)))
    assert huge.status in (400, 413)


def test_length_is_required(web: ThreadServer) -> None:
    assert exchange(web.web_port, upload_head(None, basic("alice", PASSWORD))).status == 411
    chunked = upload_head(None, basic("alice", PASSWORD), extra="Transfer-Encoding: chunked\r\n")
    assert exchange(web.web_port, chunked + b"3\r\nabc\r\n0\r\n\r\n").status in (400, 411)
    assert exchange(web.web_port, upload_head(0, basic("alice", PASSWORD))).status == 400


def test_types_outside_the_list_are_refused(web: ThreadServer) -> None:
    for kind in ("text/html", "image/svg+xml", "application/javascript", "text/html; x=1"):
        answer = upload(web.web_port, b"<script>alert(1)</script>", kind=kind)
        assert answer.status == 415, kind
    assert files_on_disk(web) == []


def test_html_disguised_as_png_is_only_ever_a_download(web: ThreadServer) -> None:
    page = b"<html><script>alert(document.domain)</script></html>"
    answer = upload(web.web_port, page, kind="image/png", filename="cat.png")
    assert answer.status == 201
    got = get(web.web_port, file_path(answer.headers["location"]))
    assert got.body == page
    assert got.headers["content-type"] == "application/octet-stream"
    assert got.headers["content-disposition"].startswith("attachment;")
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"
    assert got.headers["x-content-type-options"] == "nosniff"
    text = upload(web.web_port, page, kind="text/plain", filename="page.html")
    served = get(web.web_port, file_path(text.headers["location"]))
    assert served.headers["content-type"] == "text/plain; charset=utf-8"
    assert served.headers["content-disposition"].startswith("attachment;")


@pytest.mark.parametrize(
    "name",
    ["../../../etc/passwd", "..\\..\\boot.ini", "/abs/path.txt", 'a\x01b"c.txt', "..", ""],
)
def test_a_filename_names_no_path(web: ThreadServer, name: str) -> None:
    answer = upload(web.web_port, b"hello", kind="text/plain", filename=name)
    assert answer.status == 201
    got = get(web.web_port, file_path(answer.headers["location"]))
    disposition = got.headers["content-disposition"]
    shown = disposition.split('filename="', 1)[1].split('"', 1)[0]
    assert "/" not in shown and "\\" not in shown and ".." not in shown
    assert shown, disposition
    assert (Path(web.config.data_dir) / "files").is_dir()
    assert not (Path(web.config.data_dir) / "etc").exists()


def test_unicode_filename_comes_back_in_rfc_6266_form(web: ThreadServer) -> None:
    answer = exchange(
        web.web_port,
        upload_head(5, basic("alice", PASSWORD), "text/plain", None,
                    "Content-Disposition: attachment; filename*=UTF-8''gr%C3%BC%C3%9F.txt\r\n")
        + b"hello",
    )  # fmt: skip
    got = get(web.web_port, file_path(answer.headers["location"]))
    assert "filename*=UTF-8''gr%C3%BC%C3%9F.txt" in got.headers["content-disposition"]


@pytest.mark.parametrize(
    "path", ["/uploads/..%2f..%2fparley.db", "/uploads/../parley.db", "/uploads/x%00", "/uploads/"]
)
def test_file_urls_reach_nothing_else(web: ThreadServer, path: str) -> None:
    assert get(web.web_port, path).status in (400, 404, 405)


def test_quota_and_file_count(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(
        web=web_config(), limits={**SMALL, "upload_quota_bytes": 3000, "upload_max_files": 3}
    )
    make_account(server, "alice")
    assert upload(server.web_port, b"x" * 2000, kind="text/plain").status == 201
    over = upload(server.web_port, b"x" * 1500, kind="text/plain")
    assert over.status == 413 and b"quota" in over.body
    assert upload(server.web_port, b"x" * 500, kind="text/plain").status == 201
    assert upload(server.web_port, b"x" * 10, kind="text/plain").status == 201
    many = upload(server.web_port, b"x", kind="text/plain")
    assert many.status == 413 and b"files" in many.body
    assert len(files_on_disk(server)) == 3


def test_uploads_an_account_starts_a_minute_are_limited(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(web=web_config(), limits={**SMALL, "uploads_per_minute": 2})
    make_account(server, "alice")
    assert upload(server.web_port, b"a", kind="text/plain").status == 201
    assert upload(server.web_port, b"b", kind="text/plain").status == 201
    assert upload(server.web_port, b"c", kind="text/plain").status == 429


def test_password_guessing_is_throttled(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(web=web_config(), limits={**SMALL, "login_tries_per_account_address": 2})
    make_account(server, "alice")
    statuses = [upload(server.web_port, b"x", password=f"guess{i}").status for i in range(4)]
    assert statuses[:2] == [401, 401] and statuses[2:] == [429, 429]


def test_disk_floor_refuses_with_507(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(web=web_config(), limits={**SMALL, "upload_disk_floor_bytes": 1 << 62})
    make_account(server, "alice")
    assert upload(server.web_port, PNG).status == 507


def test_expect_continue_waits_for_the_password(web: ThreadServer) -> None:
    with socket.create_connection(("127.0.0.1", web.web_port), 10) as sock:
        sock.sendall(upload_head(len(PNG), basic("alice", PASSWORD), extra=CONTINUE))
        first = sock.recv(100)
        assert first.startswith(b"HTTP/1.1 100 Continue")
        sock.sendall(PNG)
        answer = parse(first + read_all(sock))
    assert answer.status == 201
    with socket.create_connection(("127.0.0.1", web.web_port), 10) as sock:
        sock.sendall(upload_head(len(PNG), basic("alice", "wrong"), extra=CONTINUE))
        assert parse(read_all(sock)).status == 401  # no 100: the body is never asked for


def test_slow_upload_is_cut_off(make_server: Callable[..., ThreadServer]) -> None:
    limits = {**SMALL, "upload_idle_timeout": 0.5, "handshake_timeout": 1.0}
    server = make_server(web=web_config(), limits=limits)
    make_account(server, "alice")
    with socket.create_connection(("127.0.0.1", server.web_port), 10) as sock:
        sock.sendall(upload_head(50_000, basic("alice", PASSWORD)) + b"x" * 10)
        assert read_all(sock) == b""  # cut off, no answer: the server hung up
    wait_until(lambda: temp_files(server) == [], what="the piece removed")
    assert server.process is not None
    wait_until(lambda: server.call(lambda: server.process.hub.sharing.total) == 0)
    assert upload(server.web_port, b"ok", kind="text/plain").status == 201


def test_uploads_at_once_from_one_address_are_capped(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(web=web_config(), limits={**SMALL, "uploads_per_address": 1})
    make_account(server, "alice")
    with socket.create_connection(("127.0.0.1", server.web_port), 10) as slow:
        slow.sendall(upload_head(1000, basic("alice", PASSWORD), extra=CONTINUE))
        assert slow.recv(100).startswith(b"HTTP/1.1 100")
        assert upload(server.web_port, b"x", kind="text/plain").status == 429
        slow.sendall(b"y" * 1000)
        assert parse(read_all(slow)).status == 201
    assert upload(server.web_port, b"x", kind="text/plain").status == 201


def test_owner_deletes_by_http_and_others_cannot(web: ThreadServer) -> None:
    location = upload(web.web_port, PNG).headers["location"]
    path = file_path(location)
    assert get(web.web_port, path, "DELETE").status == 401
    assert get(web.web_port, path, "DELETE", basic("bob", PASSWORD)).status == 404
    assert get(web.web_port, path, "DELETE", basic("alice", "nope")).status == 401
    assert get(web.web_port, path, "DELETE", basic("alice", PASSWORD)).status == 204
    assert get(web.web_port, path).status == 404
    assert files_on_disk(web) == []


def test_options_says_what_is_taken(web: ThreadServer) -> None:
    answer = get(web.web_port, "/uploads", "OPTIONS")
    assert answer.status == 204
    assert "image/png" in answer.headers["accept-post"] and "POST" in answer.headers["allow"]
    own = get(web.web_port, "/uploads", "OPTIONS", f"Origin: http://127.0.0.1:{web.web_port}\r\n")
    assert own.headers["access-control-allow-origin"] == f"http://127.0.0.1:{web.web_port}"
    assert "Authorization" in own.headers["access-control-allow-headers"]
    other = get(web.web_port, "/uploads", "OPTIONS", "Origin: https://evil.example\r\n")
    assert "access-control-allow-origin" not in other.headers


def test_isupport_names_the_endpoint(web: ThreadServer) -> None:
    client = IrcClient(web.port)
    try:
        client.register("reader")
        lines = client.received
        tokens = [p for m in lines if m.command == "005" for p in m.params[1:-1]]
        assert f"soju.im/FILEHOST=http://127.0.0.1:{web.web_port}/uploads" in tokens
    finally:
        client.close()


def test_no_token_without_the_web_listener(server: ThreadServer) -> None:
    client = IrcClient(server.port)
    try:
        client.register("reader")
        lines = client.received
        assert not any("FILEHOST" in p for m in lines if m.command == "005" for p in m.params)
    finally:
        client.close()


def test_configured_public_url_is_advertised(make_server: Callable[..., ThreadServer]) -> None:
    web = replace(web_config(), public_url="https://chat.example.org")
    server = make_server(web=web, limits=SMALL)
    client = IrcClient(server.port)
    try:
        client.register("reader")
        lines = client.received
        tokens = [p for m in lines if m.command == "005" for p in m.params[1:-1]]
        assert "soju.im/FILEHOST=https://chat.example.org/uploads" in tokens
    finally:
        client.close()


def test_account_deletion_deletes_its_files(web: ThreadServer) -> None:
    mine = file_path(upload(web.web_port, PNG).headers["location"])
    theirs = file_path(upload(web.web_port, PNG, account="bob").headers["location"])
    assert web.process is not None
    process: Any = web.process
    web.call(process.accounts.delete, "alice")
    wait_until(lambda: len(files_on_disk(web)) == 1, what="alice's file deleted")
    assert get(web.web_port, mine).status == 404
    assert get(web.web_port, theirs).status == 200


def test_a_large_file_goes_in_pieces_and_comes_back_whole(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(web=web_config(), limits={**SMALL, "upload_max_bytes": 3 << 20})
    make_account(server, "alice")
    body = bytes(range(256)) * 10240  # 2.5 MiB: several pieces each way
    answer = upload(server.web_port, body, kind="application/zip", filename="big.zip")
    assert answer.status == 201
    got = get(server.web_port, file_path(answer.headers["location"]))
    assert got.status == 200 and got.body == body
    assert got.headers["content-disposition"].startswith('attachment; filename="big.zip"')


def test_a_full_disk_mid_upload_is_507_and_loses_nothing(tmp_path: Path) -> None:
    with mounted_tmpfs(tmp_path / "disk", size="8m") as mount:
        config = servers.test_config(mount / "data", web=web_config(), limits=SMALL)
        server = ThreadServer(config).start()
        try:
            make_account(server, "alice")
            kept = upload(server.web_port, PNG)
            assert kept.status == 201
            body = b"z" * 60_000
            with socket.create_connection(("127.0.0.1", server.web_port), 10) as sock:
                sock.sendall(upload_head(len(body), basic("alice", PASSWORD), extra=CONTINUE))
                assert sock.recv(100).startswith(b"HTTP/1.1 100")
                filler = fill_disk(mount)  # the disk fills up between the head and the body
                sock.sendall(body)
                answer = parse(read_all(sock))
            assert answer.status == 507
            assert temp_files(server) == []
            filler.unlink()
            got = get(server.web_port, file_path(kept.headers["location"]))
            assert got.status == 200 and got.body == PNG  # what was kept stays
            assert upload(server.web_port, b"again", kind="text/plain").status == 201
            client = IrcClient(server.port)
            client.register("still-here")
            client.close()
        finally:
            server.stop()


def notices(client: IrcClient, until: str) -> list[str]:
    lines = client.collect_until_match(
        lambda m: m.command in ("NOTICE", "FAIL") and until in " ".join(m.params)
    )
    return [" ".join(m.params[1:]) if m.command == "NOTICE" else " ".join(m.params) for m in lines]


def test_files_command_lists_and_deletes_for_owners_and_operators(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(
        web=web_config(), limits=SMALL, opers=(Oper("boss", hash_password("hunter2")),)
    )
    make_account(server, "alice")
    make_account(server, "bob")
    first = file_path(upload(server.web_port, PNG, filename="one.png").headers["location"])
    second = file_path(upload(server.web_port, b"hi", kind="text/plain").headers["location"])
    bobs = file_path(upload(server.web_port, b"b", account="bob").headers["location"])
    first_id, second_id, bobs_id = (p.rsplit("/", 1)[1] for p in (first, second, bobs))
    alice, boss, guest = IrcClient(server.port), IrcClient(server.port), IrcClient(server.port)
    try:
        alice.register("alice")
        identify(alice)
        alice.send("FILES LIST")
        listed = notices(alice, "End of FILES LIST")
        assert any(first_id in line and "one.png" in line for line in listed)
        assert any(second_id in line for line in listed)
        assert not any(bobs_id in line for line in listed)
        assert "2 files of alice" in listed[-1]
        alice.send("FILES LIST bob")
        assert "only your own" in notices(alice, "own files")[-1]
        alice.send(f"FILES DELETE {bobs_id}")  # someone else's: as if it were not there
        assert "No such file" in notices(alice, "No such file")[-1]
        assert get(server.web_port, bobs).status == 200
        alice.send(f"FILES DELETE {second_id}")
        assert "Deleted" in notices(alice, "Deleted")[-1]
        assert get(server.web_port, second).status == 404

        guest.register("guest")
        guest.send("FILES LIST")
        assert notices(guest, "Log into an account")
        guest.send("FILES DELETE ../../parley.db")
        notices(guest, "No such file")
        guest.send("FILES")
        guest.expect("461")

        boss.register("boss")
        boss.send("OPER boss hunter2")
        boss.expect("381")
        boss.send("FILES LIST")
        everyone = notices(boss, "End of FILES LIST")
        assert any(bobs_id in line for line in everyone) and "2 files in all" in everyone[-1]
        boss.send(f"FILES DELETE {first_id}")
        notices(boss, "Deleted")
        assert get(server.web_port, first).status == 404
        assert first_id not in files_on_disk(server)
    finally:
        for client in (alice, boss, guest):
            client.close()


def test_the_shell_lists_and_deletes_files(web: ThreadServer) -> None:
    path = file_path(upload(web.web_port, PNG, filename="shell.png").headers["location"])
    file_id = path.rsplit("/", 1)[1]
    data = Path(web.config.data_dir)
    listed = run_cli(data, "list-files")
    assert listed.returncode == 0 and file_id in listed.stdout and "shell.png" in listed.stdout
    assert run_cli(data, "list-files", "bob").stdout == ""
    assert run_cli(data, "delete-file", "nope").returncode == 1
    assert run_cli(data, "delete-file", "../parley.db").returncode == 1
    deleted = run_cli(data, "delete-file", file_id)
    assert deleted.returncode == 0, deleted.stderr
    assert get(web.web_port, path).status == 404
    assert (data / "parley.db").exists()


def test_upload_and_download_over_tls(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(web=web_config(tls=True), limits=SMALL)
    make_account(server, "alice")
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE

    def over_tls(raw: bytes) -> bytes:
        plain = socket.create_connection(("127.0.0.1", server.web_port), 10)
        with context.wrap_socket(plain, server_hostname="127.0.0.1") as sock:
            sock.sendall(raw)
            return read_all(sock)

    body = bytes(range(256)) * 200
    head = upload_head(len(body), basic("alice", PASSWORD), "application/zip", "a.zip")
    answer = parse(over_tls(head + body))
    assert answer.status == 201 and answer.headers["location"].startswith("https://")
    path = file_path(answer.headers["location"])
    got = parse(over_tls(f"GET {path} HTTP/1.1\r\nHost: x\r\n\r\n".encode()))
    assert got.status == 200 and got.body == body


def test_a_restart_clears_leftovers_and_files_of_accounts_deleted_meanwhile(
    tmp_path: Path,
) -> None:
    config = servers.test_config(tmp_path / "data", web=web_config(), limits=SMALL)
    first = ThreadServer(config).start()
    try:
        make_account(first, "alice")
        make_account(first, "bob")
        alices = file_path(upload(first.web_port, PNG).headers["location"])
        bobs = file_path(upload(first.web_port, PNG, account="bob").headers["location"])
    finally:
        first.stop()
    leftover = tmp_path / "data" / "files" / "tmp" / "cut-off-upload"
    leftover.write_bytes(b"half")
    assert run_cli(tmp_path / "data", "delete-account", "alice").returncode == 0
    second = ThreadServer(config).start()
    try:
        assert not leftover.exists()
        assert files_on_disk(second) == [bobs.rsplit("/", 1)[1]]
        assert get(second.web_port, alices).status == 404
        assert get(second.web_port, bobs).status == 200
    finally:
        second.stop()


def test_a_d_lined_address_shares_nothing(make_server: Callable[..., ThreadServer]) -> None:
    server = make_server(
        web=web_config(), limits=SMALL, opers=(Oper("boss", hash_password("hunter2")),)
    )
    make_account(server, "alice")
    location = upload(server.web_port, PNG).headers["location"]
    boss = IrcClient(server.port)
    try:
        boss.register("boss")
        boss.send("OPER boss hunter2")
        boss.expect("381")
        boss.send("DLINE 127.0.0.2 :go away")
        boss.sync()
    finally:
        boss.close()
    head = upload_head(len(PNG), basic("alice", PASSWORD))
    assert exchange(server.web_port, head + PNG, source="127.0.0.2").status == 403
    got = f"GET {file_path(location)} HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n".encode()
    assert exchange(server.web_port, got, source="127.0.0.2").status == 403
    assert exchange(server.web_port, got).status == 200
