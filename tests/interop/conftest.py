"""Real IRC clients from Debian's packages, driven against a real Parley server."""

from __future__ import annotations

import shutil
import time
from collections.abc import Callable

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


def wait_until(condition: Callable[[], bool], timeout: float = 10.0, what: str = "") -> None:
    """Poll `condition` until it holds; fail with `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what or condition}")
        time.sleep(0.05)
