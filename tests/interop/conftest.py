"""Real IRC clients from Debian's packages, driven against a real Parley server."""

from __future__ import annotations

import shutil

import pytest

from support.waiting import wait_until

__all__ = ["require", "wait_until"]

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
