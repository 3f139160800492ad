"""The cluster benchmark works: a short run of two nodes on a real NATS against one server.

No timings are asserted (the machine may be busy): every message reaches every member
on both nodes exactly once, latency is measured apart for the other node, nick changes
go through the cluster's claims, each node's memory is read, and NATS's own rate and
the report are written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 300.0
SIZES = {"clients": 20, "seconds": 0.5, "warmup": 0.2, "timed": 40, "concurrency": 4, "idle": 100}


def test_two_nodes_lose_nothing_and_the_report_is_written(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    out.write_text("# Performance\n\nWritten by hand.\n")
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "src")])}
    done = subprocess.run(
        [sys.executable, "-m", "bench", "cluster", "--quick",
         "--scenarios", "fanout,latency,nicks,memory",
         "--settings", json.dumps(SIZES), "--out", str(out)],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=RUN_TIMEOUT, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads((tmp_path / "performance-cluster.json").read_text())
    for system in ("single", "cluster"):
        medians = report["medians"][system]
        for scenario in ("fanout", "latency", "nicks", "memory"):
            assert medians[scenario]["errors"] == 0, report["runs"][system][scenario]
        for scenario in ("fanout", "latency"):
            figures = medians[scenario]
            assert figures["messages"] > 0
            assert figures["deliveries"] == figures["messages"] * (SIZES["clients"] - 1)
            assert figures["lost"] == 0 and figures["extra"] == 0
            assert figures["audit_gaps"] == 0 and figures["audit_disorder"] == 0
        assert medians["nicks"]["nick_changes"] > 0 and medians["nicks"]["refused"] == 0
    cluster = report["medians"]["cluster"]
    assert cluster["memory"]["users"] == SIZES["idle"]  # and both nodes' RSS was read:
    assert "local_kb_per_user" in cluster["memory"] and "remote_kb_per_user" in cluster["memory"]
    assert cluster["latency"]["other_p50_ms"] > 0 and cluster["latency"]["same_p50_ms"] > 0
    assert "other_p50_ms" not in report["medians"]["single"]["latency"]  # one node: no other
    assert cluster["fanout"]["cpu_n1"] > 0 and cluster["fanout"]["cpu_n2"] > 0
    assert cluster["fanout"]["stream_batches"] > 0
    assert report["nats"][0]["replicas"] == 1 and report["nats"][0]["acked_200_per_s"] > 0
    text = out.read_text()
    assert "Written by hand." in text and "## Cluster" in text
    assert "| latency p99 ms, receiver on the other node |" in text


def test_the_cluster_hotpath_serves_the_peers_members_too() -> None:
    from bench.cluster_hotpath import split

    figures = split(3, 4, senders=2, batch=8, rounds=2)
    origin_bytes, peer_bytes = figures["bytes_out"]
    assert figures["messages"] == 2 * 8 * 2
    assert origin_bytes > 0 and peer_bytes > 0  # the peer's four members got the lines
    assert figures["origin_us_per_message"] > 0 and figures["peer_us_per_message"] > 0
    alone = split(3, 0, senders=2, batch=8, rounds=2)
    assert alone["bytes_out"][1] == 0  # a peer with nobody in the room sends nothing
