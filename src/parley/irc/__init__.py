"""The IRC protocol, sans-IO: messages, numerics, casemapping, modes and masks.

Nothing here does I/O or knows about servers; the server, the clients, the
tests and the benchmark all build on it.
"""

from parley.irc.message import Message, ProtocolError, encode, parse

__all__ = ["Message", "ProtocolError", "encode", "parse"]
