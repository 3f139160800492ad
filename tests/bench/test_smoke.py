"""The benchmark itself works: a short side-by-side run against a real Parley.

No timings are asserted (the machine may be busy); what must hold on any
machine is that every scenario ran, nothing was lost, every connection was
held, and the report was written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
RUN_TIMEOUT = 300.0


def bench(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    return subprocess.run(
        [sys.executable, "-m", "bench", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=RUN_TIMEOUT,
        check=False,
    )


def test_quick_comparison_runs_every_scenario_and_loses_nothing(tmp_path: Path) -> None:
    out = tmp_path / "performance.md"
    done = bench("compare", "--servers", "parley", "--quick", "--runs", "1", "--no-pin",
                 "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.with_suffix(".json").read_text())
    medians = report["medians"]["parley"]
    for scenario in ("fanout", "latency", "idle", "churn", "scale", "history"):
        assert medians[scenario]["errors"] == 0, report["runs"]["parley"][scenario]
        assert medians[scenario]["runs"] == 1
    for scenario, room in (("fanout", "clients"), ("latency", "clients"), ("scale", "scale_room")):
        figures = medians[scenario]
        members = report["runs"]["parley"][scenario][0]["settings"][room]
        assert figures["messages"] > 0
        assert figures["deliveries"] == figures["messages"] * (members - 1)  # all but the sender
        assert figures["lost"] == 0 and figures["extra"] == 0
        assert figures["audit_gaps"] == 0 and figures["audit_disorder"] == 0
    assert medians["idle"]["held"] == medians["idle"]["connections"]
    assert medians["idle"]["kb_per_registered"] > 0
    assert medians["scale"]["held"] == medians["scale"]["connections"]
    assert medians["churn"]["sessions"] > 0 and medians["churn"]["failed"] == 0
    history = medians["history"]
    assert history["errors"] == 0 and history["runs"] == 1, report["runs"]["parley"]["history"]
    assert history["queries"] > 0 and history["failed"] == 0
    assert history["pings"] > 0 and history["ping_max_ms"] >= history["ping_p50_ms"] > 0
    text = out.read_text()
    assert "| fanout deliveries/s |" in text and "Targets" in text
    assert "| history: ping p99 ms |" in text


def test_any_server_can_be_compared_by_its_start_command(tmp_path: Path) -> None:
    command = (f"{sys.executable} -m parley.server --listen 127.0.0.1:{{port}} --no-tls "
               "--no-flood-limit --no-lobby --data-dir {dir}")  # fmt: skip
    out = tmp_path / "performance.md"
    done = bench("compare", "--servers", "", "--server", f"other={command}", "--quick",
                 "--runs", "1", "--no-pin", "--scenarios", "fanout", "--out", str(out),
                 cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    fanout = json.loads(out.with_suffix(".json").read_text())["medians"]["other"]["fanout"]
    assert fanout["errors"] == 0 and fanout["lost"] == 0 and fanout["deliveries"] > 0


def test_generator_refuses_a_target_off_this_machine(tmp_path: Path) -> None:
    done = bench("run", "fanout", "--host", "192.0.2.1", "--port", "6667", cwd=tmp_path)
    assert done.returncode == 2
    assert "loopback" in done.stderr
