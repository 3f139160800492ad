"""The Debian programs the interop tests drive, found on PATH or the test failed with
the package that brings them (scripts/test-deps installs them all)."""

from __future__ import annotations

import shutil

import pytest

PACKAGES = {"ii": "ii", "irssi": "irssi", "tmux": "tmux", "weechat-headless": "weechat-headless"}


def require(command: str) -> str:
    """The path of a client binary; a missing one fails the test, naming its package."""
    path = shutil.which(command)
    if path is None:
        pytest.fail(
            f"{command} is not installed: apt-get install {PACKAGES.get(command, command)}"
            " (scripts/test-deps does it)"
        )
    return path
