"""Plain-data (JSON-ready) checkpoints of the engine's records, and the desk policy's version id.

A checkpoint lets the app restart from a saved state plus the few events after it, instead of replaying the
whole history. Records are encoded generically: every dataclass field of a record is written (enums by value,
datetimes ISO 8601, sets as sorted lists) and read back by the field's type hint, so a field added to a record
flows through without touching this module. Fields that only say where the engine's indexes file a record are
left out and rebuilt on restore (`INDEX_FIELDS`).
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import typing
from typing import Any

from routing.codec import from_data, record_from_data, to_data
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
    try:
        return record_from_data(cls, data, where, skip=INDEX_FIELDS)
    except CheckpointError:
        raise
    except ValueError as exc:
        raise CheckpointError(str(exc)) from exc


def decode_value(hint: Any, value: Any, where: str) -> Any:
    """Convert checkpoint data back to the Python type `hint` names (`routing.codec.from_data`)."""
    try:
        return from_data(hint, value, where)
    except CheckpointError:
        raise
    except ValueError as exc:
        raise CheckpointError(str(exc)) from exc
