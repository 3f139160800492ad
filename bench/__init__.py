"""Parley's benchmark: a load generator, its scenarios, and a side-by-side runner.

- `python -m bench run fanout --port 6667`: one scenario against a running server.
- `python -m bench hotpath`: the server's own CPU per message, no sockets.
- `python -m bench compare`: Parley, ngircd and InspIRCd side by side, written to
  docs/performance.md (bench/setup installs what it needs).
- `python -m bench cluster`: two nodes on NATS JetStream against one server, and
  NATS's own publish rate, written to the Cluster section of docs/performance.md.
"""
