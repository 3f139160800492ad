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
    ("churn", "server_cpu_us_per_session", "churn: server CPU µs/session", False),
    ("handshake", "sessions_per_s", "new sessions/s", True),
    ("handshake", "server_cpu_us_per_session", "new sessions: server CPU µs/session", False),
    ("scale", "held", "scale: held", True),
    ("scale", "p99_ms", "scale p99 ms", False),
    ("announce", "p99_ms", "announce: p99 ms to the last member", False),
    ("announce", "lost", "announce lost", False),
    ("history", "ping_p50_ms", "history: ping p50 ms", False),
    ("history", "ping_p99_ms", "history: ping p99 ms", False),
    ("history", "ping_max_ms", "history: ping max ms", False),
    ("history", "queries_per_s", "history: CHATHISTORY queries/s", True),
]
# Figures of the generator itself: whether it, not the server, was the limit.
GENERATOR_ROWS = [
    ("fanout", "generator_cpu", "fanout: generator CPU (share of its core)"),
    ("fanout", "server_cpu", "fanout: server CPU (share of its core)"),
    ("churn", "generator_cpu", "churn: generator CPU (share of its core)"),
    ("churn", "server_cpu", "churn: server CPU (share of its core)"),
    ("handshake", "generator_cpu", "new sessions: generator CPU (cores, all processes)"),
    ("handshake", "server_cpu", "new sessions: server CPU (share of its core)"),
    ("announce", "generator_cpu", "announce: generator CPU (share of its core)"),
]
TLS = "/tls"  # the suffix of a scenario run over TLS (bench/compare.py)
TITLES = {"plain": "Plain TCP", "tls": "TLS 1.3"}


def key(scenario: str, transport: str) -> str:
    """Where a scenario's runs are kept: `fanout`, or `fanout/tls` over TLS."""
    return scenario + TLS if transport == "tls" else scenario


def transports(summary: Summary) -> list[str]:
    """The transports with figures in `summary`, plain first."""
    found = {"tls" if k.endswith(TLS) else "plain" for s in summary.values() for k in s}
    return [t for t in ("plain", "tls") if t in found]


def figure(summary: Summary, server: str, scenario: str, name: str) -> float | None:
    value = summary.get(server, {}).get(scenario, {}).get(name)
    return float(value) if isinstance(value, int | float) else None


def fmt(value: float | None) -> str:
    if value is None:
        return "n/a"
    if abs(value) >= 1000:
        return f"{value:,.0f}"
    if value == int(value):
        return str(int(value))
    return f"{value:.2f}"


def table(summary: Summary, transport: str = "plain") -> str:
    """Scenarios as rows, servers as columns: medians over one transport."""
    servers = list(summary)
    lines = [
        "| figure (median) | " + " | ".join(servers) + " |",
        "| --- |" + " ---: |" * len(servers),
    ]
    ran = {k for s in summary.values() for k in s}
    for scenario, name, label, _ in COLUMNS:
        if key(scenario, transport) not in ran:
            continue
        cells = [fmt(figure(summary, s, key(scenario, transport), name)) for s in servers]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    for scenario, name, label in GENERATOR_ROWS:
        if key(scenario, transport) not in ran:
            continue
        cells = [fmt(figure(summary, s, key(scenario, transport), name)) for s in servers]
        lines.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(lines)


Target = tuple[str, str, bool | None]


