"""A node's link to the cluster over NATS: what it does goes to its peers, theirs to it.

One JetStream stream, `PARLEY`, holds every node's batches in one order
(`parley.log.<node>`): the events it applied (their lines' stamps with them)
and its store writes. Each node reads the stream from where it stopped; store
writes are applied from any point, events only once the node is live (older
ones describe users long gone). Nicks are claimed in the `parley_nicks`
bucket with an atomic create. Heartbeats, goodbyes and snapshots go over
plain NATS subjects. docs/cluster.md tells the whole of it.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
import secrets
import socket
import time
from collections import deque
from collections.abc import Callable, Coroutine
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from parley.irc.casemap import fold
from parley.server.cluster import codec
from parley.server.cluster.remote import RELAYED, Peers, Snapshot, event_record
from parley.server.core import events as ev
from parley.server.core.cluster import Claim, ClusterStatus

if TYPE_CHECKING:
    import nats.aio.client
    import nats.aio.msg
    import nats.js.kv

    from parley.server.config import Config
    from parley.server.core.client import Client
    from parley.server.core.outgoing import Outgoing
    from parley.server.core.server import Server

log = logging.getLogger("parley.cluster")
T = TypeVar("T")

STREAM = "PARLEY"
LOG = "parley.log"  # .<node>: one stream message per batch
NICKS = "parley_nicks"  # bucket: hex of the folded nick -> who holds it
HEARTBEAT = "parley.hb"  # .<node>: plain NATS, once per `heartbeat` seconds
BYE = "parley.bye"  # a node stopping: its users quit at once
SYNC = "parley.sync"  # .<origin>: a snapshot of that node's own users, on request
TAKEOVER = "parley.takeover"  # .<origin>: hand over a kept always-on user
MAX_BATCH = 512 * 1024  # bytes of records in one stream message (NATS allows 1 MiB)
SNAPSHOT_USERS = 2000  # users per snapshot reply
CLAIM_TIMEOUT = 10.0  # seconds a claim may take before the nick is "temporarily unavailable"
PUBLISH_TIMEOUT = 2.0
SEQ_FILE = "cluster-seq"  # the last stream sequence applied, in the data dir


def default_node_name() -> str:
    """This machine's host name, as a node name (letters, digits, '-', '_')."""
    return re.sub(r"[^A-Za-z0-9_-]", "-", socket.gethostname())[:32] or "node"


def nick_key(nick: str) -> str:
    """A nick's key in the bucket: any folded nick, in the characters keys allow."""
    return "n" + fold(nick).encode().hex()


def account_key(name: str) -> str:
    """An account's key in the same bucket: claimed once, for the account's life."""
    return "a" + fold(name).encode().hex()


@dataclass
class Origin:
    """One run of a peer node, as heard: alive while its heartbeats come."""

    heard: float
    synced: bool = False
    asked: bool = False
    waiting: list[tuple[int, list[Any]]] = field(default_factory=list)  # before its snapshot


