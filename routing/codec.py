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
    hints = _hints(cls)  # type: ignore[arg-type]  # dataclass types are hashable
    names = {field.name for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - names - {"type"}
    if unknown:
        raise ValueError(f"{kind}: unknown fields {sorted(unknown)}")
    kwargs = {name: _convert(hints[name], data[name], f"{kind}.{name}") for name in names if name in data}
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise ValueError(f"{kind}: {exc}") from exc


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _convert(hint: Any, value: Any, where: str) -> Any:
    origin = typing.get_origin(hint)
    if origin is types.UnionType or origin is typing.Union:
        if value is None:
            return None
        (inner,) = [arg for arg in typing.get_args(hint) if arg is not type(None)]
        return _convert(inner, value, where)
    if origin in (frozenset, tuple):
        if not isinstance(value, list | tuple):
            raise ValueError(f"{where}: expected a list, got {value!r}")
        item_hint = typing.get_args(hint)[0]
        return origin(_convert(item_hint, item, where) for item in value)
    if hint is datetime:
        if not isinstance(value, str):
            raise ValueError(f"{where}: expected an ISO datetime, got {value!r}")
        return datetime.fromisoformat(value)
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if hint is bool:
        if not isinstance(value, bool):
            raise ValueError(f"{where}: expected a boolean, got {value!r}")
        return value
    if hint in (int, str):
        if isinstance(value, bool) or not isinstance(value, hint):
            raise ValueError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    raise ValueError(f"{where}: cannot decode {hint!r}")  # pragma: no cover - a field type the codec lacks
