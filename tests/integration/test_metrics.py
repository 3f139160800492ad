"""Prometheus metrics: a monitoring system scrapes the server and sees what happens."""

from __future__ import annotations

import urllib.request
from collections.abc import Callable

from parley.server.config import Address
from support.client import IrcClient
from support.servers import ThreadServer


def scrape(port: int) -> dict[str, float]:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=10) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, _, value = line.rpartition(" ")
            values[name] = float(value)
    return values


def test_metrics_count_connections_registrations_and_messages(
    make_server: Callable[..., ThreadServer],
) -> None:
    server = make_server(metrics=Address("127.0.0.1", 0))
    assert server.process is not None and server.process.metrics_port is not None
    port = server.process.metrics_port
    before = scrape(port)
    assert before["parley_connections"] == 0
    alice, bob = IrcClient(server.port), IrcClient(server.port)
    alice.register("alice")
    bob.register("bob")
    for i in range(3):
        alice.send(f"PRIVMSG #lobby :hello {i}")
    for _ in range(3):
        bob.expect("PRIVMSG")
    after = scrape(port)
    assert after["parley_connections"] == 2
    assert after["parley_users"] == 2
    assert after["parley_registrations_total"] == 2
    assert after["parley_messages_total"] == 3
    assert after["parley_bytes_out_total"] > before["parley_bytes_out_total"]
    assert after["parley_handler_errors_total"] == 0
    assert "parley_event_loop_lag_seconds" in after


def test_metrics_and_the_console_show_the_history_writer(
    make_server: Callable[..., ThreadServer],
) -> None:
    from parley.server.admin import views

    server = make_server(metrics=Address("127.0.0.1", 0))
    assert server.process is not None and server.process.metrics_port is not None
    values = scrape(server.process.metrics_port)
    assert values['parley_history_writer_state{state="ok"}'] == 1
    assert values['parley_history_writer_state{state="failing"}'] == 0
    assert values["parley_history_queued"] == 0
    assert values["parley_history_dropped_total"] == 0
    assert values["parley_history_write_failures_total"] == 0
    counters = server.call(views.counters, server.process)
    assert counters.history is not None and counters.history.state == "ok"
