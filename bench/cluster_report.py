"""The cluster's figures: a table of medians in docs/performance.md, every run in JSON.

The generated part sits between its own two markers in the "Cluster" section;
what is around it is kept as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from bench.report import fmt


def markers(nats: int) -> tuple[str, str]:
    """Where a run's figures go: one NATS server and three each have their own place."""
    name = "cluster" if nats == 1 else f"cluster-nats{nats}"
    return f"<!-- bench:{name}:begin (written by python -m bench cluster) -->", (
        f"<!-- bench:{name}:end -->"
    )


Summary = dict[str, dict[str, dict[str, Any]]]

# (scenario, figure, label)
ROWS = [
    ("fanout", "deliveries_per_s", "fanout deliveries/s"),
    ("fanout", "lost", "fanout lost"),
    ("fanout", "extra", "fanout extra"),
    (
        "fanout",
        "servers_cpu_us_per_message",
        "fanout: Parley CPU per channel message, µs (all nodes)",
    ),
    ("latency", "same_p50_ms", "latency p50 ms, receiver on the sender's node"),
    ("latency", "same_p99_ms", "latency p99 ms, receiver on the sender's node"),
    ("latency", "other_p50_ms", "latency p50 ms, receiver on the other node"),
    ("latency", "other_p99_ms", "latency p99 ms, receiver on the other node"),
    ("latency", "lost", "latency lost"),
    ("registrations", "registrations_per_s", "registrations/s, 10 at a time"),
    ("nicks", "nick_changes_per_s", "nick changes/s, 10 clients one at a time"),
    ("nicks", "refused", "nick changes refused"),
    ("memory", "local_kb_per_user", "kB RSS per user on its own node (10 to a channel)"),
    ("memory", "remote_kb_per_user", "kB RSS per user on another node (10 to a channel)"),
]
PROCESSES = ("parley", "n1", "n2", "nats1", "nats2", "nats3")


def _get(summary: Summary, system: str, scenario: str, key: str) -> float | None:
    value = summary.get(system, {}).get(scenario, {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def table(summary: Summary, rates: list[dict[str, Any]]) -> str:
    lines = [
        "| figure (median) | one server | two nodes on NATS |",
        "| --- | ---: | ---: |",
    ]
    for scenario, key, label in ROWS:
        if scenario not in summary.get("single", {}) and scenario not in summary.get("cluster", {}):
            continue
        cells = [fmt(_get(summary, s, scenario, key)) for s in ("single", "cluster")]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for scenario in ("fanout", "registrations", "nicks"):
        cells = []
        for system in ("single", "cluster"):
            figures = summary.get(system, {}).get(scenario, {})
            shares = [
                f"{name} {fmt(figures[f'cpu_{name}'])}"
                for name in PROCESSES
                if isinstance(figures.get(f"cpu_{name}"), int | float)
            ]
            generator = figures.get("generator_cpu")
            if isinstance(generator, int | float):
                shares.append(f"generator {fmt(generator)}")
            cells.append(", ".join(shares) or "n/a")
        if any(c != "n/a" for c in cells):
            lines.append(f"| {scenario}: CPU (share of a core) | " + " | ".join(cells) + " |")
    batches = _get(summary, "cluster", "fanout", "stream_batches")
    sent = _get(summary, "cluster", "fanout", "messages")
    size = _get(summary, "cluster", "fanout", "stream_bytes")
    if batches and sent and size:
        lines.append(
            f"| fanout: stream messages (batches) | | {fmt(batches)}: {fmt(sent / batches)} "
            f"channel messages and {fmt(size / batches)} bytes each |"
        )
    if rates:
        lines += ["", rates_table(rates)]
    return "\n".join(lines)


def rates_table(rates: list[dict[str, Any]]) -> str:
    lines = [
        "| NATS JetStream, nats-py, file storage | "
        + " | ".join(f"R{r.get('replicas')}" for r in rates)
        + " |",
        "| --- |" + " ---: |" * len(rates),
    ]
    for key, label in (
        ("acked_200_per_s", "200-byte messages/s, each acknowledged before the next"),
        ("pipelined_200_per_s", "200-byte messages/s, 256 in flight"),
        ("acked_16384_per_s", "16 KiB messages/s, each acknowledged before the next"),
        ("pipelined_16384_per_s", "16 KiB messages/s, 256 in flight"),
        ("pipelined_16384_mb_per_s", "16 KiB messages, MB/s, 256 in flight"),
    ):
        cells = [fmt(r.get(key) if isinstance(r.get(key), int | float) else None) for r in rates]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


def write(
    doc: Path,
    summary: Summary,
    runs: Any,
    rates: list[dict[str, Any]],
    info: dict[str, Any],
    command: str,
    nats: int,
) -> None:
    """`doc`'s cluster section, and every run beside it in `<doc>-cluster.json`."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    begin, end = markers(nats)
    suffix = "" if nats == 1 else f"-nats{nats}"
    json_path = doc.with_name(f"{doc.stem}-cluster{suffix}.json")
    record = {"machine": info, "command": command, "medians": summary, "runs": runs}
    json_path.write_text(json.dumps({**record, "nats": rates}, indent=1) + "\n")
    count = max((f.get("runs", 0) for s in summary.values() for f in s.values()), default=0)
    section = "\n".join(
        [
            begin,
            f"Measured {info.get('date')} on {info.get('cpu') or 'an unknown CPU'} "
            f"({info.get('cores')} cores; load average {info.get('load', '?')}), "
            f"Linux {info.get('kernel')}, "
            f"Python {info.get('python')}; {nats} NATS server{'s' if nats > 1 else ''}. "
            f"Medians of {count} run{'s' if count > 1 else ''} each, with:",
            "",
            f"    {command}",
            "",
            table(summary, rates),
            "",
            f"Every run's figures: [{json_path.name}]({json_path.name}).",
            end,
        ]
    )
    text = doc.read_text() if doc.exists() else "# Performance\n"
    if begin in text and end in text:
        head, rest = text.split(begin, 1)
        text = head + section + rest.split(end, 1)[1]
    elif "\n## Cluster\n" in text:  # after the section's last results, or its heading
        head, tail = text.split("\n## Cluster\n", 1)
        at = tail.find("\n## ")
        body, rest = (tail, "") if at < 0 else (tail[: at + 1], tail[at + 1 :])
        text = f"{head}\n## Cluster\n{body.rstrip()}\n\n{section}\n" + (f"\n{rest}" if rest else "")
    else:
        text = text.rstrip("\n") + "\n\n## Cluster\n\n" + section + "\n"
    doc.write_text(text)
