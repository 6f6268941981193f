"""Desk policy as data: which languages are served how, hours, offer timing, relaxation and estimate rules.

Frozen dataclasses so a policy can be shared and compared; `DeskPolicy.from_dict` / `to_dict` give the
plain-data (JSON) form the app stores per desk.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from types import MappingProxyType
from typing import Any, TypeVar

from routing.calendar import OpeningHours, check_keys
from routing.errors import PolicyError


class ServiceMode(StrEnum):
    """How a language is served."""

    ON_SITE = "on_site"  # a counselor speaks it (Easy Japanese: any counselor)
    REMOTE = "remote"  # any counselor plus a remote interpreter
    RESERVATION = "reservation"  # remote interpreter by appointment only


class FallbackOption(StrEnum):
    """What a resident can be offered when nobody can serve them live."""

    MT_CHAT = "mt_chat"
    CALLBACK = "callback"
    RESERVATION = "reservation"


DEFAULT_VENDOR = "default"


def _positive(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        raise PolicyError(f"{name} must be a positive integer, got {value!r}")


def _not_negative(name: str, value: int) -> None:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise PolicyError(f"{name} must be a non-negative integer, got {value!r}")


@dataclass(frozen=True, slots=True)
class OfferRules:
    """How interpreter offers ring."""

    timeout_s: int = 20
    max_missed_in_row: int = 2  # expired offers in a row before the interpreter is set away
    redial_cooldown_s: int = (
        60  # an interpreter who declined/missed a request is not offered it again for this long
    )

    def __post_init__(self) -> None:
        _positive("offers.timeout_s", self.timeout_s)
        _positive("offers.max_missed_in_row", self.max_missed_in_row)
        _not_negative("offers.redial_cooldown_s", self.redial_cooldown_s)


@dataclass(frozen=True, slots=True)
class RelaxationRules:
    """Constraints that loosen as the wait grows (seconds since the request; None disables the rule)."""

    on_site_to_remote_after_s: int | None = 120  # on-site language may use an interpreter plus any counselor
    gender_after_s: int | None = 90  # the soft interpreter-gender preference is dropped
    remote_fallback_after_s: int | None = (
        180  # remote language: offer chat/callback/reservation (still queued)
    )
    on_site_fallback_after_s: int | None = 900  # on-site language: the same, after a longer wait

    def __post_init__(self) -> None:
        for name in (
            "on_site_to_remote_after_s",
            "gender_after_s",
            "remote_fallback_after_s",
            "on_site_fallback_after_s",
        ):
            value = getattr(self, name)
            if value is not None:
                _not_negative(f"relaxation.{name}", value)


@dataclass(frozen=True, slots=True)
class EstimateRules:
    """Wait estimates: an exponentially weighted mean of handling times per language."""

    default_handling_s: int = 900  # used for a language until its first call has ended
    smoothing: float = 0.2  # weight of the newest handling time

    def __post_init__(self) -> None:
        _positive("estimates.default_handling_s", self.default_handling_s)
        if not (0.0 < self.smoothing <= 1.0) or math.isnan(self.smoothing):
            raise PolicyError(f"estimates.smoothing must be in (0, 1], got {self.smoothing}")


DEFAULT_FALLBACK_OPTIONS = (FallbackOption.MT_CHAT, FallbackOption.CALLBACK, FallbackOption.RESERVATION)


@dataclass(frozen=True)
class DeskPolicy:
    """Everything the engine needs to know about one desk; pure data."""

    languages: Mapping[str, ServiceMode] = field(hash=False)
    desk_hours: OpeningHours
    interpreter_hours: OpeningHours  # the vendor's hours; interpreters are offered calls only inside them
    vendor_hours: Mapping[str, OpeningHours] = field(default_factory=dict, hash=False)  # per-vendor override
    staff_language: str = "ja"  # every counselor speaks it; an on-site request in it can go to any counselor
    offers: OfferRules = OfferRules()
    relaxation: RelaxationRules = RelaxationRules()
    estimates: EstimateRules = EstimateRules()
    fallback_options: tuple[FallbackOption, ...] = DEFAULT_FALLBACK_OPTIONS
    wrap_up_s: int = 180  # a counselor's wrap-up after a call ends at the latest this long after (0: none)

    def __post_init__(self) -> None:
        _not_negative("wrap_up_s", self.wrap_up_s)
        if not self.languages:
            raise PolicyError("a desk policy needs at least one language")
        for code, mode in self.languages.items():
            if not isinstance(code, str) or not code:
                raise PolicyError(f"language codes must be non-empty strings, got {code!r}")
            if not isinstance(mode, ServiceMode):
                raise PolicyError(f"language {code!r}: mode must be a ServiceMode, got {mode!r}")
        if not self.fallback_options:
            raise PolicyError("fallback_options must not be empty")
        # Read-only views, so a frozen policy cannot be changed through its mappings.
        object.__setattr__(self, "languages", MappingProxyType(dict(self.languages)))
        object.__setattr__(self, "vendor_hours", MappingProxyType(dict(self.vendor_hours)))

    def mode_of(self, language: str) -> ServiceMode | None:
        """The service mode of a language, or None if the desk does not offer it."""
        return self.languages.get(language)

    def hours_for_vendor(self, vendor: str) -> OpeningHours:
        """The hours in which interpreters of `vendor` may be offered calls."""
        return self.vendor_hours.get(vendor, self.interpreter_hours)

    def to_dict(self) -> dict[str, Any]:
        """Plain-data (JSON-ready) form, the inverse of `from_dict`."""
        return {
            "languages": {code: mode.value for code, mode in self.languages.items()},
            "desk_hours": self.desk_hours.to_dict(),
            "interpreter_hours": self.interpreter_hours.to_dict(),
            "vendor_hours": {vendor: hours.to_dict() for vendor, hours in self.vendor_hours.items()},
            "staff_language": self.staff_language,
            "offers": {
                "timeout_s": self.offers.timeout_s,
                "max_missed_in_row": self.offers.max_missed_in_row,
                "redial_cooldown_s": self.offers.redial_cooldown_s,
            },
            "relaxation": {
                "on_site_to_remote_after_s": self.relaxation.on_site_to_remote_after_s,
                "gender_after_s": self.relaxation.gender_after_s,
                "remote_fallback_after_s": self.relaxation.remote_fallback_after_s,
                "on_site_fallback_after_s": self.relaxation.on_site_fallback_after_s,
            },
            "estimates": {
                "default_handling_s": self.estimates.default_handling_s,
                "smoothing": self.estimates.smoothing,
            },
            "fallback_options": [option.value for option in self.fallback_options],
            "wrap_up_s": self.wrap_up_s,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> DeskPolicy:
        """Build from plain data (shape: `default_policy_data()`); unknown keys raise PolicyError."""
        check_keys(
            data,
            {
                "languages",
                "desk_hours",
                "interpreter_hours",
                "vendor_hours",
                "staff_language",
                "offers",
                "relaxation",
                "estimates",
                "fallback_options",
                "wrap_up_s",
            },
            "desk policy",
        )
        for key in ("languages", "desk_hours", "interpreter_hours"):
            if key not in data:
                raise PolicyError(f"desk policy: {key!r} is required")
        languages_data = data["languages"]
        check_keys(languages_data, set(languages_data), "languages")
        kwargs: dict[str, Any] = {
            "languages": {
                str(code): _enum(ServiceMode, mode, f"languages.{code}")
                for code, mode in languages_data.items()
            },
            "desk_hours": OpeningHours.from_dict(data["desk_hours"]),
            "interpreter_hours": OpeningHours.from_dict(data["interpreter_hours"]),
        }
        if "vendor_hours" in data:
            vendors = data["vendor_hours"]
            check_keys(vendors, set(vendors), "vendor_hours")
            kwargs["vendor_hours"] = {
                str(name): OpeningHours.from_dict(hours) for name, hours in vendors.items()
            }
        if "staff_language" in data:
            kwargs["staff_language"] = str(data["staff_language"])
        if "offers" in data:
            kwargs["offers"] = OfferRules(
                **_section(data["offers"], "offers", OfferRules.__dataclass_fields__)
            )
        if "relaxation" in data:
            kwargs["relaxation"] = RelaxationRules(
                **_section(data["relaxation"], "relaxation", RelaxationRules.__dataclass_fields__)
            )
        if "estimates" in data:
            kwargs["estimates"] = EstimateRules(
                **_section(data["estimates"], "estimates", EstimateRules.__dataclass_fields__)
            )
        if "fallback_options" in data:
            kwargs["fallback_options"] = tuple(
                _enum(FallbackOption, option, "fallback_options") for option in data["fallback_options"]
            )
        if "wrap_up_s" in data:
            kwargs["wrap_up_s"] = data["wrap_up_s"]
        return cls(**kwargs)

    @classmethod
    def default(cls) -> DeskPolicy:
        """The Takahashi River Basin central desk (Kurashiki) policy."""
        return cls.from_dict(default_policy_data())


def _section(data: Mapping[str, Any], where: str, allowed: Mapping[str, Any]) -> dict[str, Any]:
    check_keys(data, set(allowed), where)
    out: dict[str, Any] = {}
    for key, value in data.items():
        if isinstance(value, bool) or not (value is None or isinstance(value, int | float)):
            raise PolicyError(f"{where}.{key}: expected a number, got {value!r}")
        out[key] = value
    return out


_E = TypeVar("_E", bound=StrEnum)


def _enum(kind: type[_E], value: object, where: str) -> _E:
    try:
        return kind(str(value))
    except ValueError as exc:
        choices = ", ".join(member.value for member in kind)
        raise PolicyError(f"{where}: expected one of {choices}, got {value!r}") from exc


def default_policy_data() -> dict[str, Any]:
    """A fresh plain-data copy of the Kurashiki desk policy, to store or to edit before `from_dict`."""
    return {
        "languages": {
            "ja": "on_site",  # やさしい日本語 (Easy Japanese): any counselor
            "en": "on_site",
            "zh": "on_site",
            "vi": "on_site",
            "ko": "remote",
            "pt": "remote",
            "es": "remote",
            "ne": "remote",
            "fil": "remote",
            "id": "remote",
            "hi": "remote",
            "th": "remote",
            "fr": "remote",
            "ru": "remote",
            "uk": "reservation",
        },
        "desk_hours": {
            "opens": "09:00",
            "closes": "17:00",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "timezone": "Asia/Tokyo",
            "holiday_country": "JP",
            "annual_closures": [{"start": "12-29", "end": "01-03"}],
        },
        "interpreter_hours": {
            "opens": "10:00",
            "closes": "18:00",
            "weekdays": ["mon", "tue", "wed", "thu", "fri"],
            "timezone": "Asia/Tokyo",
            "holiday_country": "JP",
            "annual_closures": [{"start": "12-29", "end": "01-03"}],
        },
        "staff_language": "ja",
        "offers": {"timeout_s": 20, "max_missed_in_row": 2, "redial_cooldown_s": 60},
        "relaxation": {
            "on_site_to_remote_after_s": 120,
            "gender_after_s": 90,
            "remote_fallback_after_s": 180,
            "on_site_fallback_after_s": 900,
        },
        "estimates": {"default_handling_s": 900, "smoothing": 0.2},
        "fallback_options": ["mt_chat", "callback", "reservation"],
        "wrap_up_s": 180,
    }


def apply_overrides(data: dict[str, Any], overrides: dict[str, Any]) -> dict[str, Any]:
    """Merge an operator's partial policy into the full one, section by section (settings check with it)."""
    merged = dict(data)
    for key, value in overrides.items():
        base = merged.get(key)
        merged[key] = {**base, **value} if isinstance(value, dict) and isinstance(base, dict) else value
    return merged
