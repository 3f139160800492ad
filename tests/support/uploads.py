"""An HTTP client for the web listener's shared files, on raw sockets (one request each)."""

from __future__ import annotations

import base64
import socket
from dataclasses import dataclass

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(range(256)) * 4
PASSWORD = "wonderland1"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]  # names in lower case; the last of repeated ones
    body: bytes
    all_headers: list[tuple[str, str]]


def parse(raw: bytes) -> Answer:
    """The last answer in `raw` (a 100 Continue before it is skipped)."""
    while raw.startswith(b"HTTP/1.1 100"):
        raw = raw.split(b"\r\n\r\n", 1)[1]
    head, _, body = raw.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    status = int(lines[0].split()[1])
    pairs = [(k.strip().lower(), v.strip()) for k, _, v in (x.partition(":") for x in lines[1:])]
    return Answer(status, dict(pairs), body, pairs)


def basic(account: str, password: str) -> str:
    token = base64.b64encode(f"{account}:{password}".encode()).decode()
    return f"Authorization: Basic {token}\r\n"


def upload_head(
    body_length: int | None,
    auth: str = "",
    kind: str | None = "image/png",
    filename: str | None = "cat.png",
    extra: str = "",
) -> bytes:
    lines = "POST /uploads HTTP/1.1\r\nHost: 127.0.0.1\r\n" + auth
    if body_length is not None:
        lines += f"Content-Length: {body_length}\r\n"
    if kind is not None:
        lines += f"Content-Type: {kind}\r\n"
    if filename is not None:
        lines += f'Content-Disposition: attachment; filename="{filename}"\r\n'
    return (lines + extra + "\r\n").encode()


def exchange(port: int, raw: bytes, timeout: float = 10.0, source: str | None = None) -> Answer:
    """Send `raw` (its Host given the port), read until the server hangs up."""
    raw = raw.replace(b"Host: 127.0.0.1\r\n", f"Host: 127.0.0.1:{port}\r\n".encode(), 1)
    bind = (source, 0) if source else None
    with socket.create_connection(("127.0.0.1", port), timeout, source_address=bind) as sock:
        sock.sendall(raw)
        return parse(read_all(sock))


def read_all(sock: socket.socket) -> bytes:
    answer = b""
    try:
        while chunk := sock.recv(65536):
            answer += chunk
    except ConnectionResetError:
        pass
    return answer


def upload(
    port: int,
    body: bytes,
    account: str = "alice",
    password: str = PASSWORD,
    kind: str | None = "image/png",
    filename: str | None = "cat.png",
) -> Answer:
    head = upload_head(len(body), basic(account, password), kind, filename)
    return exchange(port, head + body)


def get(port: int, path: str, method: str = "GET", extra: str = "") -> Answer:
    return exchange(port, f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{extra}\r\n".encode())


def file_path(location: str) -> str:
    """The path of a file's URL."""
    return "/" + location.split("://", 1)[-1].split("/", 1)[1]
