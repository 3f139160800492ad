"""`python -m bench compare`: the servers side by side, each scenario run by run.

Each run of a scenario starts the server fresh on core 0 and the generator on
the other cores (`taskset`), so neither takes the other's CPU; the servers take turns
within a round and the order rotates from round to round, so drift on the
machine (other work, heat) falls on all of them alike. Medians over the runs
go into the report. A scenario run over TLS is kept under its name and `/tls`
(`fanout/tls`); every server of a run has the same certificate, made for it.
"""

from __future__ import annotations

import contextlib
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Sequence
from importlib import metadata
from pathlib import Path
from typing import Any

from bench.report import key as run_key
from bench.servers import RunningServer, ServerSpec
from bench.tls import Certificate, make_certificate

SERVER_CORE = 0
GENERATOR_TIMEOUT = 600.0
TRANSPORTS = ("plain", "tls")


def generator_cores() -> str | None:
    """The cores the generator runs on: all but the server's (None on one core)."""
    cores = sorted(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else []
    rest = [c for c in cores if c != SERVER_CORE]
    return ",".join(map(str, rest)) or None


Runs = dict[str, dict[str, list[dict[str, Any]]]]  # server -> scenario -> one result a run


def generate(
    scenario: str,
    server: RunningServer,
    settings: dict[str, Any],
    cores: str | None,
    transport: str = "plain",
) -> dict[str, Any]:
    """Run the generator for one scenario in its own process, pinned to `cores`."""
    tls = transport == "tls"
    if tls and server.tls_port is None:
        return {"skipped": "no TLS port in its command"}
    port = server.tls_port if tls else server.port
    words = [sys.executable, "-m", "bench", "run", scenario, "--port", str(port)]
    words += ["--pid", str(server.pid), "--settings", json.dumps(settings)]
    if tls:
        words.append("--tls")
    if cores is not None and shutil.which("taskset"):
        words = ["taskset", "-c", cores, *words]
    root = Path(__file__).resolve().parent.parent
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join(filter(None, [str(root), os.environ.get("PYTHONPATH")])),
    }
    try:
        done = subprocess.run(
            words, capture_output=True, text=True, timeout=GENERATOR_TIMEOUT, env=env, check=False
        )
    except subprocess.TimeoutExpired:
        return {"error": "generator timed out"}
    if done.returncode != 0:
        return {"error": (done.stderr.strip().splitlines() or ["generator failed"])[-1]}
    return dict(json.loads(done.stdout.strip().splitlines()[-1]))


def run_all(
    specs: Sequence[ServerSpec],
    scenarios: Sequence[str],
    runs: int,
    settings: dict[str, Any],
    pin: bool = True,
    done: Callable[[Runs], None] | None = None,
    transports: Sequence[str] = ("plain",),
) -> Runs:
    """Every scenario on every transport, `runs` rounds, every server once a round in
    rotating order.

    `done` is called with the results so far after each scenario, so that a
    long comparison stopped midway still leaves what it measured.
    """
    keys = [(s, t, run_key(s, t)) for s in scenarios for t in transports]
    results: Runs = {spec.name: {k: [] for _, _, k in keys} for spec in specs}
    with tempfile.TemporaryDirectory(prefix="bench-tls-") as folder:
        certificate = make_certificate(Path(folder))
        for scenario, transport, where in keys:
            for round_no in range(runs):
                shift = round_no % len(specs)
                for spec in [*specs[shift:], *specs[:shift]]:
                    started = time.perf_counter()
                    result = one_run(spec, scenario, transport, settings, pin, certificate)
                    results[spec.name][where].append(result)
                    print(
                        f"bench: {where} run {round_no + 1}/{runs} {spec.name}: "
                        f"{headline(scenario, result)} ({time.perf_counter() - started:.0f} s)",
                        file=sys.stderr,
                        flush=True,
                    )
            if done is not None:
                done({s: {k: v for k, v in r.items() if v} for s, r in results.items()})
    return results


def one_run(
    spec: ServerSpec,
    scenario: str,
    transport: str,
    settings: dict[str, Any],
    pin: bool,
    certificate: Certificate,
) -> dict[str, Any]:
    """One server started fresh, one scenario against it."""
    try:
        with RunningServer(spec, SERVER_CORE if pin else None, certificate) as server:
            cores = generator_cores() if pin else None
            result = generate(scenario, server, settings, cores, transport)
    except (OSError, RuntimeError, TimeoutError) as exc:
        result = {"error": str(exc).splitlines()[0]}
    return result


HEADLINES = {
    "fanout": ("deliveries_per_s", "deliveries/s"),
    "latency": ("p99_ms", "ms p99"),
    "idle": ("kb_per_registered", "kB/connection"),
    "churn": ("sessions_per_s", "sessions/s"),
    "handshake": ("sessions_per_s", "sessions/s"),
    "announce": ("p99_ms", "ms p99 to the last member"),
    "scale": ("held", "connections held"),
    "history": ("ping_p99_ms", "ms ping p99 while reading history"),
}


def headline(scenario: str, result: dict[str, Any]) -> str:
    if "error" in result:
        return f"error: {result['error']}"
    if "skipped" in result:
        return f"n/a ({result['skipped']})"
    key, unit = HEADLINES[scenario]
    lost = result.get("lost")
    return f"{result.get(key)} {unit}" + (f", lost {lost}" if lost else "")


def medians(results: Runs) -> dict[str, dict[str, dict[str, Any]]]:
    """Per server and scenario: the median of every numeric figure over the good runs.

    A scenario the server cannot take (history without draft/chathistory) has no
    figures, only the count of runs skipped; the report shows n/a for it.
    """
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for server, by_scenario in results.items():
        summary[server] = {}
        for scenario, runs in by_scenario.items():
            good = [r for r in runs if "error" not in r and "skipped" not in r]
            errors = sum(1 for r in runs if "error" in r)
            figures: dict[str, Any] = {"runs": len(good), "errors": errors}
            if len(runs) - len(good) - errors:
                figures["skipped"] = len(runs) - len(good) - errors
            keys = {k for r in good for k, v in r.items() if isinstance(v, int | float)}
            for key in sorted(keys):
                values = [r[key] for r in good if isinstance(r.get(key), int | float)]
                if values:
                    figures[key] = statistics.median(values)
            summary[server][scenario] = figures
    return summary


def machine() -> dict[str, Any]:
    """What the figures were measured on."""
    model = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return {
        "cpu": model,
        "cores": os.cpu_count(),
        "kernel": platform.release(),
        "python": platform.python_version(),
        "date": time.strftime("%Y-%m-%d"),
        "versions": versions(),
    }


def versions() -> dict[str, str]:
    found = {}
    import parley

    found["parley"] = parley.__version__
    for name, words in (
        ("ngircd", ["ngircd", "--version"]),
        ("inspircd", ["inspircd", "--version"]),
    ):
        try:
            out = subprocess.run(words, capture_output=True, text=True, timeout=10, check=False)
            found[name] = (out.stdout or out.stderr).strip().splitlines()[0]
        except (OSError, IndexError, subprocess.TimeoutExpired):
            continue
    with contextlib.suppress(metadata.PackageNotFoundError):
        found["uvloop"] = metadata.version("uvloop")
    return found
