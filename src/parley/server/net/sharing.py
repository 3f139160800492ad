"""Shared files on a web connection: an upload's body to disk, a file's bytes back out.

How this works: the request head has passed upload.plan's checks. Then, cheapest
first, the uploads under way from the address and in all are counted, the account's
uploads this minute, the disk's free space against its floor; only then is the
password checked (on the worker, under the login throttles), then the account's
quota, counting what its other uploads under way have promised. Until then no byte
of the body is read (reading is paused; a client that asked `Expect: 100-continue`
is told to send it only now). The body goes to a temporary file in files/tmp/, a
piece at a time on the worker, reading paused while a piece is written; it must come
at `upload_min_rate` at least, with no pause over `upload_idle_timeout`, or the
connection is cut and the piece removed. A full disk answers 507 and keeps nothing.
A download is read from disk a piece at a time on the worker, each once the client
has taken the last.
"""

from __future__ import annotations

import asyncio
import errno
import hashlib
import logging
import os
import shutil
from collections import Counter
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import h11

from parley.irc.casemap import fold
from parley.server.config import Limits
from parley.server.core.basic_auth import check_account_password
from parley.server.core.sources import party
from parley.server.core.throttle import Throttle
from parley.server.core.worker import Failed, Worker, guarded
from parley.server.net import http, upload
from parley.server.store.uploads import Upload, UploadStore, new_id

if TYPE_CHECKING:
    from parley.server.net.hub import Hub
    from parley.server.net.web import WebConnection

log = logging.getLogger("parley.net")

PIECE = 256 * 1024  # bytes written or read in one job
LINGER_BYTES = 1 << 20  # of a body we will not take, read and dropped so the answer arrives
LINGER_SECONDS = 2.0
FULL = (errno.ENOSPC, errno.EDQUOT)


class Sharing:
    """What the web listener's connections share about files under way."""

    def __init__(self) -> None:
        self.per_address: Counter[str] = Counter()  # uploads under way, by address
        self.total = 0
        self.promised: Counter[str] = Counter()  # bytes of uploads under way, by account
        self.promised_files: Counter[str] = Counter()
        self.started = Throttle(limit=1, window=60.0, max_keys=10_000)  # uploads by account
        self.uploads = 0  # files kept since start
        # Where disk work runs: its own threads (app.py), so a slow disk delays no login.
        self.worker: Worker | None = None
        self.refused = 0  # uploads refused or cut off


def _write(fd: int, data: bytes, digest: Any) -> None:
    """On the worker: a piece of the body to the temporary file."""
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
    digest.update(data)


def _read(fd: int, size: int) -> bytes:
    """On the worker: the next piece of a file being sent."""
    return os.read(fd, size)


