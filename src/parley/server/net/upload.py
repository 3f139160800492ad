"""File sharing on the web listener (soju.im/FILEHOST), sans-IO: what a request asks,
whether it may, and the headers of the answers.

POST /uploads takes a file's bytes (Content-Length required, Basic credentials of
an account); GET and HEAD /uploads/<id> give it back; DELETE /uploads/<id> lets its
owner delete it; OPTIONS answers a browser's preflight. Everything here is checked
from the request head alone, before any byte of the body is read.

A file is never active content from our origin: it is served with a policy that
lets it run nothing (`default-src 'none'; sandbox`), nosniff, and as an attachment
unless it is an image, audio, video or PDF whose first bytes say it is one.
"""

from __future__ import annotations

import base64
import binascii
import re
from dataclasses import dataclass
from email.utils import formatdate
from http import HTTPStatus
from urllib.parse import quote, unquote

import h11

from parley.server.net import http
from parley.server.net.websocket import origin_allowed
from parley.server.store.uploads import Upload, valid_id

ENDPOINT = "/uploads"
MAX_FILENAME = 200  # characters of a file's name kept
FILE_CSP = "default-src 'none'; sandbox"
FILE_CACHE = "private, max-age=31536000, immutable"  # a file never changes under its id
METHODS = "POST, GET, HEAD, DELETE, OPTIONS"

# What may be uploaded. Images, PDF, audio and video are shown inline when their
# first bytes agree with the type; anything else is a download.
ALLOWED = frozenset({
    "image/png", "image/jpeg", "image/gif", "image/webp",
    "application/pdf", "text/plain",
    "audio/mpeg", "audio/ogg", "audio/wav", "audio/webm", "audio/mp4", "audio/aac",
    "audio/flac",
    "video/mp4", "video/webm", "video/ogg", "video/quicktime",
    "application/zip", "application/octet-stream",
})  # fmt: skip
INLINE_PREFIXES = ("image/", "audio/", "video/")
OCTET = "application/octet-stream"
SNIFF_BYTES = 16  # the first bytes kept to check a type by


def _magic(head: bytes) -> str | None:
    """The type the first bytes show, for the types whose magic is certain."""
    if head.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if head.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if head.startswith((b"GIF87a", b"GIF89a")):
        return "image/gif"
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if head.startswith(b"%PDF-"):
        return "application/pdf"
    return None


def stored_type(declared: str, head: bytes) -> str:
    """The type a file is kept and served as: an image or PDF only if its bytes are
    one (a "PNG" that is HTML is a download); a plain download that is one becomes it."""
    found = _magic(head)
    if declared.startswith("image/") or declared == "application/pdf":
        return declared if found == declared else OCTET
    if declared == OCTET and found is not None:
        return found
    return declared


def inline(content_type: str) -> bool:
    """Whether a browser may show a file in place rather than download it."""
    return content_type.startswith(INLINE_PREFIXES) or content_type == "application/pdf"


@dataclass(frozen=True, slots=True)
class Plan:
    """An upload request that passed the checks of its head."""

    account: str
    password: str
    length: int
    content_type: str
    filename: str
    expect_continue: bool


def path_of(request: h11.Request) -> str:
    return request.target.split(b"?", 1)[0].decode("latin-1")


def handles(request: h11.Request) -> bool:
    """Whether a request is for the upload endpoint or a shared file."""
    path = path_of(request)
    return path in (ENDPOINT, ENDPOINT + "/") or path.startswith(ENDPOINT + "/")


def file_id(request: h11.Request) -> str | None:
    """The id a file URL names (None: the endpoint itself, or no id at all)."""
    rest = path_of(request)[len(ENDPOINT) + 1 :]
    return rest if valid_id(rest) else None


def credentials(request: h11.Request) -> tuple[str, str] | None:
    """The account and password of `Authorization: Basic` (RFC 7617, UTF-8)."""
    value = http.header(request, b"authorization")
    if value is None:
        return None
    scheme, _, token = value.strip().partition(" ")
    if scheme.lower() != "basic" or len(token) > 1024:
        return None
    try:
        text = base64.b64decode(token.strip(), validate=True).decode("utf-8")
    except (binascii.Error, UnicodeDecodeError):
        return None
    account, colon, password = text.partition(":")
    if not colon or not account or not password:
        return None
    return account, password


def media_type(value: str | None) -> str | None:
    """The type of a Content-Type header, lower case and without parameters, if it is
    one we take (missing: a plain download); None if not."""
    if value is None or not value.strip():
        return OCTET
    kind = value.split(";", 1)[0].strip().lower()
    return kind if kind in ALLOWED else None


_UNSAFE = re.compile(r"[\x00-\x1f\x7f\"\\/:*?<>|]")


def clean_filename(disposition: str | None) -> str:
    """The name a Content-Disposition gives a file, made safe to keep and to give back:
    its last path part, no control or quoting characters, at most MAX_FILENAME long."""
    name = ""
    if disposition:
        star = re.search(r"filename\*\s*=\s*(?:UTF-8|utf-8)''([^;\s]+)", disposition)
        plain = re.search(r'filename\s*=\s*"((?:[^"\\]|\\.)*)"|filename\s*=\s*([^;\s]+)',
                          disposition)  # fmt: skip
        if star:
            name = unquote(star.group(1), errors="replace")
        elif plain:
            name = plain.group(1) if plain.group(1) is not None else plain.group(2)
            name = re.sub(r"\\(.)", r"\1", name)
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = _UNSAFE.sub("_", name).strip(" .")
    return name[:MAX_FILENAME] or "file"


