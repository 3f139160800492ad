"""What the generator reads about the server and itself: RSS and CPU, from /proc and getrusage."""

from __future__ import annotations

import os
import resource
import time
from dataclasses import dataclass
from typing import Any

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def rss_bytes(pid: int) -> int | None:
    """The resident set of process `pid` (VmRSS), or None if it cannot be read."""
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        return None
    return None


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time of process `pid`, all its threads, in seconds."""
    try:
        with open(f"/proc/{pid}/stat", encoding="ascii") as stat:
            fields = stat.read().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / _TICKS  # utime, stime


def own_cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


@dataclass
class Meter:
    """CPU used by the server and by the generator over a stretch of wall time."""

    pid: int | None
    wall: float = 0.0
    server_cpu: float | None = 0.0
    own_cpu: float = 0.0

    def start(self) -> Meter:
        self.wall = time.perf_counter()
        self.server_cpu = cpu_seconds(self.pid) if self.pid else None
        self.own_cpu = own_cpu_seconds()
        return self

    def stop(self) -> dict[str, Any]:
        """Seconds elapsed and the share of one core each side used meanwhile."""
        wall = time.perf_counter() - self.wall
        own = (own_cpu_seconds() - self.own_cpu) / wall
        server = None
        if self.pid and self.server_cpu is not None:
            now = cpu_seconds(self.pid)
            server = None if now is None else (now - self.server_cpu) / wall
        return {"seconds": wall, "server_cpu": server, "generator_cpu": own}


def raise_nofile() -> int:
    """Lift this process's open-files limit to its hard cap; returns the new limit."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if hard == resource.RLIM_INFINITY:
        hard = 1 << 20
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return hard
