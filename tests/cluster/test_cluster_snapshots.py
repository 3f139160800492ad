"""Snapshots on real NATS: a node joining later starts from the newest snapshot, not from
the stream's first record; a node away longer than the stream keeps is told how to
restore; a snapshot from a newer Parley is refused; a whole cluster stopped and started
keeps its accounts and history."""

from __future__ import annotations

import asyncio
import gzip
import json
import shutil
import stat
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, TypeVar

import pytest

from parley.server.cluster.link import SEQ_FILE, STREAM
from parley.server.cluster.snapshots import BUCKET, NODE, OBJECT, REQUEST, SCHEMA, SEQ, TAKEN
from parley.server.store.schema import DB_NAME, VERSION
from support.accounts import logged_in
from support.client import IrcClient
from support.nats import NatsServers
from support.nodes import Node
from support.privacy import HISTORY_CAPS, history, register_account, say
from support.waiting import wait_until

T = TypeVar("T")
PASSWORD = "wonderland1"


def nats(urls: list[str], work: Callable[[Any, Any], Coroutine[Any, Any, T]]) -> T:
    """Run `work(nc, js)` on a connection of the test's own."""
    import nats as nats_py

    async def run() -> T:
        nc = await nats_py.connect(servers=urls, connect_timeout=5)
        try:
            return await work(nc, nc.jetstream(timeout=10))
        finally:
            await nc.close()

    return asyncio.run(run())


def take_snapshot(urls: list[str], node: str) -> int:
    """Have `node` take a snapshot now; the stream sequence it holds."""

    async def ask(nc: Any, js: Any) -> int:
        reply = await nc.request(f"{REQUEST}.{node}", b"", timeout=30)
        answer = json.loads(reply.data)
        assert "seq" in answer, answer
        return int(answer["seq"])

    return nats(urls, ask)


def purge_below(urls: list[str], seq: int) -> tuple[int, int]:
    """Drop the stream's records before `seq` (as keep_days does); its first and last after."""

    async def purge(nc: Any, js: Any) -> tuple[int, int]:
        await js.purge_stream(STREAM, seq=seq)
        state = (await js.stream_info(STREAM)).state
        return int(state.first_seq), int(state.last_seq)

    return nats(urls, purge)


def stream_last(urls: list[str]) -> int:
    async def last(nc: Any, js: Any) -> int:
        return int((await js.stream_info(STREAM)).state.last_seq)

    return nats(urls, last)


