"""A node cut off from NATS does not split the network's brain: it refuses changes the
others could not hear of, with a clear answer, and drops its clients after a grace
period so that they move to a healthy node; its peers see its users quit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from support.client import IrcClient
from support.nats import NatsServers
from support.nodes import Node

GRACE = 3.0  # the cut node's grace period, shortened for the test


@pytest.fixture
def unadvertised(tmp_path: Path) -> Iterator[NatsServers]:
    """Three NATS servers that do not tell clients of each other."""
    with NatsServers(tmp_path / "nats", 3, advertise=False) as servers:
        yield servers


def test_a_node_cut_off_from_nats_refuses_changes_then_lets_its_clients_go(
    unadvertised: NatsServers, tmp_path: Path
) -> None:
    fresh_nats3 = unadvertised
    config = tmp_path / "cut.toml"
    # Three copies of the stream and bucket, whatever each node is told of the servers.
    config.write_text(f"[cluster]\ngrace = {GRACE}\nreplicas = 3\n")
    # The cut node knows one NATS server only: when that one dies, it is alone.
    cut = Node(
        tmp_path / "cut", "cut", cluster=fresh_nats3.urls[2], extra=["--config", str(config)]
    )
    healthy = Node(
        tmp_path / "ok", "ok", cluster=fresh_nats3.urls[:2], extra=["--config", str(config)]
    )
    try:
        una = IrcClient(cut.port())
        una.register("una")
        una.send("JOIN #town")
        una.expect(lambda m: m.command == "366" and m.params[1] == "#town")
        vic = IrcClient(healthy.port())
        vic.register("vic")
        vic.send("JOIN #town")
        vic.expect(lambda m: m.command == "366" and m.params[1] == "#town")
        una.expect(lambda m: m.command == "JOIN" and m.source.startswith("vic!"))

        fresh_nats3.kill(2)
        refused = None
        deadline = time.monotonic() + 10
        while refused is None and time.monotonic() < deadline:
            una.send("PRIVMSG #town :anyone")  # refused once the node knows it is cut off
            for m in una.sync():
                if m.command in ("FAIL", "NOTICE") and "cluster" in m.params[-1]:
                    refused = m
        assert refused is not None, "the cut node never said it was cut off"

        # Its peers see its users quit; the healthy side goes on.
        quit_line = vic.expect(
            lambda m: m.command == "QUIT" and m.source.startswith("una!"), timeout=10
        )
        assert "cut" in quit_line.params[0]
        # The cut node lets its clients go, to reach a healthy node.
        told = una.wait_closed(timeout=GRACE + 10)
        assert any(m.command == "ERROR" and "cluster" in m.params[0] for m in told)
        # The nick is free on the healthy side (437 while NATS elects new leaders for
        # what the dead server led: the client tries again, as clients do).
        deadline = time.monotonic() + 20
        while True:
            again = IrcClient(healthy.port())
            again.send("NICK una")
            again.send("USER u 0 * :u")
            answer = again.expect(lambda m: m.command in ("001", "433", "437"), timeout=10)
            if answer.command != "437" or time.monotonic() > deadline:
                break
            again.close()
        assert answer.command == "001", answer
        vic.send("PRIVMSG #town :hello")
        vic.sync()
        for client in (again, vic):
            client.close()
    finally:
        fresh_nats3.restart(2)
        cut.stop()
        healthy.stop()
