"""Routing events and decisions as plain JSON, so the journal can be stored and replayed.

Generic over the engine's frozen dataclasses: field types come from their annotations, so a new event type needs
no code here.
"""

from __future__ import annotations

import dataclasses
import types
import typing
from datetime import datetime
from enum import Enum
from functools import cache
from typing import Any

from routing.decisions import DECISION_TYPES, Decision
from routing.events import EVENT_TYPES, Event

_EVENTS = {cls.__name__: cls for cls in EVENT_TYPES}
_DECISIONS = {cls.__name__: cls for cls in DECISION_TYPES}


def _plain(value: object) -> object:
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, frozenset | set):
        return sorted(_plain(v) for v in value)  # type: ignore[type-var]
    if isinstance(value, tuple | list):
        return [_plain(v) for v in value]
    return value


def to_json(item: Event | Decision) -> dict[str, Any]:
    return {f.name: _plain(getattr(item, f.name)) for f in dataclasses.fields(item)}


@cache
def _hints(cls: type) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def _typed(hint: Any, value: object) -> object:
    if value is None:
        return None
    origin = typing.get_origin(hint)
    if origin in (types.UnionType, typing.Union):
        for arg in typing.get_args(hint):
            if arg is not type(None):
                return _typed(arg, value)
    if hint is datetime:
        return datetime.fromisoformat(str(value))
    if isinstance(hint, type) and issubclass(hint, Enum):
        return hint(value)
    if origin is frozenset:
        (arg,) = typing.get_args(hint)
        return frozenset(_typed(arg, v) for v in value)  # type: ignore[attr-defined]
    if origin is tuple:
        arg = typing.get_args(hint)[0]
        return tuple(_typed(arg, v) for v in value)  # type: ignore[attr-defined]
    return value


def _build(cls: type[Any], data: dict[str, Any]) -> Any:
    hints = _hints(cls)
    return cls(**{name: _typed(hints[name], value) for name, value in data.items()})


def event_from_json(kind: str, data: dict[str, Any]) -> Event:
    event: Event = _build(_EVENTS[kind], data)
    return event


def decision_from_json(kind: str, data: dict[str, Any]) -> Decision:
    decision: Decision = _build(_DECISIONS[kind], data)
    return decision


def kind_of(item: Event | Decision) -> str:
    return type(item).__name__


def request_id_of(item: Event | Decision) -> str | None:
    value = getattr(item, "request_id", None)
    return str(value) if value is not None else None
