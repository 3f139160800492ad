"""What a TLS 1.3 handshake costs OpenSSL on the server's side, without sockets or Parley.

    python -m bench.tlshandshake --handshakes 2000

Runs handshakes between a client and Parley's own server context over memory
BIOs, in this process, and times only the server's calls (its `wrap_bio` and
`do_handshake`), once per variant, the variants taking turns in rounds:

- `default`: Parley's context as it ships (OpenSSL sends two session tickets);
- `one-ticket` and `no-tickets`: `num_tickets` 1 and 0;
- `p256`: key exchange on P-256 rather than X25519.

This is the floor under what a new TLS session costs the server. One JSON
object on stdout: microseconds per handshake, median over the rounds.
"""

from __future__ import annotations

import argparse
import json
import ssl
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from bench.tls import client_context, make_certificate
from parley.server.tls import server_context


def _tickets(count: int) -> Callable[[ssl.SSLContext], None]:
    def change(context: ssl.SSLContext) -> None:
        context.num_tickets = count

    return change


VARIANTS: dict[str, Callable[[ssl.SSLContext], None]] = {
    "default": lambda context: None,
    "one-ticket": _tickets(1),
    "no-tickets": _tickets(0),
    "p256": lambda context: context.set_ecdh_curve("prime256v1"),
}


def _step(side: ssl.SSLObject) -> bool:
    try:
        side.do_handshake()
    except ssl.SSLWantReadError:
        return False
    return True


def server_seconds(server: ssl.SSLContext, client: ssl.SSLContext, count: int) -> float:
    """The server's time over `count` full handshakes, each with fresh BIOs."""
    spent = 0.0
    for _ in range(count):
        to_client, from_client = ssl.MemoryBIO(), ssl.MemoryBIO()
        to_server, from_server = ssl.MemoryBIO(), ssl.MemoryBIO()
        near = client.wrap_bio(to_client, from_client, server_hostname="localhost")
        started = time.perf_counter()
        far = server.wrap_bio(to_server, from_server, server_side=True)
        spent += time.perf_counter() - started
        done = False
        while not done:
            _step(near)
            to_server.write(from_client.read())
            started = time.perf_counter()
            done = _step(far)
            spent += time.perf_counter() - started
            to_client.write(from_server.read())
        _step(near)  # the client takes the server's last flight and its tickets
    return spent


def measure(handshakes: int, rounds: int) -> dict[str, float]:
    with tempfile.TemporaryDirectory() as tmp:
        made = make_certificate(Path(tmp))
        contexts = {}
        for name, change in VARIANTS.items():
            contexts[name] = server_context(made.cert, made.key)
            change(contexts[name])
        client = client_context()
        each = max(1, handshakes // rounds)
        times: dict[str, list[float]] = {name: [] for name in VARIANTS}
        for _ in range(rounds):
            for name, context in contexts.items():
                times[name].append(server_seconds(context, client, each) / each * 1e6)
    return {name: round(statistics.median(found), 1) for name, found in times.items()}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--handshakes", type=int, default=2000, help="per variant, in all")
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    print(json.dumps({"us_per_handshake": measure(args.handshakes, args.rounds)}))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
