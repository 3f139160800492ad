"""The report: JSON of every run, a markdown table of medians, targets, and a chart.

The generated part of docs/performance.md sits between two markers; what is
around it (how to read it, notes on the figures) is kept as written.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

BEGIN = "<!-- bench:results:begin (written by python -m bench compare) -->"
END = "<!-- bench:results:end -->"

Summary = dict[str, dict[str, dict[str, Any]]]

# (scenario, figure, label, higher is better)
COLUMNS = [
    ("fanout", "deliveries_per_s", "fanout deliveries/s", True),
    ("fanout", "lost", "fanout lost", False),
    ("latency", "p50_ms", "latency p50 ms", False),
    ("latency", "p99_ms", "latency p99 ms", False),
    ("idle", "kb_per_registered", "kB/idle conn", False),
    ("idle", "kb_per_joined", "kB/conn joined", False),
    ("idle", "registrations_per_s", "registrations/s", True),
    ("churn", "sessions_per_s", "churn sessions/s", True),
    ("scale", "held", "scale: held", True),
    ("scale", "p99_ms", "scale p99 ms", False),
    ("history", "ping_p50_ms", "history: ping p50 ms", False),
    ("history", "ping_p99_ms", "history: ping p99 ms", False),
    ("history", "ping_max_ms", "history: ping max ms", False),
    ("history", "queries_per_s", "history: CHATHISTORY queries/s", True),
]


def figure(summary: Summary, server: str, scenario: str, key: str) -> float | None:
    value = summary.get(server, {}).get(scenario, {}).get(key)
    return float(value) if isinstance(value, int | float) else None


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}"


def table(summary: Summary) -> str:
    """Scenarios as rows, servers as columns: medians."""
    servers = list(summary)
    lines = [
        "| figure (median) | " + " | ".join(servers) + " |",
        "| --- |" + " ---: |" * len(servers),
    ]
    for scenario, key, label, _ in COLUMNS:
        cells = [fmt(figure(summary, s, scenario, key)) for s in servers]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    cpu = [summary[s].get("fanout", {}).get("generator_cpu") for s in servers]
    lines.append(
        "| fanout: generator CPU (share of its core) | " + " | ".join(fmt(c) for c in cpu) + " |"
    )
    cpu = [summary[s].get("fanout", {}).get("server_cpu") for s in servers]
    lines.append(
        "| fanout: server CPU (share of its core) | " + " | ".join(fmt(c) for c in cpu) + " |"
    )
    return "\n".join(lines)


def targets(summary: Summary) -> list[tuple[str, str, bool | None]]:
    """Each target of the benchmark: what it asks, what Parley did, met or not."""
    p = "parley"
    out: list[tuple[str, str, bool | None]] = []

    def get(server: str, scenario: str, key: str) -> float | None:
        return figure(summary, server, scenario, key)

    peers = [s for s in ("ngircd", "inspircd") if get(s, "fanout", "deliveries_per_s")]
    fan = get(p, "fanout", "deliveries_per_s")
    if fan and peers:
        best = max(peers, key=lambda s: get(s, "fanout", "deliveries_per_s") or 0)
        ratio = fan / (get(best, "fanout", "deliveries_per_s") or 1)
        lost = get(p, "fanout", "lost") or 0
        out.append(
            (
                f"fanout >= 1.5x the faster C server ({best}), nothing lost",
                f"{ratio:.2f}x, lost {fmt(lost)}",
                ratio >= 1.5 and lost == 0,
            )
        )
    mine, theirs = get(p, "latency", "p99_ms"), get("ngircd", "latency", "p99_ms")
    if mine is not None and theirs:
        out.append(
            (
                "latency p99 <= ngircd's",
                f"{mine:.2f} ms vs {theirs:.2f} ms ({mine / theirs:.2f}x)",
                mine <= theirs,
            )
        )
    for key, limit, label in (
        ("kb_per_registered", 4.0, "idle registered"),
        ("kb_per_joined", 8.0, "all joined one channel"),
    ):
        kb = get(p, "idle", key)
        if kb is not None:
            out.append(
                (
                    f"<= {limit:g} kB RSS per connection, {label}",
                    f"{kb:.2f} kB ({kb / limit:.2f} of the budget)",
                    kb <= limit,
                )
            )
    reg = get(p, "idle", "registrations_per_s")
    if reg is not None:
        out.append(
            (
                ">= 10,000 registrations/s, 10 at a time",
                f"{fmt(reg)}/s ({reg / 10000:.2f}x)",
                reg >= 10000,
            )
        )
    mine, theirs = get(p, "churn", "sessions_per_s"), get("ngircd", "churn", "sessions_per_s")
    if mine is not None and theirs:
        out.append(
            (
                "churn >= ngircd's",
                f"{fmt(mine)} vs {fmt(theirs)} sessions/s ({mine / theirs:.2f}x)",
                mine >= theirs,
            )
        )
    held, wanted = get(p, "scale", "held"), get(p, "scale", "connections")
    if held is not None and wanted:
        lost = get(p, "scale", "lost") or 0
        out.append(
            (
                f"{fmt(wanted)} connections held while messages flow",
                f"{fmt(held)} held, lost {fmt(lost)}",
                held >= wanted and lost == 0,
            )
        )
    return out


def targets_table(summary: Summary) -> str:
    lines = ["| target | Parley | met |", "| --- | --- | --- |"]
    for label, value, met in targets(summary):
        lines.append(f"| {label} | {value} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


def chart(summary: Summary, path: Path) -> bool:
    """A bar chart per headline figure; False when matplotlib is not installed."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    servers = list(summary)
    panels = [
        c
        for c in COLUMNS
        if c[1] not in ("lost", "held") and any(figure(summary, s, c[0], c[1]) for s in servers)
    ]
    if not panels:
        return False
    fig, axes = plt.subplots(2, (len(panels) + 1) // 2, figsize=(16, 6.5), squeeze=False)
    colours = ["#2f6fb0", "#d98b2b", "#5a9e4b", "#9b59b6", "#c0392b"]
    for ax, (scenario, key, label, higher) in zip(axes.flat, panels, strict=False):
        values = [figure(summary, s, scenario, key) or 0 for s in servers]
        ax.bar(servers, values, color=colours[: len(servers)])
        ax.set_title(
            label + (" (higher is better)" if higher else " (lower is better)"), fontsize=9
        )
        ax.tick_params(labelsize=8)
        for i, v in enumerate(values):
            ax.annotate(fmt(v), (i, v), ha="center", va="bottom", fontsize=7)
    for ax in list(axes.flat)[len(panels) :]:
        ax.axis("off")
    fig.suptitle("Parley and the C servers, each on one core (medians)", fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=90)
    plt.close(fig)
    return True


def results_section(
    summary: Summary, info: dict[str, Any], command: str, chart_name: str | None, json_name: str
) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in info.get("versions", {}).items())
    runs = max((f.get("runs", 0) for s in summary.values() for f in s.values()), default=0)
    parts = [
        BEGIN,
        f"Measured {info.get('date')} on {info.get('cpu') or 'an unknown CPU'} "
        f"({info.get('cores')} cores), Linux {info.get('kernel')}, Python {info.get('python')}; "
        f"{versions}. Medians of {runs} runs each, with:",
        "",
        f"    {command}",
        "",
        table(summary),
        "",
        "Targets (the same run):",
        "",
        targets_table(summary),
        "",
    ]
    if chart_name:
        parts += [f"![Side by side]({chart_name})", ""]
    parts += [f"Every run's figures: [{json_name}]({json_name}).", END]
    return "\n".join(parts)


def write(doc: Path, summary: Summary, runs: Any, info: dict[str, Any], command: str) -> None:
    """The JSON, the chart and the results section of `doc`, side by side in its folder."""
    doc.parent.mkdir(parents=True, exist_ok=True)
    json_path = doc.with_suffix(".json")
    json_path.write_text(
        json.dumps(
            {"machine": info, "command": command, "medians": summary, "runs": runs}, indent=1
        )
        + "\n"
    )
    png = doc.with_suffix(".png")
    chart_name = png.name if chart(summary, png) else None
    section = results_section(summary, info, command, chart_name, json_path.name)
    text = doc.read_text() if doc.exists() else f"# Performance\n\n{BEGIN}\n{END}\n"
    if BEGIN in text and END in text:
        head, rest = text.split(BEGIN, 1)
        tail = rest.split(END, 1)[1]
        text = head + section + tail
    else:
        text = text.rstrip("\n") + "\n\n" + section + "\n"
    doc.write_text(text)
