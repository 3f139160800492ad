"""Checking a peer's values against the types a store takes, before any store sees them.

A record read from the stream holds what the codec built: strings, numbers, tuples
and registered dataclasses, none of them checked. `conform` checks a value against
a type hint (str, int, float, bool, None, unions, tuple, list, dict and dataclasses,
field by field) and gives it back as the store wants it: an int where a float is
meant becomes a float, a tuple where a list is meant a list. Anything else is a
RecordError that says where, never a traceback deep in a store's writer.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any

from parley.server.cluster.codec import CodecError


class RecordError(CodecError):
    """A peer's record that this node will not apply (unknown write, wrong arguments)."""


def conform(value: Any, hint: Any, where: str) -> Any:
    """`value` as a value of type `hint`; RecordError (naming `where`) if it is not one."""
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        for option in typing.get_args(hint):
            try:
                return conform(value, option, where)
            except RecordError:
                continue
        raise _wrong(value, hint, where)
    if origin is tuple or origin is list:
        if not isinstance(value, tuple | list):
            raise _wrong(value, hint, where)
        args = typing.get_args(hint)
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            items = [conform(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
        elif len(args) == len(value):
            pairs = enumerate(zip(value, args, strict=True))
            items = [conform(v, a, f"{where}[{i}]") for i, (v, a) in pairs]
        else:
            raise RecordError(f"{where}: {len(value)} values where {len(args)} are expected")
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(value, hint, where)
        key_hint, value_hint = typing.get_args(hint)
        return {
            conform(k, key_hint, f"{where} key"): conform(v, value_hint, f"{where}[{k!r}]")
            for k, v in value.items()
        }
    if hint is float:
        if isinstance(value, int | float) and not isinstance(value, bool):
            return float(value)
        raise _wrong(value, hint, where)
    if hint is int:
        if isinstance(value, int) and not isinstance(value, bool):
            return value
        raise _wrong(value, hint, where)
    if hint is None or hint is types.NoneType:
        if value is None:
            return None
        raise _wrong(value, hint, where)
    if hint in (str, bool):
        if type(value) is hint:
            return value
        raise _wrong(value, hint, where)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        if type(value) is not hint:
            raise _wrong(value, hint, where)
        changed = {}
        for name, field_hint in _fields(hint):
            held = getattr(value, name)
            checked = conform(held, field_hint, f"{where}.{name}")
            if checked is not held:
                changed[name] = checked
        return dataclasses.replace(value, **changed) if changed else value
    raise TypeError(f"{where}: no check for {hint!r}")  # (a bug in a table, not a peer's)


_FIELDS: dict[type, tuple[tuple[str, Any], ...]] = {}


def _fields(cls: type) -> tuple[tuple[str, Any], ...]:
    """A dataclass's fields and their types (resolved once)."""
    found = _FIELDS.get(cls)
    if found is None:
        hints = typing.get_type_hints(cls)
        found = _FIELDS[cls] = tuple((f.name, hints[f.name]) for f in dataclasses.fields(cls))
    return found


def _wrong(value: Any, hint: Any, where: str) -> RecordError:
    name = getattr(hint, "__name__", None) or str(hint)
    return RecordError(f"{where}: expected {name}, got {type(value).__name__}")
