"""`parley` on the command line: --help, and one line when there is no display."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

SRC = str(Path(__file__).resolve().parents[2] / "src")


def run(*args: str, display: bool) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if k != "DISPLAY"}
    env["PYTHONPATH"] = SRC
    if display:
        env["DISPLAY"] = ":99999"  # a display that is not there
    return subprocess.run([sys.executable, "-m", "parley.client", *args], env=env,
                          capture_output=True, text=True, timeout=60)  # fmt: skip


def test_help_prints_help_without_a_display() -> None:
    done = run("--help", display=False)
    assert done.returncode == 0 and done.stdout.startswith("usage: parley")
    assert "local network" in done.stdout and done.stderr == ""


def test_without_a_display_it_says_so_in_one_line() -> None:
    for display in (False, True):
        done = run(display=display)
        assert done.returncode != 0 and done.stdout == ""
        lines = done.stderr.splitlines()
        assert len(lines) == 1 and "display" in lines[0] and lines[0].startswith("parley:")


def test_an_unknown_flag_is_a_usage_error() -> None:
    done = run("--bogus", display=False)
    assert done.returncode == 2 and "unrecognized arguments: --bogus" in done.stderr
