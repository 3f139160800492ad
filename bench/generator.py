"""`python -m bench run`: one scenario against a running server, its figures as JSON."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Coroutine
from dataclasses import asdict, fields, replace
from typing import Any

from bench.probe import raise_nofile
from bench.scenarios import SCENARIOS, Result, Settings, Target

# Small sizes for a quick look (and the test suite's smoke run).
QUICK = {
    "clients": 50,
    "seconds": 1.0,
    "warmup": 0.3,
    "idle": 500,
    "scale": 1000,
    "scale_room": 20,
    "churn_workers": 10,
    "audited": 4,
    "history_lines": 2000,
    "handshake_workers": 10,
    "announce_members": 300,
    "announce_seconds": 2.0,
}


def settings_from(values: dict[str, Any]) -> Settings:
    known = {f.name for f in fields(Settings)}
    unknown = set(values) - known
    if unknown:
        raise ValueError(f"unknown settings: {', '.join(sorted(unknown))}")
    return replace(Settings(), **values)


def run_loop(coro: Coroutine[Any, Any, Result]) -> Result:
    """Run on uvloop when installed, as a fast client would."""
    try:
        import uvloop
    except ImportError:
        return asyncio.run(coro)
    return uvloop.run(coro)


def run_scenario(name: str, target: Target, settings: Settings) -> Result:
    raise_nofile()
    result = run_loop(SCENARIOS[name](target, settings))
    return {"scenario": name, **result, "settings": asdict(settings)}


def main(name: str, target: Target, settings: Settings) -> int:
    print(json.dumps(run_scenario(name, target, settings)), flush=True)
    return 0
