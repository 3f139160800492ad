"""What an idle TLS connection costs a Python server, layer by layer, without Parley.

    python -m bench.tlsmemory --connections 2000

Starts a bare line server in a child process, once per variant, opens N TLS
connections to it from this process (each says one line and gets one back,
as a registration does) and holds them; reports the server's RSS per
connection (from `/proc`, over its RSS before) for each variant:

- `uvloop`: uvloop's TLS transport (`loop.create_server(ssl=...)`), what Parley runs on;
- `asyncio`: the standard library's TLS transport on the standard loop;
- `memorybio`: a plain transport that drives one `ssl.SSLObject` and its two
  `MemoryBIO`s itself: what the Python `ssl` module and OpenSSL hold, with no
  transport's buffers;
- `plain`: no TLS at all, for the floor.

Loopback only; one JSON object on stdout.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import multiprocessing
import ssl
import tempfile
import time
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from bench.probe import raise_nofile, rss_bytes
from bench.tls import Certificate, client_context, make_certificate

VARIANTS = ("plain", "memorybio", "uvloop", "asyncio")
SETTLE = 1.0  # seconds to let the server finish its work before its RSS is read


class Echo(asyncio.Protocol):
    """Answers each line with one line, as a server answers a registration."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.transport.write(b":bench 001 you :Welcome\r\n" * data.count(b"\n"))


class BioEcho(asyncio.Protocol):
    """TLS done by hand over a plain transport: one SSLObject, two MemoryBIOs."""

    def __init__(self, context: ssl.SSLContext) -> None:
        self.incoming = ssl.MemoryBIO()
        self.outgoing = ssl.MemoryBIO()
        self.tls = context.wrap_bio(self.incoming, self.outgoing, server_side=True)
        self.ready = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport: asyncio.Transport = transport  # type: ignore[assignment]

    def data_received(self, data: bytes) -> None:
        self.incoming.write(data)
        if not self.ready:
            try:
                self.tls.do_handshake()
                self.ready = True
            except ssl.SSLWantReadError:
                pass
        if self.ready:
            text = b""
            try:
                while True:
                    text += self.tls.read(16384)
            except ssl.SSLWantReadError:
                pass
            if text:
                self.tls.write(b":bench 001 you :Welcome\r\n" * text.count(b"\n"))
        pending = self.outgoing.read()
        if pending:
            self.transport.write(pending)


def serve(variant: str, certificate: Certificate, pipe: Connection) -> None:
    """The server process: listen, say the port, answer, until told to stop."""
    raise_nofile()
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate.cert, certificate.key)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        if variant == "memorybio":
            server = await loop.create_server(lambda: BioEcho(context), "127.0.0.1", 0)
        else:
            tls = None if variant == "plain" else context
            server = await loop.create_server(Echo, "127.0.0.1", 0, ssl=tls, backlog=1024)
        pipe.send(server.sockets[0].getsockname()[1])
        await loop.run_in_executor(None, pipe.recv)
        server.close()

    if variant == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())


async def hold(port: int, count: int, tls: bool) -> list[asyncio.StreamWriter]:
    """`count` connections that each said one line and got its answer, held open."""
    writers: list[asyncio.StreamWriter] = []
    gate = asyncio.Semaphore(50)

    async def one() -> None:
        async with gate:
            reader, writer = await asyncio.open_connection(
                "127.0.0.1", port, ssl=client_context() if tls else None
            )
            writer.write(b"NICK bench\r\n")
            await reader.readline()
            writers.append(writer)

    await asyncio.gather(*(one() for _ in range(count)))
    return writers


def measure(variant: str, count: int, certificate: Certificate) -> dict[str, Any]:
    context = multiprocessing.get_context("spawn")
    ours, theirs = context.Pipe()
    proc = context.Process(target=serve, args=(variant, certificate, theirs))
    proc.start()
    try:
        port = ours.recv()
        pid = proc.pid
        assert pid is not None
        time.sleep(SETTLE)
        before = rss_bytes(pid) or 0

        async def run() -> float:
            writers = await hold(port, count, variant != "plain")
            await asyncio.sleep(SETTLE)
            held = rss_bytes(pid) or 0
            for writer in writers:
                writer.close()
            return (held - before) / count / 1024

        kb = asyncio.run(run())
        return {"variant": variant, "connections": count, "kb_per_connection": round(kb, 2)}
    finally:
        ours.send("stop")
        proc.join(10)
        if proc.is_alive():
            proc.kill()


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.tlsmemory", description=__doc__)
    p.add_argument("--connections", type=int, default=2000)
    p.add_argument("--variants", default=",".join(VARIANTS))
    args = p.parse_args(argv)
    raise_nofile()
    with tempfile.TemporaryDirectory(prefix="bench-tlsmemory-") as folder:
        certificate = make_certificate(Path(folder))
        results = [measure(v, args.connections, certificate) for v in args.variants.split(",")]
    print(json.dumps(results))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
