"""Noticing commits to the database from any process, without a query.

SQLite in WAL mode publishes every commit in the header of the WAL index, the
`-shm` file next to the database (https://sqlite.org/walformat.html, "The
WAL-Index Header"): a reader compares that header with the copy it holds to
know whether what it read before is still current. Reading the same 48 bytes
through a shared mapping costs neither a system call nor a query, so a cache
in front of the database can be checked on every lookup. Where the file cannot
be mapped, or its format is not the one described, every look says "changed".
"""

from __future__ import annotations

import mmap
import os
import struct
from pathlib import Path

HEADER_SIZE = 48  # the first copy of the WAL-index header
FORMAT_VERSION = 3007000  # its iVersion field, the same since SQLite 3.7.0


class Commits:
    """The WAL-index header of one database, as a token that changes with every commit.

    Open it after a connection to the database in WAL mode exists and keep that
    connection open while it is used: the `-shm` file is then never truncated.
    """

    def __init__(self, database: Path) -> None:
        self._map: mmap.mmap | None = None
        try:
            fd = os.open(f"{database}-shm", os.O_RDONLY)
        except OSError:
            return
        try:
            if os.fstat(fd).st_size >= mmap.PAGESIZE:
                self._map = mmap.mmap(fd, mmap.PAGESIZE, mmap.MAP_SHARED, mmap.PROT_READ)
        except (OSError, ValueError):
            self._map = None
        finally:
            os.close(fd)
        if self._map is not None and struct.unpack_from("=I", self._map)[0] != FORMAT_VERSION:
            self.close()

    def token(self) -> bytes | None:
        """Bytes that differ after any commit since they were read; None if unknown."""
        mapped = self._map
        return None if mapped is None else mapped[:HEADER_SIZE]

    def close(self) -> None:
        if self._map is not None:
            self._map.close()
            self._map = None
