"""The servers compared: how each is configured, started on one core, and stopped.

A server is a start command with `{port}`, `{dir}` and `{config}` filled in,
and optionally a config file written from bench/configs/. Every built-in server
also listens for TLS on `{tls_port}`, with the run's one certificate (`{cert}`,
`{key}`). Parley, ngircd and InspIRCd are built in; any other is added with
`--server 'NAME=COMMAND'` (over TLS only if its command has `{tls_port}`).
"""

from __future__ import annotations

import os
import shlex
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType

from bench.probe import raise_nofile
from bench.tls import Certificate

CONFIGS = Path(__file__).parent / "configs"
STARTUP_TIMEOUT = 30.0
MOTD = "Benchmark\n"


@dataclass(frozen=True)
class ServerSpec:
    """A server to benchmark: its name, start command and config template."""

    name: str
    command: str  # shell words; {port}, {dir} and {config} are filled in
    config: str | None = None  # a file in bench/configs/, written to {config}
    binary: str | None = None  # what must be installed for it to run

    def available(self) -> bool:
        return self.binary is None or _which(self.binary) is not None

    @property
    def speaks_tls(self) -> bool:
        """Whether it is given a TLS port (a built-in's config, or `{tls_port}` in a command)."""
        return "{tls_port}" in self.command or self.config is not None


def _which(name: str) -> str | None:
    return shutil.which(name) or shutil.which(name, path="/usr/sbin:/usr/local/sbin:/sbin")


BUILTIN = {
    "parley": ServerSpec(
        "parley",
        f"{shlex.quote(sys.executable)} -m parley.server --config {{config}} --data-dir {{dir}}"
        " --listen 127.0.0.1:{port} --tls-listen 127.0.0.1:{tls_port} --no-flood-limit",
        "parley.toml",
    ),
    "ngircd": ServerSpec(
        "ngircd", "ngircd --nodaemon --config {config}", "ngircd.conf", binary="ngircd"
    ),
    "inspircd": ServerSpec(
        "inspircd",
        "inspircd --nofork --nopid --runasroot --config={config}",
        "inspircd.conf",
        binary="inspircd",
    ),
}


def parse_server(text: str) -> ServerSpec:
    """`NAME=COMMAND` from the command line: any server that takes a port on its command."""
    name, sep, command = text.partition("=")
    if not sep or not name or not command:
        raise ValueError(f"--server wants NAME=COMMAND, got {text!r}")
    return ServerSpec(name.strip(), command.strip())


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class RunningServer:
    """One server process, pinned to a core, with its own directory and port."""

    def __init__(self, spec: ServerSpec, core: int | None, certificate: Certificate) -> None:
        self.spec = spec
        self.port = free_port()
        self.tls_port = free_port() if spec.speaks_tls else None
        self.dir = Path(tempfile.mkdtemp(prefix=f"bench-{spec.name}-"))
        os.chmod(self.dir, 0o755)  # ngircd drops to nobody and reads its MOTD here
        (self.dir / "motd.txt").write_text(MOTD)
        config = self.dir / (spec.config or "none")
        values = {
            "port": str(self.port),
            "tls_port": str(self.tls_port),
            "dir": str(self.dir),
            "cert": str(certificate.cert),
            "key": str(certificate.key),
            "uid": str(os.getuid()),
            "gid": str(os.getgid()),
        }
        if spec.config is not None:
            text = (CONFIGS / spec.config).read_text()
            for name, value in values.items():
                text = text.replace("{" + name + "}", value)
            config.write_text(text)
        words = shlex.split(spec.command.format(config=config, **values))
        if core is not None and shutil.which("taskset"):
            words = ["taskset", "-c", str(core), *words]
        self.log = open(self.dir / "server.log", "wb")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen(
            words,
            # A core file lands in its own directory and goes with it: InspIRCd 3 has
            # crashed on SIGTERM with ssl_gnutls loaded, once the figures were taken.
            cwd=self.dir,
            stdin=subprocess.DEVNULL,
            stdout=self.log,
            stderr=subprocess.STDOUT,
            preexec_fn=raise_nofile,  # the servers hold up to 15,000 connections
            start_new_session=True,
        )
        self._wait_listening()

    @property
    def pid(self) -> int:
        return self.proc.pid  # taskset execs the server: the same process

    def _wait_listening(self) -> None:
        deadline = time.monotonic() + STARTUP_TIMEOUT
        waiting = [p for p in (self.port, self.tls_port) if p is not None]
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"{self.spec.name} exited at start:\n{self.output()}")
            try:
                with socket.create_connection(("127.0.0.1", waiting[0]), timeout=1.0):
                    pass
            except OSError:
                time.sleep(0.05)
                continue
            waiting.pop(0)
            if not waiting:
                time.sleep(0.2)  # let it finish starting before it is measured
                return
        self.stop()
        raise TimeoutError(f"{self.spec.name} did not listen on {self.port}:\n{self.output()}")

    def output(self) -> str:
        self.log.flush()
        return (self.dir / "server.log").read_text(errors="replace")[-4000:]

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> RunningServer:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.stop()