def targets(summary: Summary) -> list[Target]:
    """Each target of the benchmark: what it asks, what Parley did, met or not."""
    p = "parley"
    out: list[Target] = []

    def get(server: str, scenario: str, name: str) -> float | None:
        return figure(summary, server, scenario, name)

    for transport, wanted in (("plain", 2.5), ("tls", 2.0)):
        where = key("fanout", transport)
        peers = [s for s in ("ngircd", "inspircd") if get(s, where, "deliveries_per_s")]
        fan = get(p, where, "deliveries_per_s")
        if fan and peers:
            best = max(peers, key=lambda s: get(s, where, "deliveries_per_s") or 0)
            ratio = fan / (get(best, where, "deliveries_per_s") or 1)
            lost = get(p, where, "lost") or 0
            out.append(
                (
                    f"fanout over {TITLES[transport]} >= {wanted:g}x the faster C server "
                    f"({best}), nothing lost",
                    f"{ratio:.2f}x, lost {fmt(lost)}",
                    ratio >= wanted and lost == 0,
                )
            )
    for transport in ("plain", "tls"):
        out += _at_most_ngircd(summary, key("latency", transport), "p99_ms", "latency p99", "ms")
    for name, limit, label in (
        ("kb_per_registered", 4.0, "idle registered"),
        ("kb_per_joined", 8.0, "all joined one channel"),
    ):
        kb = get(p, "idle", name)
        if kb is not None:
            out.append(
                (
                    f"<= {limit:g} kB RSS per connection, {label}",
                    f"{kb:.2f} kB ({kb / limit:.2f} of the budget)",
                    kb <= limit,
                )
            )
    for name, label in (("kb_per_registered", "idle"), ("kb_per_joined", "joined")):
        out += _at_most_ngircd(
            summary, key("idle", "tls"), name, f"kB per connection, {label}", "kB"
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
    mine, theirs = (
        get(p, "handshake/tls", "sessions_per_s"),
        get("ngircd", "handshake/tls", "sessions_per_s"),
    )
    if mine is not None and theirs:
        out.append(
            (
                "new TLS sessions/s >= ngircd's",
                f"{fmt(mine)} vs {fmt(theirs)} ({mine / theirs:.2f}x)",
                mine >= theirs,
            )
        )
    for transport in ("plain", "tls"):
        out += _at_most_ngircd(
            summary, key("churn", transport), "server_cpu_us_per_session", "churn CPU/session", "µs"
        )
    for transport in ("plain", "tls"):
        where = key("announce", transport)
        found = _at_most_ngircd(summary, where, "p99_ms", "announce p99 to the last member", "ms")
        if found:
            label, value, met = found[0]
            lost = get(p, where, "lost") or 0
            served, receivers = get(p, where, "served"), get(p, where, "receivers")
            everyone = lost == 0 and served == receivers
            out.append(
                (
                    label + ", every member served",
                    f"{value}, lost {fmt(lost)}, served {fmt(served)} of {fmt(receivers)}",
                    bool(met) and everyone,
                )
            )
    held, wanted_held = get(p, "scale", "held"), get(p, "scale", "connections")
    if held is not None and wanted_held:
        lost = get(p, "scale", "lost") or 0
        out.append(
            (
                f"{fmt(wanted_held)} connections held while messages flow",
                f"{fmt(held)} held, lost {fmt(lost)}",
                held >= wanted_held and lost == 0,
            )
        )
    return out


def _at_most_ngircd(summary: Summary, where: str, name: str, label: str, unit: str) -> list[Target]:
    """Parley's figure against ngircd's, lower being better; nothing if either is missing."""
    mine, theirs = figure(summary, "parley", where, name), figure(summary, "ngircd", where, name)
    if mine is None or not theirs:
        return []
    over = " over TLS" if where.endswith(TLS) else ""
    return [
        (
            f"{label}{over} <= ngircd's",
            f"{fmt(mine)} {unit} vs {fmt(theirs)} {unit} ({mine / theirs:.2f}x)",
            mine <= theirs,
        )
    ]


def targets_table(summary: Summary) -> str:
    lines = ["| target | Parley | met |", "| --- | --- | --- |"]
    for label, value, met in targets(summary):
        lines.append(f"| {label} | {value} | {'yes' if met else 'no'} |")
    return "\n".join(lines)


def chart(summary: Summary, path: Path) -> bool:
    """A bar chart per headline figure, plain and TLS side by side; False without matplotlib."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        return False
    servers = list(summary)
    kinds = transports(summary)
    panels = [
        c
        for c in COLUMNS
        if c[1] not in ("lost", "held")
        and any(figure(summary, s, key(c[0], t), c[1]) for s in servers for t in kinds)
    ]
    if not panels:
        return False
    columns = (len(panels) + 2) // 3
    fig, axes = plt.subplots(3, columns, figsize=(4 * columns, 9.5), squeeze=False)
    colours = {"plain": "#2f6fb0", "tls": "#d98b2b"}
    width = 0.8 / len(kinds)
    for ax, (scenario, name, label, higher) in zip(axes.flat, panels, strict=False):
        for j, transport in enumerate(kinds):
            values = [figure(summary, s, key(scenario, transport), name) or 0 for s in servers]
            spots = [i + (j - (len(kinds) - 1) / 2) * width for i in range(len(servers))]
            ax.bar(spots, values, width, color=colours[transport], label=TITLES[transport])
            for x, v in zip(spots, values, strict=True):
                ax.annotate(fmt(v), (x, v), ha="center", va="bottom", fontsize=6)
        ax.set_xticks(range(len(servers)), servers)
        ax.set_title(
            label + (" (higher is better)" if higher else " (lower is better)"), fontsize=8
        )
        ax.tick_params(labelsize=7)
    if len(kinds) > 1:
        axes.flat[0].legend(fontsize=7)
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
        *[
            part
            for transport in transports(summary)
            for part in (f"{TITLES[transport]}:", "", table(summary, transport), "")
        ],
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
