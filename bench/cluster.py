"""`python -m bench cluster`: two Parley nodes on NATS JetStream against one server.

Each run of a scenario starts its system afresh: one Parley server, or NATS
(1 server, or a 3-server JetStream cluster) and two nodes started with
`--cluster` (tests/support/nats.py starts NATS, as for the tests and `make
cluster`). Both get bench/configs/parley.toml, as the side-by-side benchmark
does. Nothing is pinned to a core: the nodes, NATS and the generator (this
process) share the machine, and the CPU of each is recorded.
"""

from __future__ import annotations

import importlib
import os
import shlex
import shutil
import sys
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path
from types import TracebackType
from typing import Any

from bench.cluster_scenarios import CLUSTER_SCENARIOS
from bench.compare import Runs, machine, medians
from bench.generator import run_loop
from bench.natsrate import rate
from bench.probe import raise_nofile
from bench.scenarios import Result, Settings, Target
from bench.servers import RunningServer, ServerSpec
from bench.tls import make_certificate

ROOT = Path(__file__).resolve().parent.parent
NODES = 2
COMMAND = (
    f"{shlex.quote(sys.executable)} -m parley.server --config {{config}} --data-dir {{dir}}"
    " --listen 127.0.0.1:{port} --no-tls --no-flood-limit --no-web --no-announce"
)
SINGLE = ServerSpec("parley", COMMAND, "parley.toml")
SYSTEMS = ("single", "cluster")


def node_spec(name: str, urls: str) -> ServerSpec:
    return ServerSpec(name, f"{COMMAND} --cluster {urls} --node-name {name}", "parley.toml")


def nats_servers(root: Path, count: int) -> Any:
    """tests/support/nats.py's NatsServers: `count` servers with JetStream, not started."""
    tests = str(ROOT / "tests")
    if tests not in sys.path:
        sys.path.append(tests)
    return importlib.import_module("support.nats").NatsServers(root, count)


