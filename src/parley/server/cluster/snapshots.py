"""Snapshots of a node's database in the cluster, so that a node catches up without the
whole stream.

Now and then (`snapshot_every`) one node copies its SQLite database as of a stream
sequence it has applied, and puts it, compressed, in the object store bucket
`parley_snapshots` (one object a node, the newest of them is the one used). A node
that starts without a database fetches the newest before its stores open, and reads
the stream from that sequence on. The stream keeps `keep_days` of records, so a node
away longer than that cannot catch up from its own database: it refuses to start and
says how to restore instead (its database holds rows no snapshot has: the files
shared through it and the Web Push subscriptions it took, which are lost then).

A snapshot leaves out those node-local rows: another node could serve neither.
"""

from __future__ import annotations

import asyncio
import contextlib
import gzip
import json
import logging
import os
import random
import shutil
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from parley.server.cluster.link import NICKS, SEQ_FILE, STREAM
from parley.server.store.files import FILE_MODE, new_private_file, private_dir
from parley.server.store.schema import DB_NAME, VERSION, StoreError
from parley.server.store.schema import check as check_database

if TYPE_CHECKING:
    from parley.server.cluster.link import Link
    from parley.server.config import Cluster, Config
    from parley.server.store.sqlite_history import SqliteHistory

log = logging.getLogger("parley.cluster")

BUCKET = "parley_snapshots"
OBJECT = "db."  # + the node's name: each node's newest snapshot
REQUEST = "parley.snapshot"  # .<node>: take one now; the answer says its sequence
LOCAL_TABLES = ("uploads", "push_subscriptions")  # this node's own: not in a snapshot
SEQ, SCHEMA, NODE, TAKEN = "Parley-Seq", "Parley-Schema", "Parley-Node", "Parley-Taken"
CHUNK = 512 * 1024  # bytes an object store message (NATS allows 1 MiB)
FLUSH_TIMEOUT = 60.0  # seconds the history writer may take to commit what it holds
TRANSFER_TIMEOUT = 1800.0  # seconds an upload or download may take
CONNECT_TIMEOUT = 5.0
PATIENCE = 60.0  # seconds a starting node tries to read the snapshots (NATS just started)
FIRST_CHECK = 60.0  # at most this many seconds after start, a node checks the snapshots
PARTS = ("snapshot.db.part", "snapshot.gz.part", f"{DB_NAME}.restoring")  # in the data dir


class SnapshotError(StoreError):
    """A snapshot cannot be taken or used, or the node must not start on what it has."""


@dataclass(frozen=True, slots=True)
class Found:
    """A snapshot in the bucket, as its metadata describes it."""

    name: str
    node: str
    seq: int  # the stream sequence it holds every record up to
    schema: int  # its database's PRAGMA user_version
    taken: float  # time.time() when it was copied


def found(info: Any) -> Found | None:
    """An object's snapshot metadata (ObjectInfo), or None if it has none."""
    headers = getattr(info, "headers", None) or {}

    def one(key: str) -> str:
        value = headers.get(key)
        return str(value[0] if isinstance(value, list) and value else value)

    try:
        return Found(info.name, one(NODE), int(one(SEQ)), int(one(SCHEMA)), float(one(TAKEN)))
    except (TypeError, ValueError):
        return None


def newest(infos: list[Any]) -> Found | None:
    """The snapshot that holds the most of the stream (the latest taken, of equals)."""
    snapshots = [f for f in map(found, infos) if f is not None]
    return max(snapshots, key=lambda f: (f.seq, f.taken), default=None)


# -- at start, before the stores open (sans-IO: what to do) --------------------------


def plan(has_db: bool, applied: int, first: int, last: int, snapshot: Found | None) -> bool:
    """Whether to restore `snapshot` before starting; SnapshotError if the node must not
    start. `applied` is the node's cluster-seq, `first`..`last` what the stream holds
    (0, 0: no stream, or an empty new one)."""
    if has_db:
        if applied > last or applied + 1 >= first:
            return False  # the stream goes on from where the node stopped (or it is new)
        usable = snapshot is not None and snapshot.seq + 1 >= first
        raise SnapshotError(
            f"this node's database is behind the cluster: it applied the stream up to"
            f" {applied}, and the stream now begins at {first} (the records between are"
            " older than keep_days). Move the database away (parley.db and the -wal and"
            " -shm files beside it, and cluster-seq) and start again: the node then"
            + (
                " restores the cluster's newest snapshot. Files shared through this node"
                " and the Web Push subscriptions it took are lost with it."
                if usable
                else " restores the cluster's newest snapshot, once a running node has"
                " taken one (each does every snapshot_every seconds)."
            )
        )
    if snapshot is None:
        if first > 1:
            raise SnapshotError(
                f"the cluster's stream begins at {first} (older records are gone) and"
                " there is no snapshot to start from: start again once a running node"
                " has taken one (each does within a minute of starting, then every"
                " snapshot_every seconds)"
            )
        return False  # a young cluster: the stream holds all of it
    if snapshot.schema > VERSION:
        raise SnapshotError(
            f"the cluster's snapshot (from {snapshot.node}) was written by a newer Parley"
            f" (schema {snapshot.schema}; this one knows up to {VERSION}): upgrade Parley"
            " on this node"
        )
    if snapshot.seq + 1 < first:
        raise SnapshotError(
            f"the cluster's newest snapshot (from {snapshot.node}, up to {snapshot.seq})"
            f" is older than the stream's first record ({first}): start again once a"
            " running node has taken a new one (each does within a minute of starting)"
        )
    return True


