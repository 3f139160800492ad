"""The benchmark itself works: a short side-by-side run against a real Parley.

No timings are asserted (the machine may be busy); what must hold on any
machine is that every scenario ran, over plain TCP and over TLS 1.3, nothing
was lost, every connection was held, and the report was written.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ("fanout", "latency", "idle", "churn", "handshake", "scale", "announce", "history")
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


# Each transport is a run of its own: a minute or so each on a busy machine, within the
# subprocess's RUN_TIMEOUT (which, not the suite's default, bounds them).
@pytest.mark.timeout(RUN_TIMEOUT + 30)
@pytest.mark.parametrize("transport", ["plain", "tls"])
def test_quick_comparison_runs_every_scenario_and_loses_nothing(
    tmp_path: Path, transport: str
) -> None:
    out = tmp_path / "performance.md"
    done = bench("compare", "--servers", "parley", "--quick", "--runs", "1", "--no-pin",
                 "--transports", transport, "--out", str(out), cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    report = json.loads(out.with_suffix(".json").read_text())
    medians, runs = report["medians"]["parley"], report["runs"]["parley"]
    suffix = "/tls" if transport == "tls" else ""
    for scenario in SCENARIOS:
        where = scenario + suffix
        assert medians[where]["errors"] == 0, runs[where]
        assert medians[where]["runs"] == 1
    for scenario, room in (("fanout", "clients"), ("latency", "clients"),
                           ("scale", "scale_room")):  # fmt: skip
        figures = medians[scenario + suffix]
        members = runs[scenario + suffix][0]["settings"][room]
        assert figures["messages"] > 0
        assert figures["deliveries"] == figures["messages"] * (members - 1)  # all but sender
        assert figures["lost"] == 0 and figures["extra"] == 0
        assert figures["audit_gaps"] == 0 and figures["audit_disorder"] == 0
    idle = medians["idle" + suffix]
    assert idle["held"] == idle["connections"] and idle["kb_per_registered"] > 0
    assert medians["scale" + suffix]["held"] == medians["scale" + suffix]["connections"]
    for scenario in ("churn", "handshake"):
        sessions = medians[scenario + suffix]
        assert sessions["sessions"] > 0 and sessions["failed"] == 0, runs[scenario + suffix]
        assert sessions["server_cpu_us_per_session"] > 0
    announce = medians["announce" + suffix]
    assert announce["messages"] > 0 and announce["lost"] == 0 and announce["extra"] == 0
    assert announce["served"] == announce["receivers"] == announce["members"] - 1
    assert announce["messages_to_all"] == announce["messages"]
    assert announce["mismatched"] == 0  # every member got the lines in order
    assert announce["max_ms"] >= announce["p99_ms"] > 0
    history = medians["history" + suffix]
    assert history["queries"] > 0 and history["failed"] == 0
    assert history["pings"] > 0 and history["ping_max_ms"] >= history["ping_p50_ms"] > 0
    for scenario in ("fanout", "handshake"):
        agreed = runs[scenario + suffix][0]["tls_version"]
        assert agreed == ("TLSv1.3" if transport == "tls" else None)
    text = out.read_text()
    assert "| fanout deliveries/s |" in text and "Targets" in text
    assert ("TLS 1.3:" if transport == "tls" else "Plain TCP:") in text
    assert "| history: ping p99 ms |" in text and "| new sessions/s |" in text


def test_any_server_can_be_compared_by_its_start_command(tmp_path: Path) -> None:
    command = (f"{sys.executable} -m parley.server --listen 127.0.0.1:{{port}} --no-tls "
               "--no-flood-limit --no-lobby --data-dir {dir}")  # fmt: skip
    out = tmp_path / "performance.md"
    done = bench("compare", "--servers", "", "--server", f"other={command}", "--quick",
                 "--runs", "1", "--no-pin", "--scenarios", "fanout", "--out", str(out),
                 cwd=tmp_path)  # fmt: skip
    assert done.returncode == 0, done.stderr
    medians = json.loads(out.with_suffix(".json").read_text())["medians"]["other"]
    fanout = medians["fanout"]
    assert fanout["errors"] == 0 and fanout["lost"] == 0 and fanout["deliveries"] > 0
    assert medians["fanout/tls"] == {"runs": 0, "errors": 0, "skipped": 1}  # no {tls_port}


def test_generator_refuses_a_target_off_this_machine(tmp_path: Path) -> None:
    done = bench("run", "fanout", "--host", "192.0.2.1", "--port", "6667", cwd=tmp_path)
    assert done.returncode == 2
    assert "loopback" in done.stderr
