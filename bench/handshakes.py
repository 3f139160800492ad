"""Silent connections to the TLS port: what they cost the server, and whether others get in.

    python -m bench.handshakes --connections 20000 --sources 127.0.0.2,127.0.0.3

Starts a Parley server (TLS on, a fresh data dir, the config given with
`--config`), reads its RSS, opens N TCP connections to the TLS port from the
source addresses in turn and sends nothing on them, then reports: how many the
server refused or closed (by the time `--hold` seconds have passed), its RSS
at its highest and once all are open, whether a normal client from 127.0.0.1
still connects over TLS and registers meanwhile (and how long it took), and
its RSS once they are all gone. Loopback only; one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import selectors
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.probe import raise_nofile, rss_bytes

STARTUP_TIMEOUT = 30.0
BATCH = 256  # connections being opened at a time
CONNECT_TIMEOUT = 5.0


def start_server(data_dir: Path, config: Path | None) -> tuple[subprocess.Popen[str], int]:
    """A Parley server with a TLS listener on 127.0.0.1; its process and TLS port."""
    args = [sys.executable, "-m", "parley.server", "--data-dir", str(data_dir)]
    args += ["--listen", "127.0.0.1:0", "--tls-listen", "127.0.0.1:0", "--no-lobby"]
    args += ["--log-level", "warning"]
    if config is not None:
        args += ["--config", str(config)]
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, preexec_fn=raise_nofile
    )
    assert proc.stdout is not None
    deadline = time.monotonic() + STARTUP_TIMEOUT
    port = None
    while time.monotonic() < deadline:
        line = proc.stdout.readline()
        if not line:
            raise RuntimeError("the server exited before it was ready")
        found = re.search(r"listening on .*:(\d+) \(TLS\)", line)
        if found:
            port = int(found.group(1))
        if "ready" in line and port is not None:
            return proc, port
    proc.kill()
    raise TimeoutError("the server did not become ready")


def open_silent(
    port: int, count: int, sources: list[str], pid: int
) -> tuple[list[socket.socket], int, int]:
    """`count` connections to 127.0.0.1:`port`, the sources taking turns.

    Returns them, how many failed, and the server's highest RSS seen meanwhile.
    """
    held: list[socket.socket] = []
    failed = 0
    peak = 0
    for start in range(0, count, BATCH):
        selector = selectors.DefaultSelector()
        for index in range(start, min(count, start + BATCH)):
            try:
                sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            except OSError:  # this side's own descriptors ran out
                failed += 1
                continue
            sock.bind((sources[index % len(sources)], 0))
            sock.setblocking(False)
            try:
                sock.connect(("127.0.0.1", port))
            except BlockingIOError:
                pass
            except OSError:
                sock.close()
                failed += 1
                continue
            selector.register(sock, selectors.EVENT_WRITE)
        deadline = time.monotonic() + CONNECT_TIMEOUT
        while selector.get_map() and time.monotonic() < deadline:
            for key, _ in selector.select(timeout=0.5):
                sock = key.fileobj  # type: ignore[assignment]
                selector.unregister(sock)
                if sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                    sock.close()
                    failed += 1
                else:
                    held.append(sock)
        for key in list(selector.get_map().values()):
            key.fileobj.close()  # type: ignore[union-attr]
            failed += 1
        selector.close()
        peak = max(peak, rss_bytes(pid) or 0)
    return held, failed, peak


def closed_by_server(socks: list[socket.socket]) -> int:
    """How many of `socks` the server has closed (readable with nothing, or reset)."""
    closed = 0
    for sock in socks:
        try:
            data = sock.recv(4096, socket.MSG_PEEK)
        except BlockingIOError:
            continue
        except OSError:
            closed += 1
            continue
        if not data or data.startswith(b"ERROR"):
            closed += 1
    return closed


def register_over_tls(port: int) -> float | None:
    """Seconds a normal client from 127.0.0.1 takes to connect, handshake and get 001."""
    context = ssl.create_default_context()
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    began = time.perf_counter()
    try:
        raw = socket.create_connection(("127.0.0.1", port), timeout=10.0)
        with context.wrap_socket(raw) as sock:
            sock.sendall(b"NICK probe\r\nUSER probe 0 * :probe\r\n")
            received = b""
            while b" 001 " not in received:
                chunk = sock.recv(4096)
                if not chunk:
                    return None
                received += chunk
    except OSError:
        return None
    return time.perf_counter() - began


def settled_rss(pid: int, seconds: float) -> int | None:
    """The server's RSS once it has not moved by more than 1 MB for a second (or `seconds`)."""
    deadline = time.monotonic() + seconds
    last = rss_bytes(pid)
    while time.monotonic() < deadline:
        time.sleep(1.0)
        now = rss_bytes(pid)
        if now is None or last is None or abs(now - last) < 1 << 20:
            return now
        last = now
    return last


def measure(args: argparse.Namespace) -> dict[str, Any]:
    raise_nofile()
    sources = args.sources.split(",")
    if not all(s.startswith("127.") for s in sources):
        raise SystemExit("bench.handshakes: error: sources must be loopback addresses")
    with tempfile.TemporaryDirectory(prefix="parley-handshakes-") as data_dir:
        proc, port = start_server(Path(data_dir), args.config)
        try:
            pid = proc.pid
            mb = 1 / (1 << 20)
            before = settled_rss(pid, 5.0) or 0
            began = time.perf_counter()
            socks, failed, peak = open_silent(port, args.connections, sources, pid)
            opened = time.perf_counter() - began
            during = rss_bytes(pid) or 0
            probe = register_over_tls(port)
            time.sleep(args.hold)
            refused = closed_by_server(socks)
            for sock in socks:
                sock.close()
            after = settled_rss(pid, args.settle) or 0
            return {
                "connections": args.connections,
                "sources": sources,
                "seconds_to_open": round(opened, 2),
                "connect_failed": failed,
                "closed_by_server": refused,
                "held_open": len(socks) - refused,
                "held_for_s": args.hold,
                "rss_before_mb": round(before * mb, 1),
                "rss_peak_mb": round(max(peak, during) * mb, 1),
                "rss_when_opened_mb": round(during * mb, 1),
                "rss_after_mb": round(after * mb, 1),
                "normal_client_registered_in_s": None if probe is None else round(probe, 3),
            }
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(STARTUP_TIMEOUT)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.handshakes", description=__doc__)
    p.add_argument("--connections", type=int, default=20000)
    p.add_argument("--sources", default="127.0.0.2,127.0.0.3", help="loopback source addresses")
    p.add_argument("--config", type=Path, help="a Parley TOML config for the server")
    p.add_argument("--hold", type=float, default=12.0, help="seconds to hold them open")
    p.add_argument("--settle", type=float, default=15.0, help="seconds to wait for RSS after")
    args = p.parse_args(argv)
    print(json.dumps(measure(args), indent=2))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONUNBUFFERED", "1")
    sys.exit(main())
