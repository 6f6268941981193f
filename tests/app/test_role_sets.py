"""Each set of roles that a route admits has one name, in app.auth.roles; app.deps has one alias per set."""

from __future__ import annotations

import typing

from app import deps
from app.auth import roles
from app.auth.principal import DEVICE
from app.enums import Role


def _role_sets() -> dict[str, frozenset[str]]:
    return {
        name: frozenset(value)
        for name, value in vars(roles).items()
        if name.isupper() and isinstance(value, tuple)
    }


def test_role_sets__no_set_has_two_names() -> None:
    sets = _role_sets()
    assert len(set(sets.values())) == len(sets), sets


def test_role_sets__name_only_known_roles() -> None:
    known = {str(role) for role in Role} | {DEVICE}
    for name, members in _role_sets().items():
        assert members and members <= known, name


def test_role_sets__deps_has_one_alias_per_set() -> None:
    aliases = {
        name: value
        for name, value in vars(deps).items()
        if typing.get_origin(value) is typing.Annotated
        and getattr(getattr(typing.get_args(value)[1], "dependency", None), "__qualname__", "").startswith(
            "require_roles."
        )
    }
    assert len(aliases) == len(_role_sets())


def test_role_names__every_role_has_a_japanese_name() -> None:
    assert set(roles.ROLE_JA) == {str(role) for role in Role} | {DEVICE}