class Link:
    """The node's NATS connection, stream, bucket and peers."""

    def __init__(self, config: Config, server: Server, loop: asyncio.AbstractEventLoop) -> None:
        self.settings = config.cluster
        self.node = self.settings.node_name or default_node_name()
        self.origin = f"{self.node}.{secrets.token_hex(4)}"  # this run of this node
        self.server = server
        self.loop = loop
        self.peers = Peers(server, self.origin)
        self.seq_file = Path(config.data_dir) / SEQ_FILE
        self.apply_record: Callable[[str, str, tuple[Any, ...]], object] | None = None
        # While a peer's events are applied, the store writes they cause are not sent
        # (they are that peer's own, sent by it): the replicated stores' quiet().
        self.quiet: Callable[[], contextlib.AbstractContextManager[None]] = contextlib.nullcontext
        self.origins: dict[str, Origin] = {}
        self.dead: deque[str] = deque(maxlen=1000)  # peers' runs known to have ended
        self.outbox: list[bytes] = []  # encoded records not yet published
        self.wake = asyncio.Event()
        self.batches = 0
        self.applied = 0  # the last stream sequence applied
        self.tip = 0  # the stream's last sequence when this node started
        self.live = False
        self.caught_up = asyncio.Event()
        self.cut_since: float | None = None
        self.stopping = False
        self.locks: dict[str, asyncio.Lock] = {}  # per nick key: claims and releases in turn
        self.fresh: set[str] = set()  # nicks claimed for a NICK not yet applied
        self.racing: dict[str, asyncio.Future[tuple[str, Claim]]] = {}  # claims under way
        self.tasks: set[asyncio.Task[Any]] = set()
        self.releasing = 0  # releases under way: a stopping node waits for them
        self.published = 0  # batches acknowledged by the stream
        self.acked = 0  # the stream sequence of this node's last acknowledged batch
        self.sending = False  # a batch is being published
        self.received = 0  # peers' batches applied
        self.stream_last = 0  # the stream's last sequence, as last asked (for the lag)
        self.measuring = False
        self.nc: nats.aio.client.Client | None = None
        self.kv: nats.js.kv.KeyValue | None = None

    # -- what the core asks (core/cluster.py) ------------------------------------

    def is_remote(self, client: Client) -> bool:
        return client in self.peers.owner

    def fading(self, client: Client) -> bool:
        owner = self.peers.owner.get(client)
        if owner is None:
            return False
        peer = self.origins.get(owner)
        return peer is None or time.monotonic() - peer.heard > 2 * self.settings.heartbeat

    def down(self) -> str | None:
        if self.cut_since is not None:
            return "this server lost its link to the cluster"
        return None

    def status(self) -> ClusterStatus:
        return ClusterStatus(
            node=self.node,
            peers=tuple(sorted({o.rpartition(".")[0] for o in self.origins})),
            connected=self.nc is not None and self.nc.is_connected,
            lag=max(0, self.stream_last - self.applied),
            published=self.published,
            received=self.received,
            dropped=self.peers.dropped,
        )

    def claim(self, nick: str, uid: str) -> Claim:
        """(A worker thread.) Claim `nick` on the loop and wait for the answer."""
        return self._wait(self._claim_settled(nick, uid), CLAIM_TIMEOUT, Claim.UNAVAILABLE)

    async def _claim_settled(self, nick: str, uid: str) -> Claim:
        """A claim; once ours, also the end of a user of a quiet node still shown here
        under the nick (its node is being found dead: that takes a heartbeat or two)."""
        claim = await self._claim(nick, uid)
        deadline = time.monotonic() + self.settings.dead_after + 2 * self.settings.heartbeat
        while claim is Claim.OURS and time.monotonic() < deadline:
            holder = self.server.state.client(nick)
            if holder is None or not self.fading(holder):
                break
            await asyncio.sleep(0.1)
        return claim

    def claim_account(self, name: str) -> Claim:
        """(A worker thread.) Claim an account's name on the loop and wait for the answer."""
        claim = self._claim(name, name, key=account_key(name))
        return self._wait(claim, CLAIM_TIMEOUT, Claim.UNAVAILABLE)

    def release(self, nick: str, uid: str) -> None:
        self.loop.call_soon_threadsafe(self._spawn, self._release(nick, uid=uid))

    def take_over(self, nick: str, account: str) -> bool:
        """(A worker thread.) Ask the node keeping `nick` (an always-on user of `account`
        with no device connected) to let it go here; True once it is gone here too."""
        return self._wait(self._take_over(nick, account), CLAIM_TIMEOUT * 2, False)

    def _wait(self, coro: Coroutine[Any, Any, T], timeout: float, failed: T) -> T:
        """(A worker thread.) Run `coro` on the loop and wait for it; `failed` if it raised
        or took longer than `timeout` (then it is cancelled)."""
        future = asyncio.run_coroutine_threadsafe(coro, self.loop)
        try:
            return future.result(timeout)
        except Exception:
            future.cancel()
            return failed

    async def _take_over(self, nick: str, account: str) -> bool:
        client = self.server.state.client(nick)
        owner = self.peers.owner.get(client) if client is not None else None
        if owner is None or self.nc is None:
            return client is None
        reply = await self.nc.request(
            f"{TAKEOVER}.{owner}", codec.dumps([nick, account]), timeout=CLAIM_TIMEOUT
        )
        given, seq = codec.loads(reply.data)
        if not given:
            return False
        while self.applied < int(seq) and self.server.state.client(nick) is client:
            await asyncio.sleep(0.01)  # (until its QUIT, and where it was, are applied here)
        return self.server.state.client(nick) is not client

    async def _on_take_over(self, msg: nats.aio.msg.Msg) -> None:
        """A peer's user logs into an always-on account kept here with no device: it
        quits here (its channels saved, as for any quit) and the peer takes it from the
        stream position this answers with."""
        try:
            nick, account = codec.loads(msg.data)
        except (codec.CodecError, TypeError, ValueError):
            await msg.respond(codec.dumps([False, 0]))
            return
        client = self.server.state.client(str(nick))
        always_on = self.server.always_on
        if (
            client is None or client in self.peers.owner or client.sessions
            or client.account != account or client not in always_on.kept
        ):  # fmt: skip
            await msg.respond(codec.dumps([False, 0]))
            return
        always_on.end(client, "Moved to another server")  # (where it was, and since when)
        await self._release(str(nick), holder=self.origin)
        for _ in range(int(PUBLISH_TIMEOUT * 100)):
            if not self.outbox and not self.sending:
                break
            await asyncio.sleep(0.01)
        await msg.respond(codec.dumps([True, self.acked]))

    # -- what this node does, to its peers ---------------------------------------

    def relay(self, event: ev.Event, out: Outgoing) -> None:
        """State.relay: a local event (and its line's stamp) for the stream."""
        if self.peers.applying or type(event) not in RELAYED:
            return
        record = codec.dumps(event_record(self.server.state, event, out))
        if type(event) is ev.Quit:
            self._spawn(self._release(event.nick, holder=self.origin))
        elif type(event) is ev.NickChanged and fold(event.old) != fold(event.new):
            self._spawn(self._release(event.old, holder=self.origin))
            key = nick_key(event.new)
            client = self.server.state.client(event.new)
            if key in self.fresh:
                self.fresh.discard(key)  # (NICK claimed it just now)
            elif client is not None:  # a forced rename (a guest nick) claims it now
                self._spawn(self._claim(event.new, client.uid))
        self._add(record)

    def emit(self, store: str, method: str, args: tuple[Any, ...]) -> None:
        """A store write for the peers; from any thread."""
        record = codec.dumps(["d", store, method, args])
        if store == "accounts" and method == "delete" and args:  # the name is free again
            name = str(args[0])
            self.loop.call_soon_threadsafe(
                self._spawn, self._release(name, uid=name, key=account_key(name))
            )
        if self._on_loop():
            self._add(record)
        else:
            self.loop.call_soon_threadsafe(self._add, record)

    def _on_loop(self) -> bool:
        try:
            return asyncio.get_running_loop() is self.loop
        except RuntimeError:
            return False

    def _add(self, record: bytes) -> None:
        self.outbox.append(record)
        self.wake.set()

    async def _publisher(self) -> None:
        """Publish the outbox in order, a batch at a time, each until acknowledged: a
        batch that fails is sent again with the same id, which the stream takes once."""
        assert self.nc is not None
        js = self.nc.jetstream()
        subject = f"{LOG}.{self.node}"
        while True:
            await self.wake.wait()
            self.wake.clear()
            while self.outbox:
                size, count = 0, 0
                for record in self.outbox:
                    if count and size + len(record) > MAX_BATCH:
                        break
                    size, count = size + len(record) + 1, count + 1
                records, self.outbox = self.outbox[:count], self.outbox[count:]
                self.batches += 1
                self.sending = True
                payload = b'{"o":"%s","k":[%s]}' % (self.origin.encode(), b",".join(records))
                headers = {"Nats-Msg-Id": f"{self.origin}.{self.batches}"}
                await self._publish(js, subject, payload, headers)
                self.sending = False

    async def _publish(
        self, js: Any, subject: str, payload: bytes, headers: dict[str, str]
    ) -> None:
        delay = 0.05
        while True:
            try:
                ack = await js.publish(subject, payload, timeout=PUBLISH_TIMEOUT, headers=headers)
                self.published += 1
                self.acked = max(self.acked, ack.seq)
                return
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                if self.stopping and self.nc is not None and self.nc.is_closed:
                    return
                log.warning("publishing to the cluster failed (%s); trying again", exc)
                await asyncio.sleep(delay)
                delay = min(delay * 2, 1.0)

    # -- the stream, from peers --------------------------------------------------

    async def _on_batch(self, msg: nats.aio.msg.Msg) -> None:
        seq = msg.metadata.sequence.stream
        if seq <= self.applied:
            return  # (delivered again: it was applied, and writes made since must stand)
        try:
            origin, records = _batch(msg.data)
        except codec.CodecError as exc:
            log.warning("a batch the stream holds could not be read (seq %d): %s", seq, exc)
            self._applied(seq)
            return
        if origin != self.origin:
            self._take(seq, origin, records)
        self._applied(seq)

    def _applied(self, seq: int) -> None:
        self.applied = seq
        if seq >= self.tip and not self.caught_up.is_set():
            self.caught_up.set()

    def _take(self, seq: int, origin: str, records: list[Any]) -> None:
        # A run known to have ended sent these before it went: its users quit then, and
        # its events must not bring them (or it) back.
        live = seq > self.tip and not self._ended(origin)
        peer = self._origin(origin) if live else None
        if peer is not None and not peer.synced:
            writes = [r for r in records if r[0] == "d"]
            self._apply(origin, writes)  # (store writes need no snapshot)
            peer.waiting.append((seq, [r for r in records if r[0] == "e"]))
            return
        self._apply(origin, records if live else [r for r in records if r[0] == "d"])
        self.received += 1

    def _apply(self, origin: str, records: list[Any]) -> None:
        with self.quiet():
            for record in records:
                try:
                    if record[0] == "e":
                        _, event, stamp, extra = record
                        self.peers.apply(origin, event, tuple(stamp) if stamp else None, extra)
                    elif record[0] == "d" and self.apply_record is not None:
                        _, store, method, args = record
                        self.apply_record(store, method, args)
                except Exception:
                    log.exception("a record from %s could not be applied", origin)

    # -- peers coming and going ----------------------------------------------------

    def _origin(self, origin: str) -> Origin:
        """A peer's run as known here; a new one is asked for its snapshot."""
        peer = self.origins.get(origin)
        if peer is None:
            peer = self.origins[origin] = Origin(heard=time.monotonic())
            node = origin.rpartition(".")[0]
            for other in [o for o in self.origins if o != origin and o.rpartition(".")[0] == node]:
                self._gone(other, f"{node} restarted")  # an older run of the same node
            self._spawn(self._sync_from(origin))
        return peer

    async def _on_heartbeat(self, msg: nats.aio.msg.Msg) -> None:
        origin = msg.data.decode(errors="replace")
        if origin != self.origin and self.live and not self._ended(origin):
            self._origin(origin).heard = time.monotonic()

    def _ended(self, origin: str) -> bool:
        """A peer's run that said goodbye or was found dead."""
        return origin not in self.origins and origin in self.dead

    async def _on_bye(self, msg: nats.aio.msg.Msg) -> None:
        try:
            origin, reason = (str(x) for x in codec.loads(msg.data))
        except (codec.CodecError, TypeError, ValueError):
            return  # (not a goodbye this node can read)
        if origin != self.origin and origin in self.origins:
            self._gone(origin, reason)
        elif origin != self.origin and origin not in self.dead:
            self.dead.append(origin)  # (not heard of yet: what it sent is late)

    def _gone(self, origin: str, reason: str) -> None:
        """A peer's run ended (stopped, died, restarted): its users quit here."""
        self.origins.pop(origin, None)
        self.dead.append(origin)  # (its claims are free to take)
        if self.origin == min((self.origin, *self.origins)):  # one node frees its nicks
            for client in self.peers.users_of(origin):
                self._spawn(self._release(client.nick, holder=origin))
        count = self.peers.node_gone(origin, reason)
        log.info("cluster: %s gone (%s), %d users quit", origin, reason, count)

    async def _watch(self) -> None:
        """Heartbeats out; peers silent too long are gone; cut off too long, clients go."""
        assert self.nc is not None
        beat, dead = self.settings.heartbeat, self.settings.dead_after
        while True:
            if self.nc.is_connected:
                with contextlib.suppress(Exception):
                    await self.nc.publish(f"{HEARTBEAT}.{self.node}", self.origin.encode())
                if not self.measuring:  # (a slow answer while NATS elects delays nothing)
                    self.measuring = True
                    self._spawn(self._measure_lag())
            now = time.monotonic()
            for origin, peer in list(self.origins.items()):
                if now - peer.heard > dead:  # (told to all first: every node acts at once)
                    reason = f"{origin.rpartition('.')[0]} lost"
                    with contextlib.suppress(Exception):
                        await self.nc.publish(BYE, codec.dumps([origin, reason]))
                    self._gone(origin, reason)
            cut = self.cut_since
            if cut is not None and now - cut > self.settings.grace:
                self._drop_clients()
            self._save_seq()
            await asyncio.sleep(beat)

    async def _measure_lag(self) -> None:
        """The stream's last sequence, for how far behind this node is."""
        assert self.nc is not None
        try:
            info = await self.nc.jetstream().stream_info(STREAM)
            self.stream_last = info.state.last_seq
        except Exception:
            pass
        finally:
            self.measuring = False

    def _drop_clients(self) -> None:
        """Cut off past the grace period: clients go, to reach a node that is not."""
        for session in list(self.server.state.sessions.values()):
            self.server.end_session(
                session, "Cut off from the cluster", "Closing link: cut off from the cluster"
            )

    # -- snapshots -------------------------------------------------------------------

    async def _sync_from(self, origin: str) -> None:
        """Ask `origin` for its users, restore them, then apply what it said meanwhile."""
        assert self.nc is not None
        peer = self.origins.get(origin)
        if peer is None or peer.asked:
            return
        peer.asked = True
        inbox = self.nc.new_inbox()
        sub = await self.nc.subscribe(inbox)
        try:
            await self.nc.publish(f"{SYNC}.{origin}", b"", reply=inbox)
            done = False
            while not done:
                msg = await sub.next_msg(timeout=5.0)
                seq, snapshot, more = codec.loads(msg.data)
                self.peers.restore(origin, snapshot)
                done = not more
        except Exception as exc:
            log.warning("cluster: no snapshot from %s (%s)", origin, exc)
            seq = 0
        finally:
            with contextlib.suppress(Exception):
                await sub.unsubscribe()
        peer.synced = True
        for at, records in peer.waiting:
            if at > seq:
                self._apply(origin, records)
        peer.waiting.clear()

    async def _on_sync(self, msg: nats.aio.msg.Msg) -> None:
        snapshot = self.peers.snapshot()
        users, channels = snapshot.users, snapshot.channels
        seq = self.applied  # (its own batches up to here are in the snapshot)
        step = SNAPSHOT_USERS * 2
        pieces = [users[i : i + step] for i in range(0, len(users), step)] or [()]
        for i, piece in enumerate(pieces):
            last = i == len(pieces) - 1
            part = Snapshot(piece, channels if last else ())
            await msg.respond(codec.dumps([seq, part, not last]))

    # -- claims ----------------------------------------------------------------------

    async def _claim(self, nick: str, uid: str, key: str | None = None) -> Claim:
        """Claim `nick` for `uid` (or, with `key`, an account's name, which never goes
        stale: only a nick's holder can be gone)."""
        if self.kv is None or self.cut_since is not None:
            return Claim.UNAVAILABLE
        nick_claim = key is None
        key = key or nick_key(nick)
        racing = self.racing.get(key)
        if racing is not None:  # claims of one name at once here: the first one's answer
            won_by, claim = await asyncio.shield(racing)  # tells the others, with no trip
            if claim is Claim.TAKEN or (claim is Claim.OURS and won_by != uid):
                return Claim.TAKEN
        value = codec.dumps([self.origin, uid, time.time()])
        answer: asyncio.Future[tuple[str, Claim]] = self.loop.create_future()
        self.racing[key] = answer
        claim = Claim.UNAVAILABLE
        try:
            async with self._lock(key):
                claim = Claim.TAKEN
                for _ in range(3):  # (again when its holder let it go meanwhile)
                    tried = await self._try_claim(key, value, uid, nick_claim)
                    if tried is not None:
                        claim = tried
                        break
            if claim is Claim.OURS and nick_claim and len(self.fresh) < 10_000:
                self.fresh.add(key)
            return claim
        finally:
            answer.set_result((uid, claim))
            if self.racing.get(key) is answer:
                del self.racing[key]

    async def _try_claim(self, key: str, value: bytes, uid: str, nick_claim: bool) -> Claim | None:
        """One try at a claim; None when the key changed under it (try again)."""
        from nats.js.errors import KeyDeletedError, KeyNotFoundError, KeyWrongLastSequenceError

        assert self.kv is not None
        try:
            await self.kv.create(key, value)
            return Claim.OURS
        except KeyWrongLastSequenceError:
            pass
        try:
            entry = await self.kv.get(key)
        except (KeyNotFoundError, KeyDeletedError):
            return None  # (released just now)
        holder, held_by, since = codec.loads(entry.value or b"null") or ("", "", 0.0)
        if held_by == uid:
            return Claim.OURS
        peer = self.origins.get(holder)
        silent = peer is not None and time.monotonic() - peer.heard > self.settings.dead_after
        unknown = holder != self.origin and peer is None
        stale = (
            holder in self.dead
            or silent
            or (unknown and time.time() - float(since) > self.settings.dead_after)
        )
        beat = self.settings.heartbeat
        if nick_claim and not stale and peer is not None and holder != self.origin \
                and time.monotonic() - peer.heard > 2 * beat:  # fmt: skip
            # The holder's node has gone quiet: it may be dying, and another node may
            # find it dead a moment before this one. Wait to see, then try again.
            deadline = peer.heard + self.settings.dead_after + 2 * beat
            while self.origins.get(holder) is peer and time.monotonic() < deadline:
                if time.monotonic() - peer.heard <= beat:
                    return Claim.TAKEN  # heard again: alive, and holding it
                await asyncio.sleep(0.1)
            return None
        if not (nick_claim and stale):
            return Claim.TAKEN
        try:  # the holder's node is gone: the claim is free
            await self.kv.update(key, value, last=entry.revision)
            return Claim.OURS
        except KeyWrongLastSequenceError:
            return None

    async def _release(
        self, nick: str, holder: str | None = None, uid: str | None = None, key: str | None = None
    ) -> None:
        """Give back `nick` (or `key`) if `holder` (a node's run) or `uid` still holds it."""
        if self.kv is None:
            return
        key = key or nick_key(nick)
        self.releasing += 1
        try:
            async with self._lock(key):
                with contextlib.suppress(Exception):
                    entry = await self.kv.get(key)
                    held_by = codec.loads(entry.value or b"null") or ("", "", 0.0)
                    if (holder is not None and held_by[0] == holder) or (uid and held_by[1] == uid):
                        await self.kv.delete(key, last=entry.revision)
        finally:
            self.releasing -= 1

    def _lock(self, key: str) -> asyncio.Lock:
        lock = self.locks.get(key)
        if lock is None:
            lock = self.locks[key] = asyncio.Lock()
        if len(self.locks) > 10_000:  # forget the idle ones
            for k in [k for k, v in self.locks.items() if not v.locked() and k != key]:
                del self.locks[k]
        return lock

    # -- start and stop --------------------------------------------------------------

    async def start(self) -> None:
        """Connect, make the stream and bucket, catch up, and hear from the peers."""
        import nats
        from nats.js.api import ConsumerConfig, DeliverPolicy, StorageType

        servers = list(self.settings.servers)
        replicas = self.settings.replicas or (3 if len(servers) >= 3 else 1)
        self.nc = await nats.connect(
            servers=servers, name=f"parley {self.node}", max_reconnect_attempts=-1,
            reconnect_time_wait=0.5, disconnected_cb=self._disconnected,
            reconnected_cb=self._reconnected, connect_timeout=5,
        )  # fmt: skip
        js = self.nc.jetstream(timeout=10)
        keep = self.settings.keep_days * 86400  # older records: in snapshots (snapshots.py)
        await _ensure_stream(js, replicas, StorageType.FILE, keep)
        from parley.server.cluster.snapshots import retain

        await retain(js, self.settings.keep_days)
        self.kv = await _ensure_bucket(js, replicas)
        self.tip = (await js.stream_info(STREAM)).state.last_seq
        self.applied = self._load_seq()
        if self.applied > self.tip:
            self.applied = 0  # (a new stream: read it all)
        if self.applied >= self.tip:
            self.caught_up.set()
        await self.nc.subscribe(f"{SYNC}.{self.origin}", cb=self._on_sync)
        await self.nc.subscribe(f"{TAKEOVER}.{self.origin}", cb=self._on_take_over)
        await self.nc.subscribe(f"{HEARTBEAT}.*", cb=self._on_heartbeat)
        await self.nc.subscribe(BYE, cb=self._on_bye)
        policy, first = DeliverPolicy.ALL, None
        if self.applied:
            policy, first = DeliverPolicy.BY_START_SEQUENCE, self.applied + 1
        await js.subscribe(
            f"{LOG}.>", cb=self._on_batch, ordered_consumer=True, deliver_policy=policy,
            config=ConsumerConfig(opt_start_seq=first) if first else None,
        )  # fmt: skip
        self._spawn(self._publisher())
        await self.caught_up.wait()
        self.live = True
        self._spawn(self._watch())
        # Who is there: a heartbeat and a half, then each one's snapshot.
        await asyncio.sleep(self.settings.heartbeat * 1.5)
        for _ in range(100):
            if all(p.synced for p in self.origins.values()):
                break
            await asyncio.sleep(0.05)
        log.info("cluster: node %s live with %d peers", self.node, len(self.origins))

    def say_bye(self, reason: str) -> None:
        """Tell the peers at once that this node's users quit (a graceful stop)."""
        self.stopping = True
        if self.nc is not None and self.nc.is_connected:
            self._spawn(self.nc.publish(BYE, codec.dumps([self.origin, reason])))
            # Its users' nicks are freed by it too (close() waits for that): a peer frees
            # only the users it knows, and one whose events are still in the stream it
            # does not know yet; a claim left behind would hold the nick for dead_after.
            for client in list(self.server.state.clients.values()):
                if client not in self.peers.owner:
                    self._spawn(self._release(client.nick, holder=self.origin))

    async def close(self) -> None:
        """Publish what is left (a few seconds at most), then disconnect."""
        self.stopping = True
        for _ in range(60):
            if not self.outbox and not self.wake.is_set():
                break
            await asyncio.sleep(0.05)
        await asyncio.sleep(0)  # (the releases say_bye spawned start)
        for _ in range(40):
            if not self.releasing:
                break
            await asyncio.sleep(0.05)
        for task in list(self.tasks):
            task.cancel()
        self._save_seq()
        if self.nc is not None:
            with contextlib.suppress(Exception):
                await self.nc.drain()

    async def _disconnected(self) -> None:
        if self.cut_since is None and not self.stopping:
            self.cut_since = time.monotonic()
            log.warning("cluster: cut off from NATS")

    async def _reconnected(self) -> None:
        cut, self.cut_since = self.cut_since, None
        if cut is None:
            return
        took = time.monotonic() - cut
        log.info("cluster: NATS reached again after %.1f s", took)
        if took > self.settings.dead_after:
            # The peers have found this node dead: its users quit for them and their
            # nicks were freed. Its own clients go too (if grace has not done it), and
            # it comes back as a new run, which the peers take as a node starting.
            self._drop_clients()
            self.origin = f"{self.node}.{secrets.token_hex(4)}"
            self.peers.node = self.origin
            if self.nc is not None:
                with contextlib.suppress(Exception):
                    await self.nc.subscribe(f"{SYNC}.{self.origin}", cb=self._on_sync)

    def _load_seq(self) -> int:
        try:
            return int(self.seq_file.read_text().strip() or 0)
        except (OSError, ValueError):
            return 0

    def _save_seq(self) -> None:
        with contextlib.suppress(OSError):
            self.seq_file.write_text(f"{self.applied}\n")

    def _spawn(self, coro: Coroutine[Any, Any, Any]) -> None:
        task = self.loop.create_task(coro)
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)


def _batch(data: bytes) -> tuple[str, list[Any]]:
    """A stream message: who sent it, and its records (lists)."""
    batch = codec.loads(data)
    if not isinstance(batch, dict) or not isinstance(batch.get("o"), str):
        raise codec.CodecError("not a batch")
    records = batch.get("k")
    if not isinstance(records, tuple) or not all(isinstance(r, tuple) and r for r in records):
        raise codec.CodecError("a batch without records")
    return batch["o"], list(records)


async def _ensure_stream(js: Any, replicas: int, storage: Any, max_age: float) -> None:
    from nats.js.errors import NotFoundError

    try:
        await js.stream_info(STREAM)
    except NotFoundError:
        await js.add_stream(
            name=STREAM, subjects=[f"{LOG}.>"], num_replicas=replicas, storage=storage,
            duplicate_window=120.0, max_age=max_age,
        )  # fmt: skip


async def _ensure_bucket(js: Any, replicas: int) -> Any:
    from nats.js.errors import BucketNotFoundError

    try:
        return await js.key_value(NICKS)
    except BucketNotFoundError:
        return await js.create_key_value(bucket=NICKS, history=1, replicas=replicas)
