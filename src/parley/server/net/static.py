"""The web client's files as the listener serves them: read once, kept in memory,
gzipped once for the browsers that take it.

A file is read again only when its size or modification time changes (one stat
a request), so editing the client while the server runs still works; the cache
holds the few files of src/parley/web, which the server itself ships.
"""

from __future__ import annotations

import gzip
import mimetypes
from dataclasses import dataclass
from pathlib import Path

MIN_GZIP = 1024  # smaller bodies aren't worth the header
TEXT_KINDS = ("application/javascript", "application/json", "image/svg+xml")
MAX_FILE = 4 << 20  # a file past this is read again each time, not kept nor gzipped


@dataclass(frozen=True, slots=True)
class StaticFile:
    """One file's body, its gzipped body (when that helps), type and validator."""

    stamp: tuple[int, int]  # (size, mtime_ns): what makes it stale
    kind: str
    etag: str
    body: bytes
    gzipped: bytes | None


_cache: dict[Path, StaticFile] = {}


def load(path: Path) -> StaticFile:
    """The file at `path`, from the cache while it hasn't changed (OSError if gone)."""
    stat = path.stat()
    stamp = (stat.st_size, stat.st_mtime_ns)
    cached = _cache.get(path)
    if cached is not None and cached.stamp == stamp:
        return cached
    body = path.read_bytes()
    kind = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
    text = kind.startswith("text/") or kind in TEXT_KINDS
    if text:
        kind += "; charset=utf-8"
    packed = text and MIN_GZIP <= len(body) <= MAX_FILE
    gzipped = gzip.compress(body, 6, mtime=0) if packed else None
    loaded = StaticFile(stamp, kind, f'"{stamp[0]:x}-{stamp[1]:x}"', body, gzipped)
    if len(body) <= MAX_FILE:
        _cache[path] = loaded
    return loaded


def accepts_gzip(accept_encoding: str | None) -> bool:
    """Whether an Accept-Encoding header takes gzip (and doesn't refuse it with q=0)."""
    for item in (accept_encoding or "").lower().split(","):
        coding, _, params = item.strip().partition(";")
        if coding.strip() in ("gzip", "*"):
            quality = params.strip().removeprefix("q=").strip()
            return not quality or _positive(quality)
    return False


def _positive(quality: str) -> bool:
    try:
        return float(quality) > 0
    except ValueError:
        return False
