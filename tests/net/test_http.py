"""The web listener's HTTP side without sockets: request heads in, answers out."""

from __future__ import annotations

import gzip
import json
import os
from pathlib import Path

import pytest

from parley.server.net import http


def ask(raw: bytes, root: Path = http.WEB_ROOT) -> http.Response:
    request = http.parse_request(raw)
    if isinstance(request, http.Response):
        return request
    return http.answer(request, root)


def get(target: str, root: Path = http.WEB_ROOT, headers: str = "") -> http.Response:
    return ask(f"GET {target} HTTP/1.1\r\nHost: a\r\n{headers}\r\n".encode(), root)


@pytest.fixture
def site(tmp_path: Path) -> Path:
    root = tmp_path / "web"
    (root / "sub").mkdir(parents=True)
    (root / "index.html").write_text("<p>hi</p>")
    (root / "app.js").write_text("1")
    (root / "sub" / "index.html").write_text("sub")
    (root / ".secret").write_text("no")
    (tmp_path / "outside.txt").write_text("private")
    os.symlink(tmp_path / "outside.txt", root / "link.txt")
    return root


def test_health_is_json_and_never_cached() -> None:
    answer = get("/health")
    assert answer.status == 200
    assert json.loads(answer.body) == {"status": "ok"}
    assert answer.cache == http.NO_STORE


def test_the_packaged_index_loads_the_web_client() -> None:
    answer = get("/")
    assert answer.status == 200
    assert b'<script type="module" src="app.js"></script>' in answer.body
    assert dict(answer.headers)["Content-Type"] == "text/html; charset=utf-8"


def test_files_carry_type_validator_and_caching(site: Path) -> None:
    page = get("/", site)
    script = get("/app.js?v=1", site)
    assert page.body == b"<p>hi</p>" and page.cache == http.REVALIDATE
    assert script.cache == http.REVALIDATE  # never an older release's module with a new page
    (site / "icon.png").write_bytes(b"\x89PNG")
    assert get("/icon.png", site).cache == http.KEEP
    assert "javascript" in dict(script.headers)["Content-Type"]
    etag = dict(page.headers)["ETag"]
    again = get("/", site, f"If-None-Match: {etag}\r\n")
    assert again.status == 304
    wire = http.encode(again)
    assert b"Content-Length" not in wire and wire.endswith(b"\r\n\r\n")


def test_every_answer_has_the_safety_headers(site: Path) -> None:
    for answer in (get("/", site), get("/nope", site), get("/health")):
        wire = http.encode(answer)
        assert b"Content-Security-Policy: default-src 'self'" in wire
        assert b"X-Content-Type-Options: nosniff" in wire
        assert b"X-Frame-Options: DENY" in wire
        assert b"Connection: close" in wire


@pytest.mark.parametrize(
    "target",
    ["/../outside.txt", "/sub/../../outside.txt", "/%2e%2e/outside.txt", "/%2E%2e/outside.txt",
     "/sub/%2e%2e/%2e%2e/outside.txt", "/..%2foutside.txt", "/.%2e/outside.txt",
     "/sub/..%5c..%5coutside.txt", "/index.html%00.js"],
)  # fmt: skip
def test_path_traversal_is_refused(site: Path, target: str) -> None:
    answer = get(target, site)
    assert answer.status == 400
    assert b"private" not in answer.body


@pytest.mark.parametrize("target", ["/.secret", "/link.txt", "/nope.html", "/sub/nope", "/%ff"])
def test_hidden_missing_and_outside_files_are_not_found(site: Path, target: str) -> None:
    assert get(target, site).status in (400, 404)
    assert b"private" not in get(target, site).body


def test_a_directory_serves_its_index_never_a_listing(site: Path) -> None:
    assert get("/sub/", site).body == b"sub"
    (site / "sub" / "index.html").unlink()
    assert get("/sub/", site).status == 404


@pytest.mark.parametrize("method", ["POST", "PUT", "DELETE", "OPTIONS", "TRACE", "PATCH"])
def test_wrong_methods_get_405_with_allow(method: str) -> None:
    answer = ask(f"{method} / HTTP/1.1\r\nHost: a\r\nContent-Length: 0\r\n\r\n".encode())
    assert answer.status == 405
    assert ("Allow", "GET, HEAD") in answer.headers


def test_head_has_the_headers_without_the_body() -> None:
    wire = http.encode(get("/"), head_only=True)
    head, _, body = wire.partition(b"\r\n\r\n")
    assert body == b"" and b"Content-Length: " in head and b"Content-Length: 0" not in head


def test_head_end_is_bounded_before_parsing() -> None:
    assert http.head_end(b"GET / HTTP/1.1\r\nHost: a\r\n") == 0
    assert http.head_end(b"GET / HTTP/1.1\r\n\r\nrest") == len(b"GET / HTTP/1.1\r\n\r\n")
    huge = b"GET / HTTP/1.1\r\nX: " + b"a" * http.MAX_HEAD
    assert http.head_end(huge) == -1
    assert http.head_end(huge + b"\r\n\r\n") == -1  # complete, but too big all the same


@pytest.mark.parametrize(
    "raw",
    [b"NICK alice\r\n\r\n", b"GET / HTTP/1.1\r\n\r\n", b"GET / HTTP/1.1\r\nBad Header\r\n\r\n",
     b"\x16\x03\x01\x02\x00\r\n\r\n"],
)  # fmt: skip
def test_malformed_requests_get_400(raw: bytes) -> None:
    assert ask(raw).status == 400


def test_upgrade_is_recognised() -> None:
    request = http.parse_request(
        b"GET / HTTP/1.1\r\nHost: a\r\nUpgrade: WebSocket\r\n"
        b"Connection: keep-alive, Upgrade\r\n\r\n"
    )
    assert not isinstance(request, http.Response) and http.is_websocket(request)
    plain = http.parse_request(b"GET / HTTP/1.1\r\nHost: a\r\n\r\n")
    assert not isinstance(plain, http.Response) and not http.is_websocket(plain)


def test_text_files_are_gzipped_for_browsers_that_take_it(site: Path) -> None:
    script = "const line = 'hello';\n" * 200
    (site / "big.js").write_text(script)
    plain = get("/big.js", site)
    packed = get("/big.js", site, "Accept-Encoding: gzip, deflate, br\r\n")
    refused = get("/big.js", site, "Accept-Encoding: gzip;q=0, identity\r\n")
    assert plain.body == script.encode() and refused.body == script.encode()
    assert dict(packed.headers)["Content-Encoding"] == "gzip"
    assert gzip.decompress(packed.body) == script.encode()
    assert len(packed.body) < len(script) // 10
    assert dict(packed.headers)["Vary"] == "Accept-Encoding"
    assert dict(packed.headers)["ETag"] != dict(plain.headers)["ETag"]
    etag = dict(packed.headers)["ETag"]
    again = get("/big.js", site, f"Accept-Encoding: gzip\r\nIf-None-Match: {etag}\r\n")
    assert again.status == 304
    assert get("/big.js", site, f"If-None-Match: {etag}\r\n").status == 200


def test_small_files_and_images_are_sent_as_they_are(site: Path) -> None:
    (site / "pic.png").write_bytes(b"\x89PNG" + bytes(4096))
    for target in ("/app.js", "/pic.png"):
        answer = get(target, site, "Accept-Encoding: gzip\r\n")
        assert "Content-Encoding" not in dict(answer.headers)


def test_a_changed_file_is_served_anew(site: Path) -> None:
    assert get("/app.js", site).body == b"1"
    (site / "app.js").write_text("two")
    assert get("/app.js", site).body == b"two"