# -- at start: fetching and installing --------------------------------------------------


def replicas(settings: Cluster) -> int:
    """Copies of the bucket: as many as of the stream (link.py)."""
    return settings.replicas or (3 if len(settings.servers) >= 3 else 1)


async def prepare(config: Config) -> Found | None:
    """Before the stores open: restore the newest snapshot into a node without a database
    (and check that one with a database can catch up); the snapshot restored, if any."""
    import nats

    data_dir = Path(config.data_dir)
    private_dir(data_dir)
    db = data_dir / DB_NAME
    for part in PARTS:  # what a start cut short left
        (data_dir / part).unlink(missing_ok=True)
    has_db = db.is_file() and db.stat().st_size > 0
    if not has_db:  # (what it applied went with the database)
        (data_dir / SEQ_FILE).unlink(missing_ok=True)
    servers = list(config.cluster.servers)
    try:
        nc = await nats.connect(
            servers=servers, connect_timeout=CONNECT_TIMEOUT, max_reconnect_attempts=3,
            reconnect_time_wait=0.5, allow_reconnect=True,
        )  # fmt: skip
    except Exception as exc:
        raise SnapshotError(f"cannot reach the cluster at {','.join(servers)}: {exc}") from None
    deadline = time.monotonic() + PATIENCE
    delay = 0.5
    try:
        while True:
            try:
                return await _restore(nc.jetstream(timeout=10), data_dir, has_db)
            except SnapshotError:
                raise
            except Exception as exc:  # (NATS electing leaders, a download cut short)
                if time.monotonic() + delay > deadline:
                    raise SnapshotError(
                        f"the cluster's snapshots could not be read: {exc!r}"
                    ) from None
                log.warning("cluster: reading the snapshots failed (%r); trying again", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 5.0)
    finally:
        with contextlib.suppress(Exception):
            await nc.close()


async def _restore(js: Any, data_dir: Path, has_db: bool) -> Found | None:
    """The newest snapshot, fetched and installed when `plan` says so."""
    await _answers(js, f"KV_{NICKS}")  # (after a restart of NATS: its leader is elected)
    first, last = await _bounds(js)
    store = await _bucket(js)
    snapshot = newest(await _list(store)) if store is not None else None
    if not plan(has_db, _read_seq(data_dir), first, last, snapshot):
        return None
    assert snapshot is not None and store is not None
    log.info("cluster: restoring %s's snapshot (up to %d)", snapshot.node, snapshot.seq)
    packed = data_dir / PARTS[1]
    try:
        with _private_open(packed) as out:
            await asyncio.wait_for(store.get(snapshot.name, writeinto=out), TRANSFER_TIMEOUT)
        await asyncio.to_thread(install, packed, data_dir, snapshot.seq)
    finally:
        packed.unlink(missing_ok=True)
    print(f"parley: restored the snapshot of {snapshot.node} (stream up to"
          f" {snapshot.seq}); reading the stream from there", flush=True)  # fmt: skip
    return snapshot


def install(packed: Path, data_dir: Path, seq: int) -> None:
    """(A worker thread.) Unpack a snapshot into the data dir's database, checked, 0600,
    and note the stream sequence it holds."""
    db = data_dir / DB_NAME
    part = data_dir / PARTS[2]
    try:
        with gzip.open(packed, "rb") as source, _private_open(part) as out:
            shutil.copyfileobj(source, out, CHUNK)
            out.flush()
            os.fsync(out.fileno())
        try:
            check_database(part)
        except StoreError:
            raise SnapshotError(
                "the cluster's snapshot is damaged (PRAGMA quick_check): nothing was replaced;"
                " have a running node take a new one (parley.snapshot.<node>) and start again"
            ) from None
        with contextlib.closing(sqlite3.connect(part)) as copy:
            (schema,) = copy.execute("PRAGMA user_version").fetchone()
        if schema > VERSION:
            raise SnapshotError(f"the snapshot's schema is {schema}; this Parley knows {VERSION}")
        for suffix in ("-wal", "-shm", "-journal"):  # a wiped database's leftovers
            Path(f"{db}{suffix}").unlink(missing_ok=True)
        os.replace(part, db)
    except (OSError, EOFError, gzip.BadGzipFile, sqlite3.Error) as exc:
        raise SnapshotError(f"the cluster's snapshot could not be restored: {exc}") from None
    finally:
        part.unlink(missing_ok=True)
    write_seq(data_dir, seq)


