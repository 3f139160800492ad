"""Plain values to JSON and back, for what nodes send each other (sans-IO).

Events (core/events.py) and the stores' records are frozen dataclasses of
strings, numbers, tuples and other such dataclasses; each is written as an
object with its type's name under "@". Only registered types are read back,
so a peer cannot make a node build anything else.
"""

from __future__ import annotations

import dataclasses
import json
from typing import Any

from parley.irc.modes import ModeChange
from parley.server.core import events as ev

TYPE_KEY = "@"
_TYPES: dict[str, type] = {}


class CodecError(ValueError):
    """What a peer sent is not a value this node can read."""


def register(*types: type) -> None:
    """Let values of `types` (dataclasses) travel between nodes."""
    for cls in types:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        _TYPES[cls.__name__] = cls


register(ModeChange, *(t for t in vars(ev).values() if isinstance(t, type) and
                       dataclasses.is_dataclass(t) and t.__module__ == ev.__name__))  # fmt: skip


def plain(value: Any) -> Any:
    """`value` as JSON's values: a registered dataclass becomes a tagged object."""
    if value is None or isinstance(value, str | int | float | bool):
        return value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    cls = type(value)
    if _TYPES.get(cls.__name__) is cls:
        out = {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
        out[TYPE_KEY] = cls.__name__
        return out
    raise TypeError(f"cannot send a {cls.__name__} to a peer")


def value(data: Any) -> Any:
    """What `plain` made, back to values: lists become tuples (events hold tuples)."""
    if data is None or isinstance(data, str | int | float | bool):
        return data
    if isinstance(data, list):
        return tuple(value(v) for v in data)
    if isinstance(data, dict):
        name = data.get(TYPE_KEY)
        if name is None:
            return {k: value(v) for k, v in data.items()}
        cls = _TYPES.get(name) if isinstance(name, str) else None
        if cls is None:
            raise CodecError(f"unknown type {name!r}")
        fields = {k: value(v) for k, v in data.items() if k != TYPE_KEY}
        try:
            return cls(**fields)
        except TypeError as exc:
            raise CodecError(f"bad {name}: {exc}") from None
    raise CodecError(f"unexpected {type(data).__name__}")


def dumps(data: Any) -> bytes:
    """`data` (values) as compact UTF-8 JSON."""
    return json.dumps(plain(data), separators=(",", ":"), ensure_ascii=False).encode()


def loads(raw: bytes) -> Any:
    """What `dumps` wrote; CodecError for anything else."""
    try:
        data = json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise CodecError(f"not JSON: {exc}") from None
    return value(data)