class Exchange:
    """One request to the upload endpoint or for a shared file, on its connection."""

    def __init__(
        self, conn: WebConnection, hub: Hub, transport: asyncio.Transport, request: h11.Request
    ) -> None:
        self.conn = conn
        self.hub = hub
        self.transport = transport
        self.request = request
        self.sharing: Sharing = hub.sharing
        self.store = hub.core.uploads
        self.disk: Worker = hub.sharing.worker or hub.core.worker
        self.plan: upload.Plan | None = None
        self.account: str | None = None
        self.counted = False  # in Sharing's counts of uploads under way
        self.fd = -1
        self.temp: Path | None = None
        self.received = 0  # bytes of the body read
        self.pending: list[bytes] = []  # read, not yet handed to the worker
        self.pending_size = 0
        self.busy = False  # a disk job is under way
        self.receiving = False  # the body is wanted now
        self.first = b""  # the body's first bytes, for its type
        self.digest = hashlib.sha256()
        self.closed = False
        self.lingering = False  # answered; what the client still sends is dropped
        self.failed: http.Response | None = None  # the answer once the body is all in
        self.timer: asyncio.TimerHandle | None = None
        self.deadline = 0.0
        self.last = 0.0  # when bytes last moved
        self.left = 0  # bytes of a download still to send
        self.expected = 0  # bytes of a body still to drop while lingering
        self.head_only = False  # a HEAD request: answers without their bodies

    @property
    def limits(self) -> Limits:
        return self.hub.config.limits

    # -- routing ---------------------------------------------------------------

    def start(self, rest: bytes) -> None:
        """The head is in (with `rest`, what came after it): act on the method."""
        request, method = self.request, self.request.method
        file_id = upload.file_id(request)
        path = upload.path_of(request).rstrip("/")
        if self.hub.banned(self.conn.ip):  # a D-line (checked before TLS, not before plain HTTP)
            self._answer(http.error(403))
        elif method == b"OPTIONS":
            web = self.hub.config.web
            self._answer(upload.preflight(request, self.conn.tls, web.allowed_origins))
        elif path == upload.ENDPOINT and method == b"POST":
            self._upload(rest)
        elif file_id is not None and method in (b"GET", b"HEAD"):
            self.head_only = method == b"HEAD"
            self._download(file_id, method == b"HEAD")
        elif file_id is not None and method == b"DELETE":
            self._delete(file_id)
        elif path == upload.ENDPOINT or file_id is not None:
            self._answer(http.error(405, (("Allow", upload.METHODS),)))
        else:
            self._answer(http.error(404))

    # -- answers and the end -----------------------------------------------------

    def _answer(self, response: http.Response, head_only: bool = False) -> None:
        """Answer and hang up; a body we did not take is read and dropped for a moment,
        so that the answer is not lost to a reset."""
        if self.closed:
            return
        self._release()
        cors = upload.cors(self.request, self.conn.tls, self.hub.config.web.allowed_origins)
        if cors and response.status != 204 and response.status != 201:
            response = http.Response(response.status, response.headers + cors, response.body,
                                     response.cache)  # fmt: skip
        self.transport.write(http.encode(response, head_only or self.head_only))
        self._linger_or_close()

    def _linger_or_close(self) -> None:
        length = http.header(self.request, b"content-length") or ""
        announced = int(length) if length.isascii() and length.isdigit() and len(length) < 16 else 0
        left = announced - self.received - self.pending_size
        if 0 < left <= LINGER_BYTES and not self.busy:
            self.lingering = True
            self.expected = left
            self.pending.clear()
            self.pending_size = 0
            self._arm(self.hub.loop.time() + LINGER_SECONDS)
            self.transport.resume_reading()
            return
        self._close()

    def _close(self) -> None:
        if self.closed:
            return
        self.closed = True
        self._disarm()
        self._release()
        self._discard()
        self.conn.closing = True
        transport = self.transport
        if transport.get_write_buffer_size():
            self.hub.hang_up(transport)
        transport.close()

    def _cut(self) -> None:
        """Too slow, or gone quiet: no answer, the connection goes."""
        if not self.lingering:
            self.sharing.refused += 1
            log.info("a transfer of a file with %s was cut off: too slow", self.conn.ip)
        self.closed = True
        self._release()
        self._discard()
        self.conn.closing = True
        self.transport.abort()

    def lost(self) -> None:
        """The connection is gone (whatever the state)."""
        self.closed = True
        self._disarm()
        self._release()
        self._discard()

    def _release(self) -> None:
        """Out of the counts of uploads under way."""
        if not self.counted:
            return
        self.counted = False
        sharing = self.sharing
        source = party(self.conn.ip)
        sharing.total -= 1
        sharing.per_address[source] -= 1
        if sharing.per_address[source] <= 0:
            del sharing.per_address[source]
        if self.account is not None and self.plan is not None:
            key = fold(self.account)
            sharing.promised[key] -= self.plan.length
            sharing.promised_files[key] -= 1
            if sharing.promised[key] <= 0:
                del sharing.promised[key]
            if sharing.promised_files[key] <= 0:
                del sharing.promised_files[key]

    def _discard(self) -> None:
        """Close and remove the temporary file, unless a job still uses it (then its end
        does this)."""
        if self.busy:
            return
        if self.fd >= 0:
            os.close(self.fd)
            self.fd = -1
        if self.temp is not None:
            self.temp.unlink(missing_ok=True)
            self.temp = None

    # -- timing ----------------------------------------------------------------

    def _arm(self, when: float) -> None:
        self._disarm()
        self.timer = self.hub.loop.call_at(when, self._check_time)

    def _disarm(self) -> None:
        if self.timer is not None:
            self.timer.cancel()
            self.timer = None

    def _check_time(self) -> None:
        """The body's (or a download's) time is up, or its idle time: cut it off."""
        self.timer = None
        if self.closed:
            return
        now = self.hub.loop.time()
        if self.lingering:
            self._close()
            return
        idle_end = self.last + self.limits.upload_idle_timeout
        if self.busy:  # the disk is the slow one: the client is not to blame
            idle_end = now + self.limits.upload_idle_timeout
        if now >= self.deadline or now >= idle_end:
            self._cut()
        else:
            self._arm(min(self.deadline, idle_end))

    def _time_for(self, size: int) -> None:
        """The deadline for moving `size` bytes at upload_min_rate, after the grace."""
        now = self.hub.loop.time()
        limits = self.limits
        self.last = now
        self.deadline = now + limits.handshake_timeout + size / max(1, limits.upload_min_rate)
        self._arm(min(self.deadline, now + limits.upload_idle_timeout))

    # -- uploads -----------------------------------------------------------------

    def _upload(self, rest: bytes) -> None:
        limits, sharing = self.limits, self.sharing
        planned = upload.plan(self.request, limits.upload_max_bytes)
        if isinstance(planned, http.Response):
            self._refuse(planned)
            return
        self.plan = planned
        source = party(self.conn.ip)
        if sharing.per_address[source] >= limits.uploads_per_address:
            self._refuse(http.error(429, (("Retry-After", "10"),)))
            return
        if sharing.total >= limits.uploads_at_once:
            self._refuse(http.error(503, (("Retry-After", "10"),)))
            return
        key = fold(planned.account)
        now = self.hub.loop.time()
        if sharing.started.blocked(key, now, limits.uploads_per_minute):
            self._refuse(http.error(429, (("Retry-After", "60"),)))
            return
        if not self._room(planned.length):
            self._refuse(http.error(507))
            return
        self.pending = [rest] if rest else []
        self.pending_size = len(rest)
        self.transport.pause_reading()  # not a byte more before the password is right
        self.counted = True
        sharing.total += 1
        sharing.per_address[source] += 1
        if not check_account_password(
            self.hub.core, planned.account, planned.password, self.conn.ip, self._checked
        ):
            self._refuse(http.error(429, (("Retry-After", "60"),)))

    def _refuse(self, response: http.Response) -> None:
        self.sharing.refused += 1
        self._answer(response)

    def _room(self, size: int) -> bool:
        """Whether the disk keeps its floor free with `size` more bytes on it."""
        directory = self.store.directory
        if directory is None:
            return False
        try:
            free = shutil.disk_usage(directory).free
        except OSError:
            return False
        return free - size >= self.limits.upload_disk_floor_bytes

    def _checked(self, account: str | None) -> None:
        """The password's verdict; then the quota, then the body is read."""
        plan = self.plan
        if self.closed or plan is None:
            return
        if account is None:
            self._refuse(upload.unauthorized())
            return
        limits, sharing = self.limits, self.sharing
        key = fold(account)
        try:
            files, used = self.store.usage(account)
        except Exception as exc:
            log.warning("cannot read the uploads of %s: %s", account, exc)
            self._refuse(http.error(503))
            return
        if files + sharing.promised_files[key] >= limits.upload_max_files:
            self._refuse(upload.refusal(413, "Too many files: delete some first"))
            return
        if used + sharing.promised[key] + plan.length > limits.upload_quota_bytes:
            self._refuse(upload.refusal(413, "Over your quota: delete some files first"))
            return
        self.account = account
        sharing.promised[key] += plan.length
        sharing.promised_files[key] += 1
        sharing.started.fail(key, self.hub.loop.time())
        temp_dir = self.store.temp_dir()
        assert temp_dir is not None
        self.temp = temp_dir / new_id()
        try:
            self.fd = os.open(self.temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except OSError as exc:
            self.temp = None
            self._refuse(http.error(507 if exc.errno in FULL else 500))
            return
        if plan.expect_continue:
            self.transport.write(b"HTTP/1.1 100 Continue\r\n\r\n")
        self.receiving = True
        self._time_for(plan.length)
        pending, self.pending, self.pending_size = self.pending, [], 0
        for piece in pending:
            self.data(piece)
        if not self.closed and not self.busy:
            self.transport.resume_reading()

    def data(self, data: bytes) -> None:
        """Bytes of the body (or, lingering, bytes to drop)."""
        if self.closed:
            return
        if self.lingering:
            self.expected -= len(data)
            if self.expected <= 0:
                self._close()
            return
        plan = self.plan
        if not self.receiving or plan is None:
            if plan is not None:  # before the password is checked: kept, reading paused
                self.pending.append(data)
                self.pending_size += len(data)
            return
        room = plan.length - self.received
        data = data[:room]  # one request per connection: anything after it is dropped
        self.received += len(data)
        self.last = self.hub.loop.time()
        if self.failed is None:
            if len(self.first) < upload.SNIFF_BYTES:
                self.first += data[: upload.SNIFF_BYTES - len(self.first)]
            self.pending.append(data)
            self.pending_size += len(data)
        if self.received >= plan.length or self.pending_size >= PIECE:
            self._flush()

    def _flush(self) -> None:
        """The pieces read so far to the worker, reading paused until they are on disk."""
        plan = self.plan
        if self.busy or plan is None:
            return
        if self.failed is not None:
            if self.received >= plan.length:
                self._answer(self.failed)
            return
        if not self.pending:
            if self.received >= plan.length:
                self._finish()
            return
        data = b"".join(self.pending)
        self.pending, self.pending_size = [], 0
        self.busy = True
        self.transport.pause_reading()
        self.disk.submit(
            partial(guarded, partial(_write, self.fd, data, self.digest)), self._written
        )

    def _written(self, result: object) -> None:
        self.busy = False
        self.last = self.hub.loop.time()
        if self.closed:
            self._discard()
            return
        if isinstance(result, Failed):
            self._disk_failed(result.error)
            return
        plan = self.plan
        assert plan is not None
        if self.received >= plan.length or self.pending_size >= PIECE:
            self._flush()
        if not self.busy and not self.closed:
            self.transport.resume_reading()

    def _disk_failed(self, error: BaseException) -> None:
        """A write failed (a full disk, most likely): nothing is kept; the rest of the
        body is read and dropped, then the client hears why."""
        full = isinstance(error, OSError) and error.errno in FULL
        if not full:
            log.error("an upload could not be written: %s", error)
        self._discard()
        self.pending.clear()
        self.pending_size = 0
        self.failed = http.error(507 if full else 500)
        self._flush()
        if not self.closed:
            self.transport.resume_reading()

    def _finish(self) -> None:
        """All of the body is on disk: synced, moved into place, and its row added."""
        plan, account = self.plan, self.account
        assert plan is not None and account is not None and self.temp is not None
        kind = upload.stored_type(plan.content_type, self.first)
        row = Upload(new_id(), account, plan.filename, kind, plan.length,
                     self.hub.core.clock.now(), self.digest.hexdigest())  # fmt: skip
        fd, temp = self.fd, self.temp
        self.fd, self.temp = -1, None
        self.busy = True
        self.transport.pause_reading()
        self.disk.submit(
            partial(guarded, partial(_keep, self.store, row, fd, temp)),
            partial(self._kept, row, temp),
        )

    def _kept(self, row: Upload, temp: Path, result: object) -> None:
        self.busy = False
        if isinstance(result, Failed) or result is not True:
            temp.unlink(missing_ok=True)
            if isinstance(result, Failed):
                error = result.error
                full = isinstance(error, OSError) and error.errno in FULL
                if not full:
                    log.error("an upload could not be kept: %s", error)
                status = 507 if full else 500
            else:
                status = 403  # the account was deleted meanwhile
            if not self.closed:
                self._refuse(http.error(status))
            return
        self.sharing.uploads += 1
        log.info("%s shared %s (%d bytes, %s)", row.account, row.id, row.size, row.content_type)
        if not self.closed:
            web = self.hub.config.web
            self._answer(upload.created(self.request, self.conn.tls, web.allowed_origins, row))

    # -- downloads and deletions --------------------------------------------------

    def _download(self, file_id: str, head_only: bool) -> None:
        found = self.store.get(file_id)
        path = self.store.path(file_id)
        if found is None or path is None:
            self._answer(http.error(404))
            return
        cors = upload.cors(self.request, self.conn.tls, self.hub.config.web.allowed_origins)
        match = http.header(self.request, b"if-none-match")
        if match is not None and upload.etag(found) in match:
            self._send(upload.not_modified(found, cors))
            self._close()
            return
        part = upload.byte_range(http.header(self.request, b"range"), found.size)
        if part is False:
            self._send(upload.unsatisfiable(found, cors))
            self._close()
            return
        try:
            self.fd = os.open(path, os.O_RDONLY)
            if isinstance(part, tuple):
                os.lseek(self.fd, part[0], os.SEEK_SET)
        except OSError:
            self._answer(http.error(404))
            return
        if not isinstance(part, tuple):
            part = None
        self._send(upload.file_head(found, cors, part))
        self.left = found.size if part is None else part[1] - part[0] + 1
        if head_only or self.left == 0:
            self._close()
            return
        self._time_for(self.left)
        self._next_piece()

    def _send(self, data: bytes) -> None:
        self.transport.write(data)

    def _next_piece(self) -> None:
        """Read the next piece once the client has taken the last."""
        if self.busy or self.closed or self.conn.writing_paused:
            return
        self.busy = True
        size = min(PIECE, self.left)
        self.disk.submit(partial(guarded, partial(_read, self.fd, size)), self._piece)

    def _piece(self, result: object) -> None:
        self.busy = False
        if self.closed:
            self._discard()
            return
        if not isinstance(result, bytes) or not result:
            self._cut()  # the file went or could not be read: the length cannot be kept
            return
        self.last = self.hub.loop.time()
        self.left -= len(result)
        self._send(result)
        if self.left <= 0:
            self._close()
        else:
            self._next_piece()

    def writable(self) -> None:
        """The client has taken what was written: the next piece of a download."""
        if self.left > 0:
            self._next_piece()

    def _delete(self, file_id: str) -> None:
        """DELETE by the file's owner, with the account's password."""
        login = upload.credentials(self.request)
        if login is None:
            self._answer(upload.unauthorized())
            return
        if self.store.get(file_id) is None:  # no file: no password check spent on it
            self._answer(http.error(404))
            return
        started = check_account_password(
            self.hub.core, login[0], login[1], self.conn.ip, partial(self._delete_as, file_id)
        )
        if not started:
            self._answer(http.error(429, (("Retry-After", "60"),)))

    def _delete_as(self, file_id: str, account: str | None) -> None:
        if self.closed:
            return
        if account is None:
            self._answer(upload.unauthorized())
            return
        found = self.store.get(file_id)
        if found is None or fold(found.account) != fold(account):
            self._answer(http.error(404))  # someone else's: as if it were not there
        else:
            self.store.delete(file_id)
            log.info("%s deleted the file %s", account, file_id)
            self._answer(http.Response(204))


def _keep(store: UploadStore, row: Upload, fd: int, temp: Path) -> bool:
    """On the worker: the file synced and closed, moved into place, its row added."""
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    return store.keep(row, temp)
