"""Plain-data (JSON-ready) checkpoints of the engine's records, and the desk policy's version id.

A checkpoint lets the app restart from a saved state plus the few events after it, instead of replaying the
whole history. Records are encoded generically: every dataclass field of a record is written (enums by value,
datetimes ISO 8601, sets as sorted lists) and read back by the field's type hint, so a field added to a record
flows through without touching this module. Fields that only say where the engine's indexes file a record are
left out and rebuilt on restore (`INDEX_FIELDS`).
"""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import types
import typing
from collections.abc import Mapping
from datetime import datetime
from enum import Enum
from typing import Any

from routing.codec import to_data
from routing.errors import RoutingError
from routing.policy import DeskPolicy

# 1: the first format (December 2026). Bump it when the engine-level state list in `Engine.checkpoint` changes
# meaning, and teach `Engine.restore` to read the previous version.
CHECKPOINT_FORMAT = 1

# Per record type: fields the engine derives from the others while rebuilding its indexes.
INDEX_FIELDS = frozenset({"pool_entry", "online_entry", "here_entry"})


class CheckpointError(RoutingError, ValueError):
    """A checkpoint is malformed or of an unknown format: fall back to an older one or to a full replay."""

    code = "invalid_checkpoint"


def policy_version(policy: DeskPolicy) -> str:
    """A content hash of the policy: equal policies share a version, any change gives a new one."""
    canonical = json.dumps(policy.to_dict(), sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(canonical.encode()).hexdigest()[:16]


def encode_record(record: object) -> dict[str, Any]:
    """Every field of a record dataclass except the index bookkeeping, as JSON-ready data."""
    assert dataclasses.is_dataclass(record) and not isinstance(record, type)
    return {
        field.name: to_data(getattr(record, field.name))
        for field in dataclasses.fields(record)
        if field.name not in INDEX_FIELDS
    }


_R = typing.TypeVar("_R")


def decode_record(cls: type[_R], data: Any, where: str) -> _R:
    """Read a record written by `encode_record`; missing fields take their defaults, unknown ones raise."""
    if not isinstance(data, Mapping):
        raise CheckpointError(f"{where}: expected an object, got {type(data).__name__}")
    fields = {field.name: field for field in dataclasses.fields(cls)}  # type: ignore[arg-type]
    unknown = set(data) - set(fields)
    if unknown:
        raise CheckpointError(f"{where}: unknown fields {sorted(unknown)}")
    hints = _hints(cls)  # type: ignore[arg-type]  # dataclass types are hashable
    kwargs = {
        name: decode_value(hints[name], data[name], f"{where}.{name}")
        for name in fields
        if name in data and name not in INDEX_FIELDS
    }
    try:
        return cls(**kwargs)
    except TypeError as exc:
        raise CheckpointError(f"{where}: {exc}") from exc


@functools.cache
def _hints(cls: Any) -> dict[str, Any]:
    return typing.get_type_hints(cls)


def decode_value(hint: Any, value: Any, where: str) -> Any:
    """Convert JSON data back to the Python type `hint` names (the inverse of `routing.codec.to_data`)."""
    origin = typing.get_origin(hint)
    args = typing.get_args(hint)
    if origin is types.UnionType or origin is typing.Union:
        if value is None and type(None) in args:
            return None
        inner = [arg for arg in args if arg is not type(None)]
        if len(inner) != 1:
            raise CheckpointError(f"{where}: cannot decode {hint!r}")  # pragma: no cover - no such field yet
        return decode_value(inner[0], value, where)
    if origin in (frozenset, set, list, tuple):
        if not isinstance(value, list):
            raise CheckpointError(f"{where}: expected a list, got {value!r}")
        if origin is tuple and not (len(args) == 2 and args[1] is Ellipsis):
            if len(args) != len(value):
                raise CheckpointError(f"{where}: expected {len(args)} items, got {len(value)}")
            return tuple(decode_value(a, v, where) for a, v in zip(args, value, strict=True))
        return origin(decode_value(args[0], item, where) for item in value)
    if origin is dict:
        if not isinstance(value, Mapping):
            raise CheckpointError(f"{where}: expected an object, got {value!r}")
        key_hint, item_hint = args
        return {
            decode_value(key_hint, key, where): decode_value(item_hint, item, where)
            for key, item in value.items()
        }
    if dataclasses.is_dataclass(hint) and isinstance(hint, type):
        return decode_record(hint, value, where)
    if hint is datetime:
        if not isinstance(value, str):
            raise CheckpointError(f"{where}: expected an ISO datetime, got {value!r}")
        try:
            return datetime.fromisoformat(value)
        except ValueError as exc:
            raise CheckpointError(f"{where}: {exc}") from exc
    if isinstance(hint, type) and issubclass(hint, Enum):
        try:
            return hint(value)
        except ValueError as exc:
            raise CheckpointError(f"{where}: {exc}") from exc
    if hint is float and isinstance(value, int | float) and not isinstance(value, bool):
        return float(value)
    if hint in (bool, int, str):
        if (hint is not bool and isinstance(value, bool)) or not isinstance(value, hint):
            raise CheckpointError(f"{where}: expected {hint.__name__}, got {value!r}")
        return value
    raise CheckpointError(f"{where}: cannot decode {hint!r}")  # pragma: no cover - a field type it lacks
