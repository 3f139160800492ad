"""Upload requests without sockets: what a head asks, and what the answers say."""

from __future__ import annotations

import base64

import h11
import pytest

from parley.server.net import http, upload
from parley.server.store.uploads import Upload, new_id, valid_id

MAX = 1000


def head(headers: str, method: str = "POST", target: str = "/uploads") -> h11.Request:
    request = http.parse_request(f"{method} {target} HTTP/1.1\r\nHost: a\r\n{headers}\r\n".encode())
    assert isinstance(request, h11.Request)
    return request


def auth(text: str) -> str:
    return f"Authorization: Basic {base64.b64encode(text.encode()).decode()}\r\n"


GOOD = "Content-Length: 10\r\nContent-Type: image/png\r\n" + auth("alice:pw")


def test_a_good_head_makes_a_plan() -> None:
    plan = upload.plan(head(GOOD + 'Content-Disposition: inline; filename="a.png"\r\n'), MAX)
    assert plan == upload.Plan("alice", "pw", 10, "image/png", "a.png", False)


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ("Content-Type: image/png\r\n" + auth("a:b"), 411),
        ("Transfer-Encoding: chunked\r\nContent-Type: image/png\r\n" + auth("a:b"), 411),
        ("Content-Length: 1001\r\n" + auth("a:b"), 413),
        ("Content-Length: 99999999999999999999999\r\n" + auth("a:b"), 400),
        ("Content-Length: 0\r\n" + auth("a:b"), 400),
        ("Content-Length: 10\r\nContent-Type: text/html\r\n" + auth("a:b"), 415),
        ("Content-Length: 10\r\nContent-Type: image/svg+xml\r\n" + auth("a:b"), 415),
        ("Content-Length: 10\r\nContent-Type: image/png\r\n", 401),
        ("Content-Length: 10\r\n" + auth("no colon"), 401),
        ("Content-Length: 10\r\n" + auth(":pw"), 401),
        ("Content-Length: 10\r\n" + auth("alice:"), 401),
        ("Content-Length: 10\r\nAuthorization: Bearer xyz\r\n", 401),
        ("Content-Length: 10\r\nAuthorization: Basic %%%\r\n", 401),
    ],
)
def test_bad_heads_get_their_status_before_the_body(headers: str, status: int) -> None:
    request = http.parse_request(f"POST /uploads HTTP/1.1\r\nHost: a\r\n{headers}\r\n".encode())
    answer = request if isinstance(request, http.Response) else upload.plan(request, MAX)
    assert isinstance(answer, http.Response) and answer.status == status


def test_uploads_off_is_404() -> None:
    answer = upload.plan(head(GOOD), 0)
    assert isinstance(answer, http.Response) and answer.status == 404


def test_non_utf8_credentials_are_refused() -> None:
    token = base64.b64encode(b"al\xffce:pw").decode()
    assert upload.credentials(head(f"Authorization: Basic {token}\r\n")) is None


@pytest.mark.parametrize(
    ("disposition", "name"),
    [
        ('attachment; filename="cat.png"', "cat.png"),
        ('attachment; filename="../../etc/passwd"', "passwd"),
        ('attachment; filename="C:\\\\Windows\\\\evil.exe"', "evil.exe"),
        ("attachment; filename*=UTF-8''gr%C3%BC%C3%9F.txt", "gr\u00fc\u00df.txt"),
        ("attachment; filename*=UTF-8''..%2F..%2Fx", "x"),
        ('attachment; filename="a\\"b.txt"', "a_b.txt"),
        ("attachment; filename=plain.txt", "plain.txt"),
        ('attachment; filename=".."', "file"),
        ('attachment; filename="   "', "file"),
        ("attachment", "file"),
        (None, "file"),
        ('attachment; filename="' + "a" * 500 + '"', "a" * upload.MAX_FILENAME),
        ('attachment; filename="tab\there\x7f.txt"', "tab_here_.txt"),
    ],
)
def test_filenames_are_cleaned(disposition: str | None, name: str) -> None:
    assert upload.clean_filename(disposition) == name


