"""Test support: a line-based IRC test client and real servers on loopback."""