class System:
    """What one run measures: one server (`single`), or NATS and `nodes` nodes (any other
    kind; no nodes for NATS alone); stopped on exit."""

    def __init__(self, kind: str, nats: int = 1, nodes: int = NODES) -> None:
        self.kind = kind
        self.servers: list[RunningServer] = []
        self.nats: Any = None
        self.root = Path(tempfile.mkdtemp(prefix="bench-cluster-"))
        try:
            # (plain TCP: the cluster's figures are about NATS, not TLS; the servers
            # take a certificate all the same)
            certificate = make_certificate(self.root)
            if kind == "single":
                self.servers.append(RunningServer(SINGLE, None, certificate))
                return
            self.nats = nats_servers(self.root, nats).start()
            for i in range(nodes):
                spec = node_spec(f"n{i + 1}", self.nats.url_list())
                self.servers.append(RunningServer(spec, None, certificate))
        except BaseException:
            self.stop()
            raise

    @property
    def targets(self) -> list[Target]:
        return [Target("127.0.0.1", s.port, s.pid) for s in self.servers]

    @property
    def pids(self) -> dict[str, int]:
        """Each process to watch: the nodes (n1, n2...) and the NATS servers (nats1...)."""
        found = {s.spec.name: s.pid for s in self.servers}
        if self.nats is not None:
            for i in range(self.nats.count):
                pid = self.nats.pid(i)
                if pid is not None:
                    found[f"nats{i + 1}"] = pid
        return found

    def stop(self) -> None:
        for server in self.servers:
            server.stop()
        if self.nats is not None:
            self.nats.stop()
        shutil.rmtree(self.root, ignore_errors=True)

    def __enter__(self) -> System:
        return self

    def __exit__(
        self, kind: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


async def stream_state(urls: Sequence[str]) -> Result:
    """The cluster stream's messages (nodes' batches) and bytes, once a scenario ran."""
    import nats

    nc = await nats.connect(servers=list(urls), connect_timeout=5)
    try:
        info = await nc.jetstream().stream_info("PARLEY")
        return {"stream_batches": info.state.messages, "stream_bytes": info.state.bytes}
    finally:
        await nc.close()


def run_on(system: System, scenario: str, settings: Settings) -> Result:
    try:
        result = run_loop(CLUSTER_SCENARIOS[scenario](system.targets, settings, system.pids))
        if system.nats is not None:
            result.update(run_loop(stream_state(system.nats.urls)))
    except Exception as exc:  # refused, timed out, reset: this run's error, the next goes on
        return {"error": str(exc).splitlines()[0] if str(exc) else repr(exc)}
    return result


def nats_rates(nats: int, seconds: float) -> list[Result]:
    """JetStream's publish rate on this machine: R1 on one server, and R3 too on three."""
    out = []
    with System("nats-only", nats, nodes=0) as system:
        for replicas in sorted({1, nats}):
            try:
                out.append(run_loop(rate(system.nats.urls, replicas, seconds)))
            except Exception as exc:  # (nats-py's errors have no common base to name)
                out.append({"replicas": replicas, "error": str(exc) or repr(exc)})
                print(f"bench: NATS R{replicas}: {exc!r}", file=sys.stderr, flush=True)
    return out


def run_all(
    scenarios: Sequence[str], runs: int, settings: Settings, nats: int, fresh: bool = True
) -> tuple[Runs, list[Result]]:
    """Every scenario `runs` times on each system (their order turning each round), then
    NATS's own rate. Each run starts its system afresh, or with `fresh` off each round
    starts each system once for all its scenarios (quicker, for a look)."""
    raise_nofile()
    results: Runs = {kind: {s: [] for s in scenarios} for kind in SYSTEMS}

    def measure(kind: str, system: System, scenario: str, round_no: int) -> None:
        started = time.perf_counter()
        result = run_on(system, scenario, settings)
        results[kind][scenario].append(result)
        print(
            f"bench: cluster {scenario} run {round_no + 1}/{runs} {kind}: "
            f"{headline(scenario, result)} ({time.perf_counter() - started:.0f} s)",
            file=sys.stderr,
            flush=True,
        )

    def failed(kind: str, names: Sequence[str], exc: Exception) -> None:
        for scenario in names:
            results[kind][scenario].append({"error": str(exc).splitlines()[0] or repr(exc)})
        print(f"bench: cluster {kind} did not start: {exc}", file=sys.stderr, flush=True)

    for round_no in range(runs):
        order = SYSTEMS if round_no % 2 == 0 else SYSTEMS[::-1]
        for batch in [list(scenarios)] if not fresh else [[s] for s in scenarios]:
            for kind in order:
                try:
                    system = System(kind, nats)
                except (OSError, RuntimeError, TimeoutError) as exc:
                    failed(kind, batch, exc)
                    continue
                with system:
                    for scenario in batch:
                        measure(kind, system, scenario, round_no)
    return results, nats_rates(nats, settings.seconds)


HEADLINES = {
    "fanout": ("deliveries_per_s", "deliveries/s"),
    "latency": ("other_p99_ms", "ms p99 to the other node"),
    "registrations": ("registrations_per_s", "registrations/s"),
    "nicks": ("nick_changes_per_s", "nick changes/s"),
    "memory": ("remote_kb_per_user", "kB per user on another node"),
}


def headline(scenario: str, result: Result) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    key, unit = HEADLINES[scenario]
    if result.get(key) is None:  # (one server: no other node)
        key, unit = {
            "latency": ("same_p99_ms", "ms p99"),
            "memory": ("local_kb_per_user", "kB per user"),
        }.get(scenario, (key, unit))
    lost = result.get("lost")
    return f"{result.get(key)} {unit}" + (f", lost {lost}" if lost else "")


def main(
    scenarios: Sequence[str],
    runs: int,
    settings: Settings,
    nats: int,
    out: Path,
    command: str,
    fresh: bool = True,
) -> int:
    from bench.cluster_report import table, write

    info = machine()
    load = os.getloadavg()[0]
    results, rates = run_all(scenarios, runs, settings, nats, fresh)
    info["load"] = f"{load:.1f} at the start, {os.getloadavg()[0]:.1f} at the end"
    summary = medians(results)
    write(out, summary, results, rates, info, command, nats)
    print(table(summary, rates))
    errors = sum(f.get("errors", 0) for s in summary.values() for f in s.values())
    errors += sum(1 for r in rates if "error" in r)
    return 1 if errors else 0
