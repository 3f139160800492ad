"""The once-a-second sweep outlives a bug in one of its parts."""

from __future__ import annotations

from collections.abc import Callable

from support.client import IrcClient
from support.servers import ThreadServer


def test_a_sweep_that_fails_once_does_not_end_registration_timeouts(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(limits={"registration_timeout": 1.0})
    process = server.process
    assert process is not None
    reservations = process.core.reservations
    real_sweep = reservations.sweep
    failures: list[int] = []

    def failing_once(core: object) -> None:
        if not failures:
            failures.append(1)
            raise RuntimeError("a bug in one sweep")
        real_sweep(core)  # type: ignore[arg-type]

    server.call(setattr, reservations, "sweep", failing_once)
    silent = IrcClient(server.port)  # never registers
    closing = silent.wait_closed(timeout=10.0)
    assert failures, "the failing sweep ran"
    assert any(m.command == "ERROR" and "timed out" in m.params[-1] for m in closing)
    assert server.call(lambda: process.hub.sweep_errors) == 1