def write_seq(data_dir: Path, seq: int) -> None:
    """cluster-seq, 0600, replaced at once."""
    path = data_dir / SEQ_FILE
    part = path.with_name(SEQ_FILE + ".part")
    part.unlink(missing_ok=True)
    with _private_open(part) as out:
        out.write(f"{seq}\n".encode())
    os.replace(part, path)


def _read_seq(data_dir: Path) -> int:
    try:
        return int((data_dir / SEQ_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def _private_open(path: Path) -> Any:
    """`path` created 0600 (truncated if there), for writing bytes."""
    return os.fdopen(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, FILE_MODE), "wb")


async def _answers(js: Any, stream: str) -> None:
    """Wait for nothing but `stream`'s answer (a missing stream answers too)."""
    from nats.js.errors import NotFoundError

    with contextlib.suppress(NotFoundError):
        await js.stream_info(stream)


async def _bounds(js: Any) -> tuple[int, int]:
    """The stream's first and last sequences (0, 0 when there is no stream yet)."""
    from nats.js.errors import NotFoundError

    try:
        state = (await js.stream_info(STREAM)).state
    except NotFoundError:
        return 0, 0
    return int(state.first_seq), int(state.last_seq)


async def _bucket(js: Any, create: int = 0) -> Any:
    """The snapshots' bucket; made with `create` replicas if missing, else None then."""
    from nats.js.api import ObjectStoreConfig, StorageType
    from nats.js.errors import BucketNotFoundError

    try:
        return await js.object_store(BUCKET)
    except BucketNotFoundError:
        if not create:
            return None
    config = ObjectStoreConfig(
        description="Parley: database snapshots", storage=StorageType.FILE, replicas=create
    )
    return await js.create_object_store(BUCKET, config=config)


async def _list(store: Any) -> list[Any]:
    from nats.js.errors import NotFoundError

    try:
        return [i for i in await store.list(ignore_deletes=True) if not i.deleted]
    except NotFoundError:  # (an empty bucket)
        return []


async def retain(js: Any, days: float) -> None:
    """The stream keeps `days` of records: its max age, set again when the setting has
    changed (a failure is only logged: the snapshots' next round tries again)."""
    try:
        config = (await js.stream_info(STREAM)).config
        if config.max_age is not None and abs(config.max_age - days * 86400) < 1:
            return
        config.max_age = days * 86400
        await js.update_stream(config)
        log.info("cluster: the stream now keeps %g days of records", days)
    except Exception as exc:
        log.warning("cluster: the stream's max age could not be set now (%r)", exc)


# -- taking them ------------------------------------------------------------------------


def copy_database(db: Path, data_dir: Path) -> tuple[Path, int]:
    """(A worker thread.) A consistent, compressed copy of the database without this
    node's own rows, in the data dir (0600); the copy's path and its schema version."""
    raw, packed = data_dir / PARTS[0], data_dir / PARTS[1]
    for path in (raw, packed):
        path.unlink(missing_ok=True)
    try:
        new_private_file(raw)  # (VACUUM INTO fills an empty file, keeping its mode)
        with contextlib.closing(sqlite3.connect(db, isolation_level=None)) as source:
            source.execute("PRAGMA busy_timeout=5000")
            source.execute("VACUUM INTO ?", (str(raw),))
        with contextlib.closing(sqlite3.connect(raw, isolation_level=None)) as copy:
            copy.execute("PRAGMA journal_mode=DELETE")
            copy.execute("PRAGMA secure_delete=ON")  # what goes leaves no trace in the file
            tables = {r[0] for r in copy.execute("SELECT name FROM sqlite_master")}
            for table in LOCAL_TABLES:
                if table in tables:
                    copy.execute(f"DELETE FROM {table}")
            (schema,) = copy.execute("PRAGMA user_version").fetchone()
        with (
            raw.open("rb") as source_file,
            _private_open(packed) as out,
            gzip.GzipFile(fileobj=out, mode="wb", compresslevel=6) as zipped,
        ):
            shutil.copyfileobj(source_file, zipped, CHUNK)
    except BaseException:
        packed.unlink(missing_ok=True)
        raise
    finally:
        raw.unlink(missing_ok=True)
    return packed, int(schema)


class Snapshots:
    """A running node's part: takes a snapshot when the newest one is old (or on request
    over `parley.snapshot.<node>`), and keeps the stream to `keep_days`."""

    def __init__(self, link: Link, history: SqliteHistory, data_dir: Path) -> None:
        self.link = link
        self.history = history
        self.data_dir = Path(data_dir)
        self.settings = link.settings
        self.node = link.node
        self.lock = asyncio.Lock()
        self.task: asyncio.Task[None] | None = None
        self.taking: set[asyncio.Task[Any]] = set()  # takes under way (ended by a stop)
        self.taken = 0  # snapshots this node has put
        self.last_seq = -1  # the sequence of the last one

    async def start(self) -> None:
        assert self.link.nc is not None
        await self.link.nc.subscribe(f"{REQUEST}.{self.node}", cb=self._on_request)
        self.task = asyncio.get_running_loop().create_task(self._every())

    async def close(self) -> None:
        """Stop taking snapshots: one under way is given up (the next start cleans up)."""
        tasks = [t for t in (self.task, *self.taking) if t is not None]
        for task in tasks:
            task.cancel()
        for task in tasks:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task

    async def _every(self) -> None:
        every = self.settings.snapshot_every
        await asyncio.sleep(random.uniform(0.2, 1.0) * min(every, FIRST_CHECK))
        while True:
            try:
                assert self.link.nc is not None
                await retain(self.link.nc.jetstream(timeout=10), self.settings.keep_days)
                if await self.due():
                    await self.take()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                log.warning("cluster: no snapshot this time (%s)", exc)
            await asyncio.sleep(every * random.uniform(0.9, 1.1))  # (not all nodes at once)

    async def due(self) -> bool:
        """Whether the newest snapshot is missing, old, or behind the stream's start."""
        assert self.link.nc is not None
        js = self.link.nc.jetstream(timeout=10)
        store = await _bucket(js)
        latest = newest(await _list(store)) if store is not None else None
        if latest is None:
            return True
        if latest.seq >= self.link.applied:
            return False  # nothing new since
        first, _ = await _bounds(js)
        old = time.time() - latest.taken >= self.settings.snapshot_every * 0.9
        return old or latest.seq + 1 < first

    async def take(self) -> int:
        """Copy the database as of the sequence applied, put it in the bucket; its sequence."""
        task = asyncio.current_task()
        if task is not None:
            self.taking.add(task)
        try:
            return await self._take()
        finally:
            if task is not None:
                self.taking.discard(task)

    async def _take(self) -> int:
        async with self.lock:
            link = self.link
            if not link.live or link.nc is None or link.down() is not None:
                raise SnapshotError("this node is not live in the cluster")
            # Every record up to `seq` is applied: stores written, history lines queued.
            # Once the writer has committed the queue, the copy holds all of them.
            seq = link.applied
            if not await asyncio.to_thread(self.history.flush, FLUSH_TIMEOUT):
                raise SnapshotError("the history writer did not commit its queue in time")
            if self.history.status().state == "failing":
                raise SnapshotError("history cannot be written to the disk")
            db = self.data_dir / DB_NAME
            packed, schema = await asyncio.to_thread(copy_database, db, self.data_dir)
            try:
                await asyncio.wait_for(self._put(packed, seq, schema), TRANSFER_TIMEOUT)
            finally:
                packed.unlink(missing_ok=True)
            self.taken += 1
            self.last_seq = seq
            log.info("cluster: snapshot taken (stream up to %d, schema %d)", seq, schema)
            return seq

    async def _put(self, packed: Path, seq: int, schema: int) -> None:
        from nats.js.api import ObjectMeta, ObjectMetaOptions

        assert self.link.nc is not None
        js = self.link.nc.jetstream(timeout=10)
        store = await _bucket(js, create=replicas(self.settings))
        headers = {SEQ: [str(seq)], SCHEMA: [str(schema)], NODE: [self.node],
                   TAKEN: [repr(time.time())]}  # fmt: skip
        meta = ObjectMeta(
            name=OBJECT + self.node,
            description=f"Parley database of {self.node}, stream up to {seq}",
            headers=headers,
            options=ObjectMetaOptions(max_chunk_size=CHUNK),
        )
        with packed.open("rb") as source:
            await store.put(OBJECT + self.node, source, meta=meta)
        for info in await _list(store):  # older ones are never used again
            other = found(info)
            if other is not None and other.name != OBJECT + self.node and other.seq < seq:
                with contextlib.suppress(Exception):
                    await store.delete(other.name)

    async def _on_request(self, msg: Any) -> None:
        try:
            answer: dict[str, Any] = {"seq": await self.take()}
        except Exception as exc:
            answer = {"error": str(exc)}
        with contextlib.suppress(Exception):
            await msg.respond(json.dumps(answer).encode())
