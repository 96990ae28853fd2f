"""Typed flow data: a flow's answers as a dataclass, kept as JSON in the flows table.

A draft saved by the previous release must still resume after a deploy: unknown keys are
ignored, and a missing or damaged value becomes the field's default (an unanswered
question), which is why every field of flow data needs a default (checked at declaration).
"""

from __future__ import annotations

import dataclasses
import types
from collections.abc import Mapping
from datetime import date
from enum import Enum
from typing import Any, TypeVar, Union, get_args, get_origin, get_type_hints

D = TypeVar("D")

_SCALARS = (str, int, float, bool, date)


class _Damaged(Exception):
    """A stored value that does not have the field's type."""


def check(cls: type[Any]) -> None:
    """Refuse flow data that could not be read back: not a dataclass, a field without a
    default, or a type the flows table cannot hold."""
    if not dataclasses.is_dataclass(cls):
        raise TypeError(f"flow data {cls.__name__} must be a dataclass")
    hints = _hints(cls)
    for f in dataclasses.fields(cls):
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{f.name} needs a default (older drafts lack it)")
        _check_type(cls, f.name, hints[f.name])


def _check_type(cls: type[Any], name: str, hint: Any) -> None:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        for arg in get_args(hint):
            if arg is not type(None):
                _check_type(cls, name, arg)
    elif origin in (list, tuple):
        _check_type(cls, name, get_args(hint)[0])
    elif origin is dict:
        key, value = get_args(hint)
        if key is not str:
            raise TypeError(f"{cls.__name__}.{name}: dict keys must be str")
        _check_type(cls, name, value)
    elif not (hint in _SCALARS or (isinstance(hint, type) and issubclass(hint, Enum))):
        raise TypeError(f"{cls.__name__}.{name}: {hint!r} cannot be kept in the flows table")


def dump(value: Any) -> dict[str, Any]:
    """The dataclass as JSON-ready values (enums by value, days as ISO text)."""
    return {f.name: _dump(getattr(value, f.name)) for f in dataclasses.fields(value)}


def _dump(value: Any) -> Any:
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return [_dump(v) for v in value]
    if isinstance(value, dict):
        return {k: _dump(v) for k, v in value.items()}
    return value


_HINTS: dict[type, dict[str, Any]] = {}


def _hints(cls: type) -> dict[str, Any]:
    """The dataclass's resolved field types: resolving them at every step of every flow cost
    a few per cent of the bot's CPU (bench/README.md); a class's hints never change."""
    found = _HINTS.get(cls)
    if found is None:
        found = _HINTS[cls] = get_type_hints(cls)
    return found


def load(cls: type[D], raw: Mapping[str, Any]) -> D:
    """The dataclass from stored JSON; unknown keys are ignored, a missing or damaged value
    takes the field's default."""
    hints = _hints(cls)
    values: dict[str, Any] = {}
    for f in dataclasses.fields(cls):  # type: ignore[arg-type]
        if f.name not in raw:
            continue
        try:
            values[f.name] = _load(hints[f.name], raw[f.name])
        except _Damaged:
            continue  # the default: this question counts as unanswered
    return cls(**values)


def _load(hint: Any, value: Any) -> Any:
    origin = get_origin(hint)
    if origin in (Union, types.UnionType):
        if value is None and type(None) in get_args(hint):
            return None
        for arg in get_args(hint):
            if arg is type(None):
                continue
            try:
                return _load(arg, value)
            except _Damaged:
                pass
        raise _Damaged
    if origin in (list, tuple):
        if not isinstance(value, list):
            raise _Damaged
        items = [_load(get_args(hint)[0], v) for v in value]
        return items if origin is list else tuple(items)
    if origin is dict:
        if not isinstance(value, dict):
            raise _Damaged
        return {str(k): _load(get_args(hint)[1], v) for k, v in value.items()}
    return _scalar(hint, value)


def _scalar(hint: Any, value: Any) -> Any:
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError:
            raise _Damaged from None
    if hint is date:
        try:
            return date.fromisoformat(value)
        except (TypeError, ValueError):
            raise _Damaged from None
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint is int and isinstance(value, bool):
        raise _Damaged  # True is an int to Python, not to us
    if isinstance(value, hint):
        return value
    raise _Damaged
