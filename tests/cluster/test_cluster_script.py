"""`make cluster`'s script: three NATS servers and three nodes come up on loopback and
answer, and Ctrl+C ends every process it started, after telling where each one is."""

from __future__ import annotations

import contextlib
import os
import queue
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

from support.client import IrcClient

SCRIPT = Path(__file__).resolve().parents[2] / "scripts" / "cluster"
READY_TIMEOUT = 90.0
STOP_TIMEOUT = 60.0


def alive(pid: int) -> bool:
    return Path(f"/proc/{pid}").exists()


def test_the_local_cluster_starts_answers_and_stops_on_ctrl_c(tmp_path: Path) -> None:
    data = tmp_path / "cluster"
    proc = subprocess.Popen(
        [sys.executable, str(SCRIPT), "--dir", str(data), "--nats-port", "0",
         "--irc-port", "0", "--tls-port", "0", "--web-port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )  # fmt: skip
    lines: queue.Queue[str | None] = queue.Queue()
    output: list[str] = []

    def read() -> None:
        assert proc.stdout is not None
        for line in proc.stdout:
            output.append(line)
            lines.put(line)
        lines.put(None)

    threading.Thread(target=read, daemon=True).start()
    pids: list[int] = []
    try:
        deadline = time.monotonic() + READY_TIMEOUT
        while True:
            line = lines.get(timeout=max(0.0, deadline - time.monotonic()))
            assert line is not None, "".join(output)
            pids += [int(pid) for pid in re.findall(r"\(pid (\d+)", line)]
            if "Ctrl+C stops everything" in line:
                break
        text = "".join(output)
        assert f"data in {data}" in text
        nodes = re.findall(
            r"^cluster: (n\d): 127\.0\.0\.1:(\d+), 127\.0\.0\.1:(\d+) \(TLS\), web (https://\S+)",
            text,
            re.MULTILINE,
        )
        assert [name for name, *_ in nodes] == ["n1", "n2", "n3"]
        assert len(re.findall(r"^cluster: nats-\d: nats://127\.0\.0\.1:\d+", text, re.M)) == 3
        assert len(pids) == 6 and all(alive(pid) for pid in pids)
        for n, (name, port, tls_port, _) in enumerate(nodes):
            client = IrcClient(int(port))
            client.register(f"user{n}")
            client.close()
            secure = IrcClient(int(tls_port), tls=True)
            secure.register(f"secure{n}")
            secure.close()
            assert (data / name / "node.log").is_file()
        for i in range(3):
            assert (data / "nats" / f"nats-{i + 1}" / "nats.conf").is_file()

        proc.send_signal(signal.SIGINT)
        assert proc.wait(STOP_TIMEOUT) == 0, "".join(output)
        assert not any(alive(pid) for pid in pids)
        assert "stopped; the data stays" in "".join(output)
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        for pid in pids:  # only if the script could not end them itself
            if alive(pid):
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
