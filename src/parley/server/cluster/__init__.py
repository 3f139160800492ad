"""Cluster mode: several Parley nodes seen as one server, over NATS JetStream.

Opt-in (`--cluster`); the default stays one process with SQLite. The design,
what goes in which stream or bucket, and what a failure does: docs/cluster.md.
"""
