"""`parley-server list-files [ACCOUNT]` and `delete-file ID`: the shared files in the
data dir, seen and deleted from the shell (while the server runs, too)."""

from __future__ import annotations

import sys
from pathlib import Path

from parley.server.config import Config

FILE_COMMANDS = {"list-files": (0, 1), "delete-file": (1, 1)}  # name: least, most arguments


def files_command(config: Config, command: str, words: list[str]) -> int:
    """Run one of FILE_COMMANDS; the exit code."""
    from parley.server.core.handlers.files import describe
    from parley.server.store.accounts import DB_NAME
    from parley.server.store.uploads import SqliteUploadStore, files_dir

    least, most = FILE_COMMANDS[command]
    if not least <= len(words) <= most:
        return _error(f"{command} takes {least if least == most else f'{least} or {most}'}"
                      " argument(s)")  # fmt: skip
    store = SqliteUploadStore(Path(config.data_dir) / DB_NAME, files_dir(config.data_dir))
    try:
        if command == "list-files":
            for upload in store.listed(words[0] if words else None, sys.maxsize):
                print(describe(upload))
        elif store.delete(words[0]) is None:
            return _error(f"no file {words[0]}")
        else:
            print(f"deleted file {words[0]}")
    finally:
        store.close()
    return 0


def _error(message: str) -> int:
    print(f"parley-server: error: {message}", file=sys.stderr)
    return 1
