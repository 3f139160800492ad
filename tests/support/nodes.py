"""Parley nodes of a cluster as child processes: `python -m parley.server --cluster ...`.

A node is a ProcessServer started with the cluster's flags on loopback, without TLS, web
or announcement; it is ready once it has printed its port and caught up with the cluster.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from support.servers import ProcessServer

NODE_TIMEOUT = 60.0  # a node catches up with the cluster before it says it is ready


def node_args(data_dir: Path, name: str, cluster: str | Sequence[str] | None = None) -> list[str]:
    """The command line of a test node; without `cluster`, a plain single server."""
    args = [
        "--data-dir", str(data_dir),
        "--listen", "127.0.0.1:0",
        "--no-tls",
        "--no-web",
        "--no-announce",
        "--server-name", "test.parley",
    ]  # fmt: skip
    if cluster is not None:
        urls = cluster if isinstance(cluster, str) else ",".join(cluster)
        args += ["--cluster", urls, "--node-name", name]
    return args


class Node(ProcessServer):
    """One node: `port()` is its IRC port; `kill9()` ends it as a dying machine would."""

    def __init__(
        self,
        data_dir: Path,
        name: str = "n1",
        cluster: str | Sequence[str] | None = None,
        extra: Sequence[str] = (),
        timeout: float = NODE_TIMEOUT,
    ) -> None:
        self.name = name
        self.data_dir = data_dir
        super().__init__([*node_args(data_dir, name, cluster), *extra], timeout=timeout)

    def kill9(self) -> None:
        """SIGKILL the node (no goodbye to its clients or peers) and reap it."""
        if self.proc.poll() is None:
            self.proc.kill()
        self.proc.wait()

    def running(self) -> bool:
        return self.proc.poll() is None
