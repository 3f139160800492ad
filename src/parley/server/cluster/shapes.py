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
from collections.abc import Callable
from functools import partial
from typing import Any

from parley.server.cluster.codec import CodecError


class RecordError(CodecError):
    """A peer's record that this node will not apply (unknown write, wrong arguments)."""


def conform(value: Any, hint: Any, where: str) -> Any:
    """`value` as a value of type `hint`; RecordError (naming `where`) if it is not one."""
    checked = _checker(hint)(value)
    if checked is not _BAD:
        return checked
    _explain(value, hint, where)
    raise RecordError(f"{where}: not a {hint}")  # (_explain found nothing: cannot happen)


def conform_all(
    values: tuple[Any, ...] | list[Any], hints: tuple[Any, ...], where: str
) -> tuple[Any, ...]:
    """Each of `values` as a value of its type in `hints` (as many); RecordError if one is
    not, naming `where` and the argument's place (counted from 1)."""
    checked = tuple(_checker(h)(v) for v, h in zip(values, hints, strict=True))
    if any(c is _BAD for c in checked):
        for i, (v, h) in enumerate(zip(values, hints, strict=True)):
            conform(v, h, f"{where} argument {i + 1}")
    return checked


def _explain(value: Any, hint: Any, where: str) -> Any:
    """The slow walk, which says where a value is wrong (RecordError) when it is."""
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        for option in typing.get_args(hint):
            try:
                return _explain(value, option, where)
            except RecordError:
                continue
        raise _wrong(value, hint, where)
    if origin is tuple or origin is list:
        if not isinstance(value, tuple | list):
            raise _wrong(value, hint, where)
        args = typing.get_args(hint)
        if origin is list or (len(args) == 2 and args[1] is Ellipsis):
            items = [_explain(v, args[0], f"{where}[{i}]") for i, v in enumerate(value)]
        elif len(args) == len(value):
            pairs = enumerate(zip(value, args, strict=True))
            items = [_explain(v, a, f"{where}[{i}]") for i, (v, a) in pairs]
        else:
            raise RecordError(f"{where}: {len(value)} values where {len(args)} are expected")
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise _wrong(value, hint, where)
        key_hint, value_hint = typing.get_args(hint)
        return {
            _explain(k, key_hint, f"{where} key"): _explain(v, value_hint, f"{where}[{k!r}]")
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
            checked = _explain(held, field_hint, f"{where}.{name}")
            if checked is not held:
                changed[name] = checked
        return dataclasses.replace(value, **changed) if changed else value
    raise TypeError(f"{where}: no check for {hint!r}")  # (a bug in a table, not a peer's)


# -- the fast check: each type compiled once into a function, which answers _BAD rather
# than raising (a union tries its options without an exception each), and gives back
# the value itself when nothing in it had to change (a peer's line costs a few us).

_BAD: Any = object()
Check = Callable[[Any], Any]
_CHECKERS: dict[Any, Check] = {}


def _checker(hint: Any) -> Check:
    found = _CHECKERS.get(hint)
    if found is None:
        found = _CHECKERS[hint] = _compile(hint)
    return found


def _compile(hint: Any) -> Check:
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        return partial(_union, tuple(_checker(a) for a in args))
    if origin is list or (origin is tuple and len(args) == 2 and args[1] is Ellipsis):
        return partial(_sequence, _checker(args[0]), origin)
    if origin is tuple:
        return partial(_fixed, tuple(_checker(a) for a in args))
    if origin is dict:
        return partial(_mapping, _checker(args[0]), _checker(args[1]))
    if hint is float:
        return _float
    if hint is int:
        return _int
    if hint is None or hint is types.NoneType:
        return _none
    if hint in (str, bool):
        return partial(_exactly, hint)
    if isinstance(hint, type) and dataclasses.is_dataclass(hint):
        fields = tuple((name, _checker(field)) for name, field in _fields(hint))
        return partial(_dataclass, hint, fields)
    raise TypeError(f"no check for {hint!r}")  # (a bug in a table, not a peer's)


def _union(options: tuple[Check, ...], value: Any) -> Any:
    for check in options:
        checked = check(value)
        if checked is not _BAD:
            return checked
    return _BAD


def _sequence(check: Check, kind: type, value: Any) -> Any:
    if type(value) is not tuple and type(value) is not list:
        return _BAD
    items = [check(v) for v in value]
    if any(i is _BAD for i in items):
        return _BAD
    if (
        kind is tuple
        and type(value) is tuple
        and all(i is v for i, v in zip(items, value, strict=True))
    ):
        return value
    return items if kind is list else tuple(items)


def _fixed(checks: tuple[Check, ...], value: Any) -> Any:
    if (type(value) is not tuple and type(value) is not list) or len(value) != len(checks):
        return _BAD
    items = tuple(check(v) for check, v in zip(checks, value, strict=True))
    if any(i is _BAD for i in items):
        return _BAD
    if type(value) is tuple and all(i is v for i, v in zip(items, value, strict=True)):
        return value
    return items


def _mapping(key: Check, check: Check, value: Any) -> Any:
    if type(value) is not dict:
        return _BAD
    out = {key(k): check(v) for k, v in value.items()}
    return _BAD if _BAD in out or any(v is _BAD for v in out.values()) else out


def _float(value: Any) -> Any:
    kind = type(value)
    return value if kind is float else float(value) if kind is int else _BAD


def _int(value: Any) -> Any:
    return value if type(value) is int else _BAD


def _none(value: Any) -> Any:
    return None if value is None else _BAD


def _exactly(kind: type, value: Any) -> Any:
    return value if type(value) is kind else _BAD


def _dataclass(cls: type, fields: tuple[tuple[str, Check], ...], value: Any) -> Any:
    if type(value) is not cls:
        return _BAD
    changed = {}
    for name, check in fields:
        held = getattr(value, name)
        checked = check(held)
        if checked is _BAD:
            return _BAD
        if checked is not held:
            changed[name] = checked
    instance: Any = value  # (the check above narrowed it to `object`)
    return dataclasses.replace(instance, **changed) if changed else instance


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