def applied(node: Node) -> int:
    try:
        return int((node.data_dir / SEQ_FILE).read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


def account_with_lines(port: int, nick: str, channel: str, *texts: str) -> IrcClient:
    client = IrcClient(port)
    client.register(nick)
    register_account(client, PASSWORD)
    client.send(f"JOIN {channel}")
    client.expect(lambda m: m.command == "366")
    say(client, channel, *texts)
    return client


def read_history(port: int, nick: str, account: str, channel: str) -> list[str]:
    reader = logged_in(port, nick, account, PASSWORD, HISTORY_CAPS)
    try:
        reader.send(f"JOIN {channel}")
        reader.expect(lambda m: m.command == "366")
        return history(reader, channel)
    finally:
        reader.close()


def guest_history(port: int, nick: str, channel: str) -> list[str]:
    """What a user without an account who joins `channel` reads of its history."""
    guest = IrcClient(port)
    try:
        guest.register(nick, caps=HISTORY_CAPS)
        guest.send(f"JOIN {channel}")
        guest.expect(lambda m: m.command == "366")
        return history(guest, channel)
    finally:
        guest.close()


@pytest.fixture
def nats_one(tmp_path: Path) -> Any:
    with NatsServers(tmp_path / "nats", 1) as servers:
        yield servers


def test_a_late_node_starts_from_the_snapshot_not_the_stream(
    nats_one: NatsServers, make_node: Callable[..., Node]
) -> None:
    urls = nats_one.urls
    n1 = make_node("n1", cluster=urls)
    ann = account_with_lines(n1.port(), "ann", "#notes", "x", "second line", "é" * 100)
    seq = take_snapshot(urls, "n1")
    assert seq > 0
    first, _ = purge_below(urls, seq + 1)  # what the snapshot holds is gone from the stream
    assert first == seq + 1
    say(ann, "#notes", "after")  # (in the stream: read after the restore)
    wait_until(lambda: stream_last(urls) > seq, what="a batch after the snapshot")
    n2 = make_node("n2", cluster=urls)
    assert any(f"restored the snapshot of n1 (stream up to {seq})" in o for o in n2.output)
    # It reads the stream from the snapshot's sequence on, never from the start.
    wait_until(lambda: applied(n2) > seq, what="n2 to read the stream on")
    # The account made on n1 logs in on n2, and history holds n1's lines.
    lines = read_history(n2.port(), "ann_", "ann", "#notes")
    assert lines == ["x", "second line", "é" * 100, "after"]  # the last one from the stream
    for path in (n2.data_dir / DB_NAME, n2.data_dir / SEQ_FILE):
        assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(n2.data_dir.stat().st_mode) == 0o700
    assert not [p.name for p in n2.data_dir.iterdir() if p.name.endswith((".part", ".restoring"))]
    ann.close()


def test_a_node_away_longer_than_the_stream_keeps_is_told_to_restore(
    nats_one: NatsServers, make_node: Callable[..., Node]
) -> None:
    urls = nats_one.urls
    n1 = make_node("n1", cluster=urls)
    n2 = make_node("n2", cluster=urls)
    bob = account_with_lines(n1.port(), "bob", "#away", "before")
    n2.stop()
    away = applied(n2)
    say(bob, "#away", "while", "n2", "was", "away")
    wait_until(lambda: stream_last(urls) > away + 1, what="batches while n2 is away")
    seq = take_snapshot(urls, "n1")
    purge_below(urls, seq + 1)  # n2 was away longer than keep_days
    with pytest.raises(RuntimeError, match=r"(?s)behind the cluster.*Move the database away"):
        make_node("n2", cluster=urls)
    assert (n2.data_dir / DB_NAME).stat().st_size > 0  # left as it was
    # The operator moves the database away: the node restores the snapshot.
    moved = n2.data_dir.parent / "n2-old"
    moved.mkdir()
    for path in n2.data_dir.iterdir():
        if path.name.startswith((DB_NAME, SEQ_FILE)):
            shutil.move(path, moved / path.name)
    again = make_node("n2", cluster=urls)
    assert any("restored the snapshot of n1" in o for o in again.output)
    assert read_history(again.port(), "bob_", "bob", "#away") == [
        "before", "while", "n2", "was", "away",
    ]  # fmt: skip
    bob.close()


def test_a_snapshot_from_a_newer_parley_is_refused(
    nats_one: NatsServers, make_node: Callable[..., Node], tmp_path: Path
) -> None:
    urls = nats_one.urls
    make_node("n1", cluster=urls)  # (the stream and the bucket)
    take_snapshot(urls, "n1")

    async def newer(nc: Any, js: Any) -> None:
        from nats.js.api import ObjectMeta

        store = await js.object_store(BUCKET)
        headers = {SEQ: ["999999"], SCHEMA: [str(VERSION + 1)], NODE: ["n9"], TAKEN: ["1.0"]}
        meta = ObjectMeta(name=OBJECT + "n9", headers=headers)
        await store.put(OBJECT + "n9", gzip.compress(b"not a database"), meta=meta)

    nats(urls, newer)
    with pytest.raises(RuntimeError, match=rf"newer Parley \(schema {VERSION + 1}; this one"):
        make_node("n2", cluster=urls)
    assert not (tmp_path / "n2" / DB_NAME).exists()


def test_a_whole_cluster_stopped_and_started_keeps_accounts_and_history(
    fresh_nats3: NatsServers, make_node: Callable[..., Node]
) -> None:
    urls = fresh_nats3.urls
    n1, n2 = make_node("n1", cluster=urls), make_node("n2", cluster=urls)
    cat = account_with_lines(n1.port(), "cat", "#all", "one")
    dan = IrcClient(n2.port())
    dan.register("dan")
    dan.send("JOIN #all")
    dan.expect(lambda m: m.command == "366")
    say(dan, "#all", "two")
    cat.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "two")
    say(cat, "#all", "three")
    before = read_history(n1.port(), "cat_", "cat", "#all")
    assert before == ["one", "two", "three"]
    wait_until(lambda: guest_history(n2.port(), "gus", "#all") == before, what="n2's history")
    assert read_history(n2.port(), "cat_", "cat", "#all") == before  # the account, there too
    for client in (cat, dan):
        client.close()
    for node in (n2, n1):
        node.stop()
    fresh_nats3.stop()
    fresh_nats3.start()
    n1, n2 = make_node("n1", cluster=urls), make_node("n2", cluster=urls)
    assert not any("restored the snapshot" in o for o in n1.output + n2.output)  # their own
    assert read_history(n1.port(), "cat_", "cat", "#all") == before
    assert read_history(n2.port(), "cat_", "cat", "#all") == before
    assert guest_history(n2.port(), "gus", "#all") == before
    # And the two are one network again.
    cat = logged_in(n1.port(), "cat", "cat", PASSWORD)
    cat.send("JOIN #all")
    cat.expect(lambda m: m.command == "366")
    dan = IrcClient(n2.port())
    dan.register("dan")
    dan.send("JOIN #all")
    dan.expect(lambda m: m.command == "366")
    cat.expect(lambda m: m.command == "JOIN" and m.source.startswith("dan!"))
    say(cat, "#all", "four")
    got = dan.expect(lambda m: m.command == "PRIVMSG" and m.params[-1] == "four")
    assert got.source.startswith("cat!") and got.params[0] == "#all"
    for client in (cat, dan):
        client.close()


def test_the_stream_keeps_keep_days_and_snapshots_come_on_their_own(
    nats_one: NatsServers, make_node: Callable[..., Node], tmp_path: Path
) -> None:
    urls = nats_one.urls
    config = tmp_path / "parley.toml"
    config.write_text("[cluster]\nkeep_days = 2\nsnapshot_every = 2\n")
    n1 = make_node("n1", cluster=urls, extra=["--config", str(config)])

    async def max_age(nc: Any, js: Any) -> float:
        return float((await js.stream_info(STREAM)).config.max_age)

    assert nats(urls, max_age) == 2 * 86400

    async def snapshots(nc: Any, js: Any) -> list[tuple[str, int]]:
        from nats.js.errors import BucketNotFoundError, NotFoundError

        try:
            store = await js.object_store(BUCKET)
            infos = await store.list(ignore_deletes=True)
        except (BucketNotFoundError, NotFoundError):
            return []
        return [(i.name, int(i.headers[SEQ][0])) for i in infos if not i.deleted]

    wait_until(lambda: bool(nats(urls, snapshots)), timeout=30, what="a snapshot")
    first = nats(urls, snapshots)
    assert [name for name, _ in first] == [OBJECT + "n1"]
    client = account_with_lines(n1.port(), "eve", "#own", "new")  # something new to copy
    wait_until(
        lambda: nats(urls, snapshots)[0][1] > first[0][1], timeout=30, what="a newer snapshot"
    )
    client.close()
    config.write_text("[cluster]\nkeep_days = 3\n")  # changed: the stream follows
    n1.stop()
    make_node("n1", cluster=urls, extra=["--config", str(config)])
    assert nats(urls, max_age) == 3 * 86400