@pytest.mark.parametrize(
    ("declared", "first", "stored"),
    [
        ("image/png", b"\x89PNG\r\n\x1a\n....", "image/png"),
        ("image/png", b"<html><script>", upload.OCTET),
        ("image/jpeg", b"\x89PNG\r\n\x1a\n....", upload.OCTET),
        ("image/gif", b"GIF89a....", "image/gif"),
        ("image/webp", b"RIFF\x00\x00\x00\x00WEBPVP8 ", "image/webp"),
        ("application/pdf", b"%PDF-1.7", "application/pdf"),
        ("application/pdf", b"<svg onload=x>", upload.OCTET),
        (upload.OCTET, b"\xff\xd8\xff\xe0", "image/jpeg"),
        (upload.OCTET, b"<html>", upload.OCTET),
        ("text/plain", b"<html>", "text/plain"),
        ("video/mp4", b"anything", "video/mp4"),
    ],
)
def test_stored_type_trusts_bytes_for_images(declared: str, first: bytes, stored: str) -> None:
    assert upload.stored_type(declared, first) == stored


def shared(filename: str, kind: str) -> Upload:
    return Upload(new_id(), "alice", filename, kind, 3, 0.0, "ab" * 32)


def test_downloads_are_never_active_content() -> None:
    raw = upload.file_head(shared("x.html", upload.OCTET)).decode("latin-1")
    assert "Content-Security-Policy: default-src 'none'; sandbox\r\n" in raw
    assert "X-Content-Type-Options: nosniff\r\n" in raw
    assert "Content-Disposition: attachment; " in raw
    assert "Content-Type: application/octet-stream\r\n" in raw
    image = upload.file_head(shared("cat.png", "image/png")).decode("latin-1")
    assert "Content-Disposition: inline; " in image
    text = upload.file_head(shared("a.txt", "text/plain")).decode("latin-1")
    assert "Content-Disposition: attachment; " in text and "charset=utf-8" in text


def test_disposition_carries_both_name_forms() -> None:
    value = upload.disposition(shared('gr\u00fc\u00df "x".txt', "text/plain"))
    assert value == (
        "attachment; filename=\"gr__ _x_.txt\"; filename*=UTF-8''gr%C3%BC%C3%9F%20%22x%22.txt"
    )


def test_ids_are_unguessable_and_name_no_path() -> None:
    ids = {new_id() for _ in range(100)}
    assert len(ids) == 100 and all(len(i) == 24 and valid_id(i) for i in ids)
    for bad in ("", "..", "a/b", "a.b", "x" * 65, "\u00e9t\u00e9", "a%2f"):
        assert not valid_id(bad)


def test_routes() -> None:
    assert upload.handles(head("", "POST", "/uploads"))
    assert upload.handles(head("", "GET", "/uploads/abc"))
    assert not upload.handles(head("", "GET", "/uploadsx"))
    assert not upload.handles(head("", "GET", "/index.html"))
    assert upload.file_id(head("", "GET", "/uploads/abc_-1?x=1")) == "abc_-1"
    assert upload.file_id(head("", "GET", "/uploads/a/b")) is None


def test_location_uses_the_host_asked_and_nothing_odd() -> None:
    request = head("Host: chat.example.org:8097\r\n".replace("Host", "X-Ignored"))
    assert upload.location(request, True, "abc") == "https://a/uploads/abc"
    odd = http.parse_request(b"POST /uploads HTTP/1.1\r\nHost: a b@evil\r\n\r\n")
    if isinstance(odd, h11.Request):
        assert upload.location(odd, True, "abc") == "/uploads/abc"


@pytest.mark.parametrize(
    ("value", "part"),
    [
        (None, None),
        ("bytes=0-99", (0, 99)),
        ("bytes=100-", (100, 999)),
        ("bytes=-100", (900, 999)),
        ("bytes=-5000", (0, 999)),
        ("bytes=990-5000", (990, 999)),
        ("bytes=1000-", False),
        ("bytes=-0", False),
        ("bytes=5-1", None),
        ("bytes=0-1,5-6", None),
        ("items=0-1", None),
        ("bytes=a-b", None),
        ("bytes=-", None),
        ("bytes=" + "9" * 40 + "-", None),
    ],
)
def test_byte_ranges(value: str | None, part: tuple[int, int] | bool | None) -> None:
    assert upload.byte_range(value, 1000) == part


def test_no_file_id_starts_with_a_dash_that_the_shell_would_take_for_an_option() -> None:
    made = [new_id() for _ in range(3000)]  # about 47 of them would, drawn plainly
    assert all(valid_id(i) and not i.startswith("-") for i in made)
