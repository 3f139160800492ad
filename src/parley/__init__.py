"""Parley: a chat server that speaks IRC, and its clients."""

__version__ = "0.1.0"
