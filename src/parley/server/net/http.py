"""The web listener's plain HTTP side: a health check and the web client's files.

Sans-IO: a request head in (parsed by h11), a response out as bytes. One
request per connection (`Connection: close`), GET and HEAD only, no
directory listings; a path is decoded, then refused if it names a parent or
a hidden file or leads (through a link) out of the web directory. The head
is bounded (MAX_HEAD) before it is parsed. Every answer carries the same
safety headers: a content-security policy that lets pages load only what
comes from here, nosniff, no framing, no referrer.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import unquote_to_bytes

import h11

from parley.server.net import static

MAX_HEAD = 8192  # bytes of a request line and headers; past it, 431
WEB_ROOT = Path(__file__).resolve().parents[2] / "web"  # the package's src/parley/web
HEALTH = "/health"

CSP = (
    "default-src 'self'; connect-src 'self'; img-src 'self' data: blob:; "
    "object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
SAFETY = (
    ("Content-Security-Policy", CSP),
    ("X-Content-Type-Options", "nosniff"),
    ("X-Frame-Options", "DENY"),
    ("Referrer-Policy", "no-referrer"),
)
# Pages, scripts and styles are always asked again (an ETag makes that cheap): their
# names carry no version, and a page must never run with an older release's modules.
REVALIDATE = "no-cache"
REVALIDATED = frozenset((".html", ".js", ".css", ".json", ".webmanifest"))
KEEP = "public, max-age=3600"  # images and icons
NO_STORE = "no-store"  # errors and the health check


@dataclass(frozen=True, slots=True)
class Response:
    """An answer: status, headers beyond the common ones, body."""

    status: int
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""
    cache: str = NO_STORE


def error(status: int, headers: tuple[tuple[str, str], ...] = ()) -> Response:
    """A short plain-text error."""
    text = f"{status} {HTTPStatus(status).phrase}\n".encode()
    return Response(status, (("Content-Type", "text/plain; charset=utf-8"), *headers), text)


def head_end(buffer: bytes) -> int:
    """Where a request head ends (after its blank line); 0 while it is incomplete,
    -1 once it has passed MAX_HEAD: counted before anything is parsed."""
    end = buffer.find(b"\r\n\r\n", 0, MAX_HEAD + 4)
    if end >= 0:
        return end + 4
    return -1 if len(buffer) > MAX_HEAD + 3 else 0


def parse_request(buffer: bytes) -> h11.Request | Response:
    """The request in a complete head, or the error to answer it with."""
    parser = h11.Connection(h11.SERVER, max_incomplete_event_size=MAX_HEAD)
    parser.receive_data(buffer)
    try:
        event = parser.next_event()
    except h11.RemoteProtocolError as exc:
        status = exc.error_status_hint
        return error(status if status in (400, 414, 431) else 400)
    if not isinstance(event, h11.Request):
        return error(400)
    return event


def header(request: h11.Request, name: bytes) -> str | None:
    """A header's value (the first of several), as text; h11 lower-cases the names."""
    for key, value in request.headers:
        if key == name:
            return value.decode("latin-1")
    return None


def is_websocket(request: h11.Request) -> bool:
    """An upgrade to WebSocket (wsproto checks the rest of the handshake)."""
    upgrade = (header(request, b"upgrade") or "").lower()
    connection = (header(request, b"connection") or "").lower()
    return "websocket" in upgrade and "upgrade" in connection


def answer(request: h11.Request, root: Path = WEB_ROOT) -> Response:
    """What a plain GET or HEAD gets: the health check or a file."""
    if request.method not in (b"GET", b"HEAD"):
        return error(405, (("Allow", "GET, HEAD"),))
    target = request.target.split(b"?", 1)[0]
    if target == HEALTH.encode():
        body = json.dumps({"status": "ok"}).encode()
        return Response(200, (("Content-Type", "application/json"),), body)
    path = _static_path(root, target)
    if isinstance(path, Response):
        return path
    return _file(path, request)


def _static_path(root: Path, target: bytes) -> Path | Response:
    """The file a target names inside `root`, or why not (400, 404)."""
    if not target.startswith(b"/"):
        return error(400)
    try:
        text = unquote_to_bytes(target).decode("utf-8")
    except UnicodeDecodeError:
        return error(400)
    if "\x00" in text or "\\" in text:
        return error(400)
    parts = [part for part in text.split("/") if part]
    if any(part in (".", "..") for part in parts):
        return error(400)  # a way out of the web directory, plain or encoded
    if any(part.startswith(".") for part in parts):
        return error(404)
    base = root.resolve()
    path = base.joinpath(*parts).resolve()
    if path.is_dir():
        path = path / "index.html"
    if not path.is_relative_to(base) or not path.is_file():
        return error(404)
    return path


def _file(path: Path, request: h11.Request) -> Response:
    """A static file with its type, validator and caching headers, gzipped when the
    browser takes it (304 when unchanged)."""
    try:
        loaded = static.load(path)
    except OSError:
        return error(404)
    cache = REVALIDATE if path.suffix in REVALIDATED else KEEP
    gzipped = loaded.gzipped if static.accepts_gzip(header(request, b"accept-encoding")) else None
    etag = loaded.etag[:-1] + '-gz"' if gzipped is not None else loaded.etag
    vary = (("Vary", "Accept-Encoding"),) if loaded.gzipped is not None else ()
    if etag in (header(request, b"if-none-match") or ""):
        return Response(304, (("ETag", etag), *vary), cache=cache)
    headers = (("Content-Type", loaded.kind), ("ETag", etag), *vary)
    if gzipped is None:
        return Response(200, headers, loaded.body, cache)
    return Response(200, (*headers, ("Content-Encoding", "gzip")), gzipped, cache)


def encode(response: Response, head_only: bool = False) -> bytes:
    """The response on the wire: status line, headers, body (none for HEAD or 304)."""
    phrase = HTTPStatus(response.status).phrase
    lines = [f"HTTP/1.1 {response.status} {phrase}"]
    lines += [f"{name}: {value}" for name, value in response.headers]
    lines += [f"{name}: {value}" for name, value in SAFETY]
    lines.append(f"Cache-Control: {response.cache}")
    if response.status != 304:
        lines.append(f"Content-Length: {len(response.body)}")
    lines.append("Connection: close")
    body = b"" if head_only or response.status == 304 else response.body
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body
