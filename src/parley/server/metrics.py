"""Prometheus metrics (`--metrics HOST:PORT`): read from the server's counters at scrape time.

The collector only reads integers the core and the net layer keep anyway, so
scraping costs the event loop nothing; the HTTP server runs in its own thread.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from parley.server.core.cluster import ClusterStatus
from parley.server.store.history import WRITER_STATES

if TYPE_CHECKING:
    from parley.server.app import Process


class ServerCollector:
    """A prometheus_client collector over one running server."""

    def __init__(self, process: Process) -> None:
        self.process = process

    def collect(self) -> Iterator[Any]:
        from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

        core, hub = self.process.core, self.process.hub
        stats = core.stats
        yield GaugeMetricFamily(
            "parley_connections", "Open client connections", value=len(hub.connections)
        )
        yield GaugeMetricFamily(
            "parley_users", "Registered users online", value=len(core.state.clients)
        )
        yield GaugeMetricFamily("parley_channels", "Channels", value=len(core.state.channels))
        counters = (
            ("parley_registrations", "Sessions that completed registration", stats.registrations),
            ("parley_lines_in", "Lines received from clients", stats.lines_in),
            ("parley_messages", "PRIVMSG, NOTICE and TAGMSG accepted", stats.messages),
            ("parley_bytes_out", "Bytes written to clients", hub.bytes_out),
            ("parley_sendq_drops", "Clients dropped for a full send queue", hub.sendq_drops),
            ("parley_flood_throttles", "Times a flooding client was slowed", hub.flood_throttles),
            ("parley_handler_errors", "Commands whose handler failed", stats.handler_errors),
            ("parley_uploads", "Files shared through the web listener", hub.sharing.uploads),
            ("parley_uploads_refused", "Uploads refused or cut off", hub.sharing.refused),
        )
        for name, text, value in counters:
            yield CounterMetricFamily(name, text, value=value)
        yield GaugeMetricFamily(
            "parley_event_loop_lag_seconds", "How late the last 1 s timer ran", value=hub.loop_lag
        )
        writer = self.process.history.status()
        yield GaugeMetricFamily(
            "parley_history_queued", "Messages waiting to be stored", value=writer.queued
        )
        yield CounterMetricFamily(
            "parley_history_dropped",
            "Messages delivered but not stored (the history queue was full)",
            value=writer.dropped,
        )
        yield CounterMetricFamily(
            "parley_history_write_failures", "History writes that failed", value=writer.failures
        )
        state = GaugeMetricFamily(
            "parley_history_writer_state",
            "1 for the history writer's state: ok, lagging (senders paused), failing, stopped",
            labels=["state"],
        )
        for name in WRITER_STATES:
            state.add_metric([name], 1 if writer.state == name else 0)
        yield state
        if core.cluster is not None:
            yield from _cluster(core.cluster.status())


def _cluster(status: ClusterStatus) -> Iterator[Any]:
    """Cluster mode: this node, its peers, and how far behind the stream it is."""
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    node = GaugeMetricFamily("parley_cluster_node", "This node (1), by name", labels=["node"])
    node.add_metric([status.node], 1)
    yield node
    peers = GaugeMetricFamily("parley_cluster_peer", "Other nodes heard from", labels=["node"])
    for peer in status.peers:
        peers.add_metric([peer], 1)
    yield peers
    yield GaugeMetricFamily(
        "parley_cluster_connected", "1 while connected to a NATS server", value=status.connected
    )
    yield GaugeMetricFamily(
        "parley_cluster_lag_messages", "Stream messages not yet applied here", value=status.lag
    )
    for name, text, value in (
        ("parley_cluster_published", "Batches published to the stream", status.published),
        ("parley_cluster_received", "Peers' batches applied", status.received),
        ("parley_cluster_dropped", "Peers' events that no longer fitted", status.dropped),
    ):
        yield CounterMetricFamily(name, text, value=value)


def serve_metrics(process: Process, host: str | None, port: int) -> Any:
    """Start the exposition endpoint (a thread); returns its HTTP server, to shut down."""
    from prometheus_client import CollectorRegistry, start_http_server

    registry = CollectorRegistry()
    registry.register(ServerCollector(process))
    server, _thread = start_http_server(port, addr=host or "0.0.0.0", registry=registry)
    return server
