"""A Config as the server would build it from a TOML text and flags."""

from __future__ import annotations

from pathlib import Path

from parley.server.cli import parser
from parley.server.config import Config
from parley.server.configfile import build_config


def load(tmp_path: Path, toml: str | None, *flags: str) -> Config:
    """The Config for a TOML text (None: no file) and flags, data in tmp_path/data."""
    argv = ["--data-dir", str(tmp_path / "data"), *flags]
    if toml is not None:
        path = tmp_path / "parley.toml"
        path.write_text(toml, encoding="utf-8")
        argv += ["--config", str(path)]
    return build_config(parser().parse_args(argv))
