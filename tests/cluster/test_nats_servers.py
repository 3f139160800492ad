"""The test harness of cluster mode, held to what the cluster tests rely on: real NATS
servers with JetStream that come up, survive losing one of three, come back on the same
ports and data, and leave no process behind; Parley nodes as child processes."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import nats
import pytest
from nats.errors import NoRespondersError
from nats.errors import TimeoutError as NatsTimeout
from nats.js.api import StreamConfig
from nats.js.errors import APIError, NoStreamResponseError

from support.client import IrcClient
from support.nats import NatsServers, Ports, free_ports
from support.nodes import Node

DEADLINE = 60.0  # for a whole scenario: elections take seconds, not minutes


def run(scenario: Callable[[], Awaitable[None]]) -> None:
    asyncio.run(asyncio.wait_for(scenario(), DEADLINE))


async def connect(servers: NatsServers) -> Any:
    """A client that knows every server and moves on quickly when one dies."""
    return await nats.connect(
        servers=servers.urls,
        reconnect_time_wait=0.1,
        max_reconnect_attempts=-1,
        connect_timeout=2,
    )


async def publish_acked(js: Any, subject: str, payload: bytes, timeout: float = 30.0) -> int:
    """Publish until JetStream acknowledges, with a message id so that a retry after a
    lost ack is stored once; the stream sequence the ack gave."""
    deadline = time.monotonic() + timeout
    headers = {"Nats-Msg-Id": payload.decode()}
    while True:
        try:
            ack = await js.publish(subject, payload, timeout=1.0, headers=headers)
            return int(ack.seq)
        except (NatsTimeout, NoRespondersError, NoStreamResponseError, APIError):
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)  # a new stream leader is being elected


async def wait_for(condition: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + DEADLINE / 2
    while not await condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.1)


async def all_payloads(js: Any, stream: str, count: int) -> list[bytes]:
    return [(await js.get_msg(stream, seq)).data for seq in range(1, count + 1)]


def test_one_server_is_a_jetstream_without_a_cluster(nats1: NatsServers) -> None:
    assert nats1.urls == [f"nats://127.0.0.1:{nats1.ports[0].client}"]
    assert nats1.url_list() == nats1.urls[0]
    assert "cluster" not in nats1.config_path(0).read_text()
    assert nats1.monitor(0, "/healthz?js-enabled-only=true")[0] == 200

    async def scenario() -> None:
        client = await connect(nats1)
        js = client.jetstream()
        await js.add_stream(StreamConfig(name="ONE", subjects=["one.>"], num_replicas=1))
        sequences = [await publish_acked(js, "one.x", f"m{n}".encode()) for n in range(5)]
        assert sequences == [1, 2, 3, 4, 5]
        assert await all_payloads(js, "ONE", 5) == [f"m{n}".encode() for n in range(5)]
        await client.close()

    run(scenario)


def test_three_servers_are_one_jetstream_cluster(nats3: NatsServers) -> None:
    assert len(nats3.urls) == 3 and nats3.url_list() == ",".join(nats3.urls)
    leaders = {nats3.monitor(i, "/jsz")[1]["meta_cluster"]["leader"] for i in range(3)}
    assert len(leaders) == 1 and leaders <= {nats3.name(i) for i in range(3)}
    for i in range(3):
        config = nats3.config_path(i).read_text()
        assert f"127.0.0.1:{nats3.ports[i].route}" in config
        assert all(f"127.0.0.1:{p.route}" in config for p in nats3.ports)  # routes to peers

    async def scenario() -> None:
        client = await connect(nats3)
        js = client.jetstream()
        info = await js.add_stream(StreamConfig(name="THREE", subjects=["three.>"], num_replicas=3))
        assert info.config.num_replicas == 3
        assert await publish_acked(js, "three.x", b"hello") == 1
        info = await js.stream_info("THREE")
        assert len(info.cluster.replicas) == 2  # and the leader
        await client.close()

    run(scenario)


def test_acked_messages_outlive_a_killed_stream_leader(fresh_nats3: NatsServers) -> None:
    servers = fresh_nats3

    async def scenario() -> None:
        client = await connect(servers)
        js = client.jetstream()
        await js.add_stream(StreamConfig(name="LOG", subjects=["log.>"], num_replicas=3))
        for n in range(10):
            await publish_acked(js, "log.a", f"before-{n}".encode())

        leader = servers.index((await js.stream_info("LOG")).cluster.leader)
        pid = servers.pid(leader)
        servers.kill(leader)
        assert not servers.running(leader) and pid is not None
        assert not Path(f"/proc/{pid}").exists()
        for n in range(10):  # acked by the two left, once a new leader is elected
            await publish_acked(js, "log.a", f"after-{n}".encode())

        servers.restart(leader)
        assert servers.running(leader)

        async def caught_up() -> bool:
            info = await js.stream_info("LOG")
            replicas = info.cluster.replicas or []
            return (
                info.state.messages == 20
                and len(replicas) == 2
                and all(r.current for r in replicas)
            )

        await wait_for(caught_up, "the restarted server to catch up")

        async def stored_there() -> bool:  # the restarted server holds every message itself
            return bool(servers.monitor(leader, "/jsz")[1].get("messages") == 20)

        await wait_for(stored_there, "the messages on the restarted server")
        expected = [f"before-{n}".encode() for n in range(10)]
        expected += [f"after-{n}".encode() for n in range(10)]
        assert await all_payloads(js, "LOG", 20) == expected  # each once, in order
        await client.close()

    run(scenario)


def test_a_whole_cluster_stopped_and_started_keeps_its_streams(fresh_nats3: NatsServers) -> None:
    servers = fresh_nats3

    async def write() -> None:
        client = await connect(servers)
        js = client.jetstream()
        await js.add_stream(StreamConfig(name="KEEP", subjects=["keep.>"], num_replicas=3))
        for n in range(5):
            await publish_acked(js, "keep.a", f"kept-{n}".encode())
        await client.close()

    async def read() -> None:
        client = await connect(servers)
        js = client.jetstream()

        async def back() -> bool:
            try:
                return bool((await js.stream_info("KEEP")).state.messages == 5)
            except (NatsTimeout, NoRespondersError, APIError):
                return False  # its leader is being elected

        await wait_for(back, "the stream after the restart")
        assert await all_payloads(js, "KEEP", 5) == [f"kept-{n}".encode() for n in range(5)]
        await client.close()

    run(write)
    ports = list(servers.ports)
    servers.stop()
    servers.start()
    assert servers.ports == ports
    run(read)
    assert "Server Exiting" in servers.log_path(0).read_text()  # the first run's lines stay


def test_stop_leaves_no_server_behind(tmp_path: Path) -> None:
    servers = NatsServers(tmp_path, 3).start()
    pids = [servers.pid(i) for i in range(3)]
    assert all(pids)
    servers.kill(2)
    with pytest.raises(RuntimeError, match="still running"):
        servers.restart(0)
    servers.stop()
    assert not any(Path(f"/proc/{pid}").exists() for pid in pids)
    assert not any(servers.running(i) for i in range(3))
    servers.stop()  # twice is harmless
    assert "Server Exiting" in servers.log_tail(0)  # SIGTERM: a clean shutdown


def test_a_server_that_cannot_start_says_why(tmp_path: Path) -> None:
    client, route, monitor = free_ports(3)
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", client))
        taken.listen()
        servers = NatsServers(tmp_path, 1, ports=[Ports(client, route, monitor)], timeout=10)
        with pytest.raises(RuntimeError, match="address already in use"):
            servers.start()
    assert not servers.running(0)


def test_a_node_starts_talks_and_stops(make_node: Callable[..., Node]) -> None:
    node = make_node("n1")
    client = IrcClient(node.port())
    client.register("alice")
    client.close()
    node.stop()
    assert node.proc.returncode == 0


def test_a_killed_node_comes_back_on_its_data(make_node: Callable[..., Node]) -> None:
    node = make_node("n1")
    node.kill9()
    assert node.proc.returncode == -9 and not node.running()
    again = make_node("n1")
    assert again.data_dir == node.data_dir and again.running()
    IrcClient(again.port()).register("bob")


def test_a_node_that_cannot_start_shows_its_output(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match=r"server exited:(?s:.*)--no-such-flag"):
        Node(tmp_path / "n1", extra=["--no-such-flag"])
