"""A real full disk for tests: a small tmpfs, and a file that fills it."""

from __future__ import annotations

import contextlib
import errno
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest


def fill_disk(directory: Path) -> Path:
    """Write a file until the file system has no byte left; return it."""
    filler = directory / "filler"
    with filler.open("wb", buffering=0) as out:
        for size in (1 << 16, 4096, 1):
            with contextlib.suppress(OSError):
                for _ in range(1 << 20):  # bounded: the disk is a few MB
                    out.write(b"\0" * size)
    with pytest.raises(OSError) as full, (directory / "probe").open("wb", buffering=0) as out:
        out.write(b"\0" * 4096)
    assert full.value.errno == errno.ENOSPC
    return filler


@contextlib.contextmanager
def mounted_tmpfs(mount: Path, size: str = "4m") -> Iterator[Path]:
    """A tmpfs of `size` at `mount`, unmounted afterwards; skips the test where mounting
    is not allowed (it needs root, which CI has)."""
    mount.mkdir()
    try:
        subprocess.run(
            ["mount", "-t", "tmpfs", "-o", f"size={size},mode=0700", "tmpfs", str(mount)],
            check=True,
            capture_output=True,
            timeout=30,
        )
    except (OSError, subprocess.SubprocessError):
        pytest.skip("cannot mount a tmpfs here (needs root)")
    try:
        yield mount
    finally:
        done = subprocess.run(["umount", str(mount)], check=False, capture_output=True, timeout=30)
        if done.returncode != 0:  # a file still open (a failed test): detach it all the same
            subprocess.run(["umount", "-l", str(mount)], check=False, timeout=30)
