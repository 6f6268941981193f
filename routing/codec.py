"""Plain-data (JSON-ready) encoding of events, decisions and snapshots, so the app can store and replay them.

Events and decisions carry a "type" tag (the class name); datetimes are ISO 8601 strings, sets sorted lists.
"""

from __future__ import annotations

import dataclasses
import functools
import types
import typing
from collections.abc import Mapping
from datetime import date, datetime, time
from enum import Enum
from typing import Any

from routing.decisions import DECISION_TYPES, Decision
from routing.events import EVENT_TYPES, Event

_EVENTS: dict[str, type[Event]] = {cls.__name__: cls for cls in EVENT_TYPES}
_DECISIONS: dict[str, type[Decision]] = {cls.__name__: cls for cls in DECISION_TYPES}


def to_data(value: object) -> Any:
    """Encode a dataclass (recursively), enum, datetime, set or tuple as JSON-ready data."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {field.name: to_data(getattr(value, field.name)) for field in dataclasses.fields(value)}
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, frozenset | set):
        return sorted(to_data(item) for item in value)
    if isinstance(value, tuple | list):
        return [to_data(item) for item in value]
    if isinstance(value, Mapping):
        return {str(key): to_data(item) for key, item in value.items()}
    return value


def event_to_dict(event: Event) -> dict[str, Any]:
    """Encode an event with its "type" tag."""
    return {"type": type(event).__name__, **to_data(event)}


def decision_to_dict(decision: Decision) -> dict[str, Any]:
    """Encode a decision with its "type" tag."""
    return {"type": type(decision).__name__, **to_data(decision)}


def event_from_dict(data: Mapping[str, Any]) -> Event:
    """Decode an event stored with `event_to_dict`; raises ValueError on malformed data."""
    return _decode(data, _EVENTS)


def decision_from_dict(data: Mapping[str, Any]) -> Decision:
    """Decode a decision stored with `decision_to_dict`; raises ValueError on malformed data."""
    return _decode(data, _DECISIONS)


_T = typing.TypeVar("_T")


def _decode(data: Mapping[str, Any], registry: Mapping[str, type[_T]]) -> _T:
    kind = data.get("type")
    cls = registry.get(str(kind))
    if cls is None:
        raise ValueError(f"unknown type {kind!r}")
    return record_from_data(cls, {name: value for name, value in data.items() if name != "type"}, str(kind))


def record_from_data(cls: type[_T], data: Any, where: str, skip: frozenset[str] = frozenset()) -> _T:
    """Read a dataclass written by `to_data`: fields by their type hints, missing ones take their defaults,
    unknown ones raise; `skip` names fields that are never read (the caller derives them)."""
    if not isinstance(data, Mapping):
        raise ValueError(f"{where}: expected an object, got {type(data).__name__}")
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names
    if unknown:
        raise ValueError(f"{where}: unknown fields {sorted(unknown)}")
    hints = _hints(cls)  # type: ignore[arg-type]  # dataclass types are hashable
    kwargs = {
        name: from_data(hints[name], data[name], f"{where}.{name}")
        for name in names
        if name in data and name not in skip
    }
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"{where}: {exc}") from exc


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def from_data(hint: Any, value: Any, where: str) -> Any:
    """Convert JSON data back to the Python type `hint` names (the inverse of `to_data`); ValueError when
    the data does not fit."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1:
            raise ValueError(f"{where}: cannot decode {hint!r}")  # pragma: no cover - no such field yet
        return from_data(inner[0], value, where)
    if origin in (frozenset, set, list, tuple):
        if not isinstance(value, list | tuple):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise ValueError(f"{where}: expected {len(args)} items, got {len(value)}")
            return tuple(from_data(a, v, where) for a, v in zip(args, value, strict=True))
        return origin(from_data(args[0], item, where) for item in value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise ValueError(f"{where}: expected an object, got {value!r}")
        key_hint, item_hint = args
        return {
            from_data(key_hint, key, where): from_data(item_hint, item, where) for key, item in value.items()
        }
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return record_from_data(hint, value, where)
    if hint is datetime:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected an ISO datetime, got {value!r}")
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError as exc:
            raise ValueError(f"{where}: {exc}") from exc
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (bool, int, str):
        if (hint is not bool and isinstance(value, bool)) or not isinstance(value, hint):
            raise ValueError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    raise ValueError(f"{where}: cannot decode {hint!r}")  # pragma: no cover - a field type the codec lacks
