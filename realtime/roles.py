"""Participant roles in a consultation call, shared by the codecs, tokens and rooms."""

from __future__ import annotations

from typing import Final, Literal, TypeGuard, get_args

Role = Literal["resident", "counter_tablet", "counselor", "interpreter", "satellite_staff", "phone"]
"""``phone`` is the server-side bridge that carries a telephone caller into the call (one per phone case)."""

ROLES: Final[tuple[Role, ...]] = get_args(Role)


def is_role(value: object) -> TypeGuard[Role]:
    """Narrow untrusted input (JSON, token payloads) to a known role."""
    return isinstance(value, str) and value in ROLES
