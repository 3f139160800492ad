"""Fixtures: a running server per test (in a thread, on loopback) and clients for it."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from support.client import IrcClient
from support.servers import ThreadServer, test_config


@pytest.fixture
def make_server(tmp_path: Path) -> Iterator[Callable[..., ThreadServer]]:
    """Start servers with a test config (keyword arguments change it)."""
    started: list[ThreadServer] = []

    def make(**changes: Any) -> ThreadServer:
        server = ThreadServer(test_config(tmp_path / f"data{len(started)}", **changes)).start()
        started.append(server)
        return server

    yield make
    for server in started:
        server.stop()


@pytest.fixture
def server(make_server: Callable[..., ThreadServer]) -> ThreadServer:
    """A server with the default config (lobby on, flood control on)."""
    return make_server()


@pytest.fixture
def connect(server: ThreadServer) -> Iterator[Callable[..., IrcClient]]:
    """Open clients to `server`; `connect("alice")` also registers."""
    clients: list[IrcClient] = []

    def make(nick: str | None = None, **kwargs: Any) -> IrcClient:
        client = IrcClient(server.port)
        clients.append(client)
        if nick is not None:
            kwargs.setdefault("lobby", server.config.lobby is not None)
            client.register(nick, **kwargs)
        return client

    yield make
    for client in clients:
        client.close()
