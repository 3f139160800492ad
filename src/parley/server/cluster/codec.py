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
_FIELDS: dict[type, tuple[str, ...]] = {}  # each registered type's fields, in order
_SCALARS = frozenset((str, int, float, bool, type(None)))


class CodecError(ValueError):
    """What a peer sent is not a value this node can read."""


def register(*types: type) -> None:
    """Let values of `types` (dataclasses) travel between nodes."""
    for cls in types:
        if not dataclasses.is_dataclass(cls):
            raise TypeError(f"{cls.__name__} is not a dataclass")
        replaced = _TYPES.get(cls.__name__)
        if replaced is not None:
            _FIELDS.pop(replaced, None)
        _TYPES[cls.__name__] = cls
        _FIELDS[cls] = tuple(f.name for f in dataclasses.fields(cls))


register(ModeChange, *(t for t in vars(ev).values() if isinstance(t, type) and
                       dataclasses.is_dataclass(t) and t.__module__ == ev.__name__))  # fmt: skip


def plain(value: Any) -> Any:
    """`value` as JSON's values: a registered dataclass becomes a tagged object.

    Every channel line goes through here on its node: the usual types are told apart by
    exact type first, and a dataclass's field names are looked up once per type."""
    cls = type(value)
    if cls in _SCALARS:
        return value
    if cls is tuple or cls is list:
        return [plain(v) for v in value]
    names = _FIELDS.get(cls)
    if names is not None:
        out = {name: plain(getattr(value, name)) for name in names}
        out[TYPE_KEY] = cls.__name__
        return out
    if isinstance(value, str | int | float | bool):  # (their subclasses: enums)
        return value
    if isinstance(value, tuple | list):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    raise TypeError(f"cannot send a {cls.__name__} to a peer")


def value(data: Any) -> Any:
    """What `plain` made, back to values: lists become tuples (events hold tuples).

    Every peer's line goes through here on every node: JSON's types are exact."""
    cls = type(data)
    if cls in _SCALARS:
        return data
    if cls is list:
        return tuple([value(v) for v in data])
    if cls is not dict:
        raise CodecError(f"unexpected {cls.__name__}")
    name = data.get(TYPE_KEY)
    if name is None:
        return {k: value(v) for k, v in data.items()}
    kind = _TYPES.get(name) if type(name) is str else None
    if kind is None:
        raise CodecError(f"unknown type {name!r}")
    fields = {k: value(v) for k, v in data.items() if k != TYPE_KEY}
    try:
        return kind(**fields)
    except TypeError as exc:
        raise CodecError(f"bad {name}: {exc}") from None


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