def plan(request: h11.Request, max_bytes: int) -> Plan | http.Response:
    """Check an upload's head, cheapest first: what it sends, how much, as whom."""
    if max_bytes <= 0:
        return http.error(404)
    if http.header(request, b"transfer-encoding") is not None:
        return http.error(411)  # chunked bodies are not taken: their size is unknown
    length_text = http.header(request, b"content-length")
    if length_text is None:
        return http.error(411)
    if not (length_text.isascii() and length_text.isdigit()) or len(length_text) > 15:
        return http.error(400)
    length = int(length_text)
    if length > max_bytes:
        return http.error(413)
    if length == 0:
        return http.error(400)
    kind = media_type(http.header(request, b"content-type"))
    if kind is None:
        return http.error(415, (("Accept-Post", ", ".join(sorted(ALLOWED))),))
    login = credentials(request)
    if login is None:
        return unauthorized()
    expect = (http.header(request, b"expect") or "").strip().lower() == "100-continue"
    name = clean_filename(http.header(request, b"content-disposition"))
    return Plan(login[0], login[1], length, kind, name, expect)


def refusal(status: int, text: str) -> http.Response:
    """An error that says what to do about it."""
    body = f"{status} {HTTPStatus(status).phrase}: {text}\n".encode()
    return http.Response(status, (("Content-Type", "text/plain; charset=utf-8"),), body)


def unauthorized() -> http.Response:
    return http.error(401, (("WWW-Authenticate", 'Basic realm="parley", charset="UTF-8"'),))


Headers = tuple[tuple[str, str], ...]


def cors(request: h11.Request, secure: bool, allowed: tuple[str, ...]) -> Headers:
    """What lets a page of an allowed origin read the answer (its Location above all)."""
    origin = http.header(request, b"origin")
    if origin is None or not origin_allowed(origin, http.header(request, b"host"), secure, allowed):
        return ()
    return (
        ("Access-Control-Allow-Origin", origin.strip()),
        ("Access-Control-Expose-Headers", "Location, Content-Disposition"),
        ("Vary", "Origin"),
    )


def preflight(request: h11.Request, secure: bool, allowed: tuple[str, ...]) -> http.Response:
    """OPTIONS (which the spec requires): what may be sent, and from which pages."""
    headers = (
        ("Allow", METHODS),
        ("Accept-Post", ", ".join(sorted(ALLOWED))),
        *cors(request, secure, allowed),
    )
    if len(headers) > 2:
        headers += (
            ("Access-Control-Allow-Methods", METHODS),
            ("Access-Control-Allow-Headers", "Authorization, Content-Type, Content-Disposition"),
            ("Access-Control-Max-Age", "600"),
        )
    return http.Response(204, headers)


_HOST = re.compile(r"[A-Za-z0-9.\-]+(:\d{1,5})?|\[[0-9A-Fa-f:.]+\](:\d{1,5})?")


def location(request: h11.Request, secure: bool, upload_id: str) -> str:
    """The new file's URL, on the host the client asked (else relative to it)."""
    host = (http.header(request, b"host") or "").strip()
    path = f"{ENDPOINT}/{upload_id}"
    if not _HOST.fullmatch(host):
        return path
    return f"{'https' if secure else 'http'}://{host}{path}"


def created(
    request: h11.Request, secure: bool, allowed: tuple[str, ...], upload: Upload
) -> http.Response:
    """201 Created, with the file's URL."""
    url = location(request, secure, upload.id)
    body = f"{url}\n".encode()
    headers = (("Location", url), ("Content-Type", "text/plain; charset=utf-8"))
    return http.Response(201, headers + cors(request, secure, allowed), body)


def etag(upload: Upload) -> str:
    return f'"{upload.sha256[:32]}"'


def disposition(upload: Upload) -> str:
    """Content-Disposition (RFC 6266): inline or attachment, the name in ASCII and UTF-8."""
    kind = "inline" if inline(upload.content_type) else "attachment"
    fallback = "".join(c if " " <= c < "\x7f" and c not in '"\\%' else "_" for c in upload.filename)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(upload.filename, safe='')}"


def file_head(upload: Upload, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    """The head of a 200 answer with a file's bytes (which follow it, streamed)."""
    kind = upload.content_type
    if kind == "text/plain":
        kind += "; charset=utf-8"
    headers = (
        ("Content-Type", kind),
        ("Content-Length", str(upload.size)),
        ("Content-Disposition", disposition(upload)),
        ("ETag", etag(upload)),
        ("Last-Modified", formatdate(upload.created, usegmt=True)),
        ("Cache-Control", FILE_CACHE),
        *extra,
    )
    return _head(200, headers)


def not_modified(upload: Upload, extra: tuple[tuple[str, str], ...] = ()) -> bytes:
    return _head(304, (("ETag", etag(upload)), ("Cache-Control", FILE_CACHE), *extra))


def _head(status: int, headers: tuple[tuple[str, str], ...]) -> bytes:
    lines = [f"HTTP/1.1 {status} {HTTPStatus(status).phrase}"]
    lines += [f"{name}: {value}" for name, value in headers]
    lines += [
        f"Content-Security-Policy: {FILE_CSP}",
        "X-Content-Type-Options: nosniff",
        "X-Frame-Options: DENY",
        "Referrer-Policy: no-referrer",
        "Cross-Origin-Resource-Policy: cross-origin",
        "Connection: close",
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")
