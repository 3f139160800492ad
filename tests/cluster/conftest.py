"""Fixtures for the cluster tests: real NATS servers with JetStream, and Parley nodes.

`nats1` and `nats3` last a test module (starting them costs little, electing a leader
does); a test that kills a server restarts it before it ends, or takes `fresh_nats3`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.nats import NatsServers
from support.nodes import Node


@pytest.fixture(scope="module")
def nats1(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServers]:
    """One NATS server with JetStream, no cluster."""
    with NatsServers(tmp_path_factory.mktemp("nats1"), 1) as servers:
        yield servers


@pytest.fixture(scope="module")
def nats3(tmp_path_factory: pytest.TempPathFactory) -> Iterator[NatsServers]:
    """A JetStream cluster of three NATS servers, its meta leader elected."""
    with NatsServers(tmp_path_factory.mktemp("nats3"), 3) as servers:
        yield servers


@pytest.fixture
def fresh_nats3(tmp_path: Path) -> Iterator[NatsServers]:
    """Three NATS servers of this test's own, for tests that break them."""
    with NatsServers(tmp_path / "nats", 3) as servers:
        yield servers


@pytest.fixture
def make_node(tmp_path: Path) -> Iterator[Callable[..., Node]]:
    """Start Parley nodes: `make_node("n1", cluster=nats3.url_list())`; each its own data
    directory (the same name again reuses it, as a restarted node does)."""
    started: list[Node] = []

    def make(name: str = "n1", **kwargs: Any) -> Node:
        node = Node(tmp_path / name, name, **kwargs)
        started.append(node)
        return node

    yield make
    for node in started:
        node.stop()
