"""Persistence behind small interfaces: SQLite by default, in memory for tests."""
