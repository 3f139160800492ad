"""`python -m bench run ...` and `python -m bench compare ...`; see bench/__init__.py."""

from __future__ import annotations

import argparse
import json
import shlex
import signal
import sys
from pathlib import Path

from bench.scenarios import SCENARIOS, Target

EXIT_USAGE = 2
CLUSTER_QUICK = {"timed": 200, "seconds": 1.0}  # with --quick: registrations, nick changes


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    sub = p.add_subparsers(dest="command", required=True)

    run = sub.add_parser("run", help="one scenario against a running server; JSON on stdout")
    run.add_argument("scenario", choices=sorted(SCENARIOS))
    run.add_argument("--host", default="127.0.0.1", help="loopback only (127.0.0.1 or ::1)")
    run.add_argument("--port", type=int, required=True)
    run.add_argument("--pid", type=int, help="the server's process, for its RSS and CPU")
    run.add_argument("--tls", action="store_true", help="the port speaks TLS (1.3 is required)")
    run.add_argument("--quick", action="store_true", help="small sizes, about a second each")
    run.add_argument("--settings", default="{}", help="sizes as JSON, e.g. '{\"clients\": 100}'")

    sub.add_parser("hotpath", help="the server's CPU per message and per delivery, no sockets")
    sub.add_parser("cluster-hotpath", help="what cluster mode adds to a message's CPU, no NATS")

    cmp = sub.add_parser("compare", help="servers side by side; writes docs/performance.md")
    cmp.add_argument(
        "--servers",
        default="parley,ngircd,inspircd",
        help="built-in servers to run (parley, ngircd, inspircd)",
    )
    cmp.add_argument(
        "--server",
        action="append",
        default=[],
        metavar="NAME=COMMAND",
        help="another server: its start command, with {port} (and {dir}) in it",
    )
    cmp.add_argument("--scenarios", default=",".join(SCENARIOS))
    cmp.add_argument(
        "--transports",
        default="plain,tls",
        help="run each scenario over plain TCP, TLS or both (plain,tls)",
    )
    cmp.add_argument("--runs", type=int, default=3, help="runs of each scenario per server")
    cmp.add_argument("--quick", action="store_true", help="small sizes, for a look")
    cmp.add_argument("--settings", default="{}", help="sizes as JSON, as for run")
    cmp.add_argument("--no-pin", action="store_true", help="do not pin to cores with taskset")
    cmp.add_argument("--out", default="docs/performance.md", help="the report to write")

    clu = sub.add_parser("cluster", help="two nodes on NATS against one server; a section of --out")
    clu.add_argument("--scenarios", default="fanout,latency,registrations,nicks,memory")
    clu.add_argument("--runs", type=int, default=1, help="runs of each scenario per system")
    clu.add_argument("--nats", type=int, choices=(1, 3), default=1, help="NATS servers")
    clu.add_argument(
        "--quick",
        action="store_true",
        help="small sizes, and each system started once a round for all its scenarios",
    )
    clu.add_argument("--settings", default="{}", help="sizes as JSON, as for run")
    clu.add_argument("--out", default="docs/performance.md", help="the report to write")
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if args.command == "hotpath":
        from bench.hotpath import main as hotpath_main

        return hotpath_main()
    if args.command == "cluster-hotpath":
        from bench.cluster_hotpath import main as cluster_hotpath_main

        return cluster_hotpath_main()
    from bench.generator import QUICK, settings_from

    try:
        values = {**(QUICK if args.quick else {}), **json.loads(args.settings)}
        settings = settings_from(values)
    except (ValueError, TypeError) as exc:
        print(f"bench: error: --settings: {exc}", file=sys.stderr)
        return EXIT_USAGE
    if args.command == "cluster":
        return cluster(args, values)
    if args.command == "run":
        if args.host not in ("127.0.0.1", "::1", "localhost") and not args.host.startswith("127."):
            print("bench: error: the benchmark only targets loopback addresses", file=sys.stderr)
            return EXIT_USAGE
        from bench.generator import main as run_main

        target = Target(args.host, args.port, args.pid, tls=args.tls)
        return run_main(args.scenario, target, settings)
    return compare(args, values)


def cluster(args: argparse.Namespace, values: dict[str, object]) -> int:
    from bench.cluster import main as cluster_main
    from bench.cluster_scenarios import CLUSTER_SCENARIOS
    from bench.generator import settings_from

    scenarios = [s for s in args.scenarios.split(",") if s]
    unknown = [s for s in scenarios if s not in CLUSTER_SCENARIOS]
    if unknown or args.runs < 1:
        print(
            f"bench: error: unknown scenario: {', '.join(unknown)}"
            if unknown
            else "bench: error: --runs must be at least 1",
            file=sys.stderr,
        )
        return EXIT_USAGE
    if args.quick:
        values = {**CLUSTER_QUICK, **values}
    settings = settings_from(values)
    command = "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    return cluster_main(
        scenarios, args.runs, settings, args.nats, Path(args.out), command, fresh=not args.quick
    )


def compare(args: argparse.Namespace, values: dict[str, object]) -> int:
    from bench import compare as cmp
    from bench import report
    from bench.servers import BUILTIN, parse_server

    scenarios = [s for s in args.scenarios.split(",") if s]
    transports = [t for t in args.transports.split(",") if t]
    unknown = [s for s in scenarios if s not in SCENARIOS]
    unknown += [t for t in transports if t not in cmp.TRANSPORTS] or ([] if transports else ["''"])
    names = [s for s in args.servers.split(",") if s]
    missing = [s for s in names if s not in BUILTIN]
    if unknown or missing or args.runs < 1:
        print(
            f"bench: error: unknown scenario, transport or server: {', '.join(unknown + missing)}"
            if unknown or missing
            else "bench: error: --runs must be at least 1",
            file=sys.stderr,
        )
        return EXIT_USAGE
    try:
        specs = [BUILTIN[n] for n in names] + [parse_server(s) for s in args.server]
    except ValueError as exc:
        print(f"bench: error: {exc}", file=sys.stderr)
        return EXIT_USAGE
    absent = [s.name for s in specs if not s.available()]
    if absent:
        print(
            f"bench: error: not installed: {', '.join(absent)} (bench/setup installs them)",
            file=sys.stderr,
        )
        return 1
    command = "python -m bench " + " ".join(shlex.quote(a) for a in sys.argv[1:])
    info = cmp.machine()

    # Stopped with SIGTERM (a timeout, a CI limit): unwind, so the server running is stopped
    # and its directory removed rather than left behind.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(128 + signal.SIGTERM))

    def write(runs: cmp.Runs) -> None:
        report.write(Path(args.out), cmp.medians(runs), runs, info, command.strip())

    runs = cmp.run_all(
        specs, scenarios, args.runs, values, pin=not args.no_pin, done=write, transports=transports
    )
    summary = cmp.medians(runs)
    for transport in transports:
        print(f"{report.TITLES[transport]}:\n\n{report.table(summary, transport)}\n")
    print(report.targets_table(summary))
    return 0


if __name__ == "__main__":
    sys.exit(main())
